import Foundation
import Testing
@testable import Paillier

/// crypto_mb's eight-lane exponentiation against GMP, and decryption through it against the
/// one-ciphertext GMP path. The comparisons run wherever the library loads (scripts/setup.sh
/// installs it on CPUs with AVX-512 IFMA); elsewhere they are skipped, and the test below
/// still insists that an installed library on a capable CPU does load.
struct MultiBufferExponentiatorTests {
    static let engine = MultiBufferExponentiator.shared
    static let loaded = engine != nil

    /// A 1024-bit subgroup key: p² and q² are 1,024-bit moduli, the smallest crypto_mb takes.
    static let subgroupKey = PaillierPrivateKey.generate(bits: 1024, subgroupBits: 128)
    static let standardKey = try! PaillierPrivateKey(publicKey: subgroupKey.publicKey.withoutMaskBase,
                                                     p: subgroupKey.p, q: subgroupKey.q)

    static func oddModulus(bits: Int) -> GMPInteger {
        GMPInteger.random(bits: bits - 2).shiftedLeft(1) + GMPInteger(1).shiftedLeft(bits - 1) + 1
    }

    @Test func anInstalledLibraryLoadsOnACapableCPU() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let capable = cpuinfo.contains(" avx512ifma")
        let installed = MultiBufferExponentiator.defaultDirectories().contains {
            FileManager.default.fileExists(atPath: $0 + "/libcrypto_mb.so.13")
        }
        let disabled = ProcessInfo.processInfo.environment[MultiBufferExponentiator.environmentVariable] != nil
        guard capable, installed, !disabled else { return }
        #expect(Self.loaded, "crypto_mb is installed but did not load: \(MultiBufferExponentiator.unavailableReason ?? "")")
    }

    @Test func aDirectoryWithoutTheLibraryIsOneClearError() {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("no-crypto-mb-\(UUID())").path
        #expect {
            _ = try MultiBufferExponentiator(directory: directory)
        } throws: { error in
            guard let failure = error as? MultiBufferExponentiator.LoadFailure else { return false }
            return failure.reason.hasPrefix("cannot load libintlc.so.5")
        }
    }

    @Test(.enabled(if: loaded), arguments: [1024, 2048, 3072, 4096])
    func powersEqualGMPs(modulusBits: Int) throws {
        let engine = try #require(Self.engine)
        let modulus = Self.oddModulus(bits: modulusBits)
        for (count, exponentBits) in [(1, 1), (3, 64), (8, 300), (5, modulusBits)] {
            let bases = (0..<count).map { _ in GMPInteger.random(below: modulus) }
            let exponent = GMPInteger.random(bits: exponentBits)
            let powers = try #require(engine.power(bases, exponent: exponent, modulus: modulus))
            #expect(powers == bases.map { $0.power(exponent, modulo: modulus) },
                    "\(count) bases, \(exponentBits)-bit exponent, \(modulusBits)-bit modulus")
        }
        // Edge values: 0, 1 and modulus − 1 as bases; exponent 0 gives 1.
        let edges = [GMPInteger(0), GMPInteger(1), modulus - 1]
        let exponent = GMPInteger.random(bits: 100)
        #expect(engine.power(edges, exponent: exponent, modulus: modulus) == edges.map { $0.power(exponent, modulo: modulus) })
        #expect(engine.power([GMPInteger(7)], exponent: GMPInteger(0), modulus: modulus) == [GMPInteger(1)])
    }

    @Test(.enabled(if: loaded))
    func unsupportedInputsAreRefusedNotMiscomputed() throws {
        let engine = try #require(Self.engine)
        let small = Self.oddModulus(bits: 512)
        let between = Self.oddModulus(bits: 1500)
        let edge = Self.oddModulus(bits: 2079)   // 40 digits of 52 bits, but not with 2 bits more
        for modulus in [small, between, edge] {
            #expect(!engine.supports(modulusBits: modulus.bitWidth))
            #expect(engine.power([GMPInteger(3)], exponent: GMPInteger(5), modulus: modulus) == nil)
        }
        let modulus = Self.oddModulus(bits: 2048)
        #expect(engine.power([GMPInteger(3)], exponent: GMPInteger(5), modulus: modulus + 1) == nil, "even modulus")
        #expect(engine.power([modulus], exponent: GMPInteger(5), modulus: modulus) == nil, "base not reduced")
    }

    /// Subgroup ciphertexts and foreign ones (textbook r^n masks) interleaved, 19 of them so the
    /// last batch is partial: every plaintext comes back, for the subgroup and the standard key.
    @Test(.enabled(if: loaded))
    func batchedDecryptionEqualsTheOneByOnePath() throws {
        let engine = try #require(Self.engine)
        let key = Self.subgroupKey
        #expect(engine.supports(modulusBits: key.pSquared.bitWidth))
        let encryptor = PaillierEncryptor(publicKey: key.publicKey)
        let plaintexts = (0..<19).map { _ in GMPInteger.random(below: key.publicKey.n) }
        let ciphertexts = try plaintexts.enumerated().map { index, m in
            index % 3 == 1 ? try key.publicKey.encrypt(raw: m) : try encryptor.encrypt(raw: m)
        }
        #expect(ciphertexts.enumerated().allSatisfy { index, c in
            (key.decryptInSubgroup(raw: c) == nil) == (index % 3 == 1)
        }, "the fixture mixes both kinds of mask")
        for privateKey in [key, Self.standardKey] {
            #expect(privateKey.decrypt(raw: ciphertexts, engine: engine) == plaintexts)
            #expect(privateKey.decrypt(raw: ciphertexts, engine: nil) == plaintexts)
        }
        #expect(key.decrypt(raw: [], engine: engine).isEmpty)
    }
}
