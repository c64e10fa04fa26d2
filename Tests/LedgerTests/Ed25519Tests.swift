import Foundation
import Testing
@testable import Ledger

/// RFC 8032 §7.1 test vectors through MedChain's signing wrapper.
///
/// Fixture: Inputs/rfc8032-ed25519.json, transcribed from RFC 8032 §7.1 (TEST 1, 2, 3, 1024,
/// SHA(abc)) and checked once against OpenSSL with Python's `cryptography` 48.0.0:
/// `Ed25519PrivateKey.from_private_bytes(seed).sign(message) == signature` for all five.
struct Ed25519Tests {
    struct Vector: Codable, CustomTestStringConvertible, Sendable {
        var name: String, secretKey: String, publicKey: String, message: String, signature: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = {
        let url = Bundle.module.url(forResource: "Inputs/rfc8032-ed25519", withExtension: "json")!
        return try! JSONDecoder().decode([Vector].self, from: Data(contentsOf: url))
    }()

    @Test("RFC 8032 vectors: seed gives the public key, signing gives the published signature, and it verifies",
          arguments: vectors)
    func rfc8032Vector(_ vector: Vector) throws {
        let key = try SigningKey(seed: [UInt8](hex: vector.secretKey)!)
        #expect(key.publicKey.hex == vector.publicKey)
        let message = [UInt8](hex: vector.message)!
        let expected = Signature(hex: vector.signature)!
        #expect(PublicKey(hex: vector.publicKey)!.isValidSignature(expected, for: message))
        let ours = key.sign(message)
        #expect(key.publicKey.isValidSignature(ours, for: message))
        #if os(Linux)
        // BoringSSL signs deterministically, as RFC 8032 specifies (CryptoKit on Apple
        // platforms randomises, so there only verification is compared).
        #expect(ours == expected)
        #endif
    }

    @Test("A flipped bit in the signature, the message or the key fails verification", arguments: vectors)
    func flippedBitsFail(_ vector: Vector) throws {
        let key = PublicKey(hex: vector.publicKey)!
        let message = [UInt8](hex: vector.message)!
        let signature = [UInt8](hex: vector.signature)!
        for bit in [0, 100, 255, 256, 300, 511] {
            var bad = signature
            bad[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(!key.isValidSignature(Signature(bytes: bad)!, for: message), "signature bit \(bit)")
        }
        #expect(!key.isValidSignature(Signature(bytes: signature)!, for: message + [0]))
        var otherKey = key.bytes
        otherKey[0] ^= 1
        #expect(PublicKey(bytes: otherKey).map { !$0.isValidSignature(Signature(bytes: signature)!, for: message) } ?? true)
    }

    @Test func keyFilesAreWrittenWithMode0600AndReadBack() throws {
        let dir = TestChain.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("keys/identity.ed25519")
        let key = TestChain.key(7)
        try KeyFile.write(key, to: url)
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as! Int
        #expect(mode == 0o600)
        #expect(try KeyFile.read(from: url).publicKey == key.publicKey)
        #expect(throws: IdentityError.keyFileExists(path: url.path)) { try KeyFile.write(key, to: url) }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        #expect(throws: IdentityError.keyFileTooOpen(path: url.path, mode: "644")) { try KeyFile.read(from: url) }
    }
}
