import ArgumentParser
import Dispatch
import Foundation
import Paillier

/// `medchain bench paillier`: Paillier throughput on a fresh key (build with -c release).
///
/// Single-value figures run on one thread: the fast encryptor (DJN masks with a 2κ-bit
/// exponent, the default everywhere), DJN's original ⌈k/2⌉-bit exponent, textbook r^n, and
/// constant-time CRT decryption. The packed-update figures quantise a vector the size of the
/// reference CNN's parameters, pack it for the given number of parties, and encrypt it on every
/// core; then they sum one encrypted update per party and check that the decrypted sums equal
/// the plaintext sums exactly. The `subgroup_*` figures do the same single-value steps with a
/// subgroup key (short decryption exponents, docs/paillier.md "Subgroup keys"), the key
/// `medchain demo --he` uses. The `round_*` figures repeat the packed sum in the shape of a
/// `medchain demo --he` round (sample-weighted values: 16 + 8 bits, 4 hospitals) with the
/// subgroup key: encrypt 4 updates one after another, parse and check one as a validator does,
/// sum, decrypt; `round_decrypt_standard_seconds` decrypts the same sum the standard way, and
/// `round_decrypt_gmp_only_seconds` with GMP alone (`decrypt_engine` names the library the
/// other decryptions used: crypto_mb when scripts/setup.sh installed it, see docs/paillier.md).
struct PaillierBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paillier",
        abstract: "Paillier encryption, decryption, addition and packed-update throughput."
    )

    @Option(help: "Modulus size in bits.")
    var keysize: Int = 2048

    @Option(help: "Values per model update (the reference CNN has 205,890 parameters).")
    var values: Int = 205_890

    @Option(help: "Quantisation bits per value.")
    var bits: Int = 16

    @Option(help: "Parties whose packed updates are summed.")
    var parties: Int = 8

    @Option(help: "Bits per packed value in the demo-shaped round (16-bit values times 8-bit sample counts).")
    var roundBits: Int = 24

    @Option(help: "Hospitals in the demo-shaped round.")
    var roundParties: Int = 4

    @Option(help: "Bits of the subgroup orders of the subgroup key (default: 2κ rounded up to 64 bits, 256 for 2048).")
    var subgroupBits: Int?

    @Option(help: "Seconds to spend on each single-value measurement.")
    var seconds: Double = 2

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let clock = ContinuousClock()
        func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
            let start = clock.now
            let result = try body()
            let elapsed = clock.now - start
            return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        /// Repeats `body` for about `seconds` and returns operations per second.
        func rate(_ body: () throws -> Void) rethrows -> Double {
            var count = 0
            let start = clock.now
            var elapsed = 0.0
            repeat {
                for _ in 0..<10 { try body() }
                count += 10
                let d = clock.now - start
                elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            } while elapsed < seconds
            return Double(count) / elapsed
        }

        let (key, keygenSeconds) = time { PaillierPrivateKey.generate(bits: keysize) }
        let publicKey = key.publicKey
        let (encryptor, setupSeconds) = time { PaillierEncryptor(publicKey: publicKey) }

        let plaintext = GMPInteger.random(below: publicKey.n)
        let encryptRate = try rate { _ = try encryptor.encrypt(raw: plaintext) }
        let (halfEncryptor, halfSetupSeconds) = time { PaillierEncryptor(publicKey: publicKey, exponent: .halfModulus) }
        let halfRate = try rate { _ = try halfEncryptor.encrypt(raw: plaintext) }
        let textbookRate = try rate { _ = try publicKey.encrypt(raw: plaintext) }
        let ciphertext = try encryptor.encrypt(raw: plaintext)
        let other = try encryptor.encrypt(raw: GMPInteger(12345))
        var decrypted = GMPInteger()
        let decryptRate = rate { decrypted = key.decrypt(raw: ciphertext) }
        guard decrypted == plaintext else { throw CommandFailure("decryption check failed") }
        let addRate = rate { _ = publicKey.add(ciphertext, other) }
        // The core of a CRT half-decryption, c^(p−1) mod p², with GMP's constant-time
        // exponentiation (what decryption uses) and its variable-time one (for comparison).
        let pSquared = key.p * key.p, pMinusOne = key.p - 1
        let reduced = ciphertext.value.modulo(pSquared)
        let halfSecureRate = rate { _ = reduced.power(secretExponent: pMinusOne, modulo: pSquared) }
        let halfVariableRate = rate { _ = reduced.power(pMinusOne, modulo: pSquared) }

        // The same with a subgroup key: decryption exponents αp, αq of t bits.
        let (subgroupKey, subgroupKeygenSeconds) = time { PaillierPrivateKey.generate(bits: keysize, subgroupBits: subgroupBits) }
        guard let subgroup = subgroupKey.subgroup else { throw CommandFailure("subgroup key generation failed") }
        let (subgroupEncryptor, subgroupSetupSeconds) = time { PaillierEncryptor(publicKey: subgroupKey.publicKey) }
        let subgroupPlaintext = GMPInteger.random(below: subgroupKey.publicKey.n)
        let subgroupEncryptRate = try rate { _ = try subgroupEncryptor.encrypt(raw: subgroupPlaintext) }
        let subgroupCiphertext = try subgroupEncryptor.encrypt(raw: subgroupPlaintext)
        let subgroupDecryptRate = rate { decrypted = subgroupKey.decrypt(raw: subgroupCiphertext) }
        guard decrypted == subgroupPlaintext, subgroupKey.decryptInSubgroup(raw: subgroupCiphertext) != nil else {
            throw CommandFailure("subgroup decryption check failed")
        }
        // A ciphertext with a textbook mask r^n: the subgroup check fails, then standard CRT.
        let foreignCiphertext = try subgroupKey.publicKey.encrypt(raw: subgroupPlaintext)
        let subgroupForeignRate = rate { decrypted = subgroupKey.decrypt(raw: foreignCiphertext) }
        guard decrypted == subgroupPlaintext, subgroupKey.decryptInSubgroup(raw: foreignCiphertext) == nil else {
            throw CommandFailure("fallback decryption check failed")
        }

        // Packed updates: one per party, each quantised from floats and encrypted on all cores.
        let scheme = try paillierStep("packing") { () throws(PaillierError) in
            try PackingScheme(valueBits: bits, parties: parties, publicKey: publicKey)
        }
        let quantizer = try paillierStep("quantiser") { () throws(PaillierError) in
            try FixedPointQuantizer(bits: bits, range: 1)
        }
        var generator = SystemRandomNumberGenerator()
        var encryptedUpdates: [[PaillierCiphertext]] = []
        var expected = [UInt64](repeating: 0, count: values)
        var encryptSeconds: [Double] = []
        var packSeconds: [Double] = []
        for _ in 0..<parties {
            let update = (0..<values).map { _ in Float.random(in: -1...1, using: &generator) }
            let (encrypted, seconds) = try time { () throws -> [PaillierCiphertext] in
                let quantised = quantizer.quantize(update)
                return try paillierStep("encrypting") { () throws(PaillierError) in
                    try encryptor.encrypt(packing: quantised, scheme: scheme)
                }
            }
            let (_, packTime) = try time { try paillierStep("packing") { () throws(PaillierError) in try scheme.pack(quantizer.quantize(update)) } }
            packSeconds.append(packTime)
            for (i, q) in quantizer.quantize(update).enumerated() { expected[i] += q }
            encryptSeconds.append(seconds)
            encryptedUpdates.append(encrypted)
        }
        let (sum, sumSeconds) = time { publicKey.sum(encryptedUpdates) }
        let (sums, decryptSeconds) = try time {
            try paillierStep("decrypting the sum") { () throws(PaillierError) in
                try key.decrypt(packed: sum, scheme: scheme, count: values)
            }
        }
        guard sums == expected else { throw CommandFailure("packed sum does not match the plaintext sum") }

        // A demo-shaped round with the subgroup key: each hospital encrypts in turn on every core
        // (as the demo runs them), a validator parses and checks one update blob, the master
        // sums, the key holder decrypts.
        let roundScheme = try paillierStep("packing") { () throws(PaillierError) in
            try PackingScheme(valueBits: roundBits, parties: roundParties, publicKey: subgroupKey.publicKey)
        }
        /// CPU seconds of the whole process (all threads): under load from other jobs this
        /// stays close to the work done, while wall time does not.
        func cpuSeconds() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        let plainUpdates = (0..<roundParties).map { _ in
            (0..<values).map { _ in UInt64.random(in: 0...roundScheme.maxValue, using: &generator) }
        }
        var roundExpected = [UInt64](repeating: 0, count: values)
        for update in plainUpdates { for (i, v) in update.enumerated() { roundExpected[i] += v } }
        let roundCPUStart = cpuSeconds()
        var roundUpdates: [[PaillierCiphertext]] = []
        var roundEncryptSeconds = 0.0
        for update in plainUpdates {
            let (encrypted, seconds) = try time {
                try paillierStep("encrypting") { () throws(PaillierError) in try subgroupEncryptor.encrypt(packing: update, scheme: roundScheme) }
            }
            roundEncryptSeconds += seconds
            roundUpdates.append(encrypted)
        }
        let width = 2 * ((keysize + 7) / 8)
        let blob = roundUpdates[0].flatMap { c -> [UInt8] in
            let bytes = c.value.bigEndianBytes
            return [UInt8](repeating: 0, count: width - bytes.count) + bytes
        }
        let (_, checkSeconds) = try time {
            try paillierStep("checking an update") { () throws(PaillierError) in
                try subgroupKey.publicKey.ciphertexts((0..<roundUpdates[0].count).map { GMPInteger(bigEndian: blob[($0 * width)..<(($0 + 1) * width)]) })
            }
        }
        let (roundSum, roundSumSeconds) = time { subgroupKey.publicKey.sum(roundUpdates) }
        let (roundSums, roundDecryptSeconds) = try time {
            try paillierStep("decrypting the round sum") { () throws(PaillierError) in
                try subgroupKey.decrypt(packed: roundSum, scheme: roundScheme, count: values)
            }
        }
        let roundCPU = cpuSeconds() - roundCPUStart
        guard roundSums == roundExpected else { throw CommandFailure("round sum does not match the plaintext sum") }
        // The same decryption with GMP alone (no crypto_mb), for comparison.
        let engine = MultiBufferExponentiator.shared
        let (gmpSums, roundDecryptGMPSeconds) = try time {
            try paillierStep("decrypting the round sum with GMP") { () throws(PaillierError) in
                try roundScheme.unpack(subgroupKey.decrypt(raw: roundSum, engine: nil), count: values)
            }
        }
        guard gmpSums == roundExpected else { throw CommandFailure("GMP decryption of the round sum does not match") }
        let engineName = engine?.description
            ?? "GMP (crypto_mb not loaded: " + (MultiBufferExponentiator.unavailableReason ?? "") + ")"
        // The same sum decrypted with the same p, q the standard way (exponents p − 1, q − 1).
        let standardTwin = try paillierStep("standard key") { () throws(PaillierError) in
            try PaillierPrivateKey(publicKey: subgroupKey.publicKey.withoutMaskBase, p: subgroupKey.p, q: subgroupKey.q)
        }
        let (standardSums, roundStandardDecryptSeconds) = try time {
            try paillierStep("decrypting the round sum") { () throws(PaillierError) in
                try standardTwin.decrypt(packed: roundSum, scheme: roundScheme, count: values)
            }
        }
        guard standardSums == roundExpected else { throw CommandFailure("standard decryption of the round sum does not match") }

        let report: [(String, String)] = [
            ("key_bits", "\(keysize)"),
            ("cores", "\(ProcessInfo.processInfo.activeProcessorCount)"),
            ("keygen_seconds", format(keygenSeconds)),
            ("encryptor_setup_seconds", format(setupSeconds)),
            ("encrypt_exponent_bits", "\(encryptor.exponentBits)"),
            ("encrypt_window_bits", "\(encryptor.windowBits)"),
            ("encrypt_per_second", format(encryptRate)),
            ("encrypt_djn_half_exponent_per_second", format(halfRate)),
            ("encryptor_djn_half_exponent_setup_seconds", format(halfSetupSeconds)),
            ("encrypt_textbook_per_second", format(textbookRate)),
            ("decrypt_per_second", format(decryptRate)),
            ("decrypt_constant_time", "true"),
            ("half_decrypt_powm_sec_per_second", format(halfSecureRate)),
            ("half_decrypt_powm_per_second", format(halfVariableRate)),
            ("subgroup_bits", "\(subgroup.alphaP.bitWidth)"),
            ("subgroup_keygen_seconds", format(subgroupKeygenSeconds)),
            ("subgroup_encryptor_setup_seconds", format(subgroupSetupSeconds)),
            ("subgroup_encrypt_per_second", format(subgroupEncryptRate)),
            ("subgroup_decrypt_per_second", format(subgroupDecryptRate)),
            ("subgroup_decrypt_speedup", format(subgroupDecryptRate / decryptRate)),
            ("subgroup_decrypt_foreign_per_second", format(subgroupForeignRate)),
            ("add_per_second", format(addRate)),
            ("values_per_update", "\(values)"),
            ("value_bits", "\(bits)"),
            ("parties", "\(parties)"),
            ("slot_bits", "\(scheme.slotBits)"),
            ("slots_per_ciphertext", "\(scheme.slotsPerPlaintext)"),
            ("ciphertexts_per_update", "\(sum.count)"),
            ("packed_update_encrypt_seconds", format(encryptSeconds.reduce(0, +) / Double(encryptSeconds.count))),
            ("packed_update_encrypt_seconds_max", format(encryptSeconds.max() ?? 0)),
            ("packed_update_quantise_pack_seconds", format(packSeconds.reduce(0, +) / Double(packSeconds.count))),
            ("packed_sum_seconds", format(sumSeconds)),
            ("packed_sum_decrypt_seconds", format(decryptSeconds)),
            ("packed_sum_verified", "true"),
            ("round_parties", "\(roundParties)"),
            ("round_value_bits", "\(roundBits)"),
            ("round_slot_bits", "\(roundScheme.slotBits)"),
            ("round_ciphertexts_per_update", "\(roundSum.count)"),
            ("round_encrypt_seconds_per_party", format(roundEncryptSeconds / Double(roundParties))),
            ("round_check_update_seconds", format(checkSeconds)),
            ("round_sum_seconds", format(roundSumSeconds)),
            ("round_key", "\"subgroup\""),
            ("round_decrypt_seconds", format(roundDecryptSeconds)),
            ("round_decrypt_standard_seconds", format(roundStandardDecryptSeconds)),
            ("round_decrypt_gmp_only_seconds", format(roundDecryptGMPSeconds)),
            ("decrypt_engine", jsonString(engineName)),
            ("round_crypto_seconds", format(roundEncryptSeconds + roundSumSeconds + roundDecryptSeconds)),
            ("round_cpu_seconds", format(roundCPU)),
            ("round_sum_verified", "true"),
        ]
        if json {
            print("{" + report.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        } else {
            for (name, value) in report { print("\(name): \(value)") }
        }
    }

    private func format(_ value: Double) -> String {
        String(format: "%.4g", value)
    }

    /// A JSON string literal (the library path and reason are free text).
    private func jsonString(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
