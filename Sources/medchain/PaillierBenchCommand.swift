import ArgumentParser
import Dispatch
import Foundation
import Paillier

/// `medchain bench paillier`: Paillier throughput on a fresh key (build with -c release).
///
/// Single-value figures run on one thread. The packed-update figures quantise a vector the
/// size of the reference CNN's parameters, pack it for the given number of parties, and
/// encrypt it on every core; then they sum one encrypted update per party and check that the
/// decrypted sums equal the plaintext sums exactly.
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
        let textbookRate = try rate { _ = try publicKey.encrypt(raw: plaintext) }
        let ciphertext = try encryptor.encrypt(raw: plaintext)
        let other = try encryptor.encrypt(raw: GMPInteger(12345))
        var decrypted = GMPInteger()
        let decryptRate = rate { decrypted = key.decrypt(raw: ciphertext) }
        guard decrypted == plaintext else { throw CommandFailure("decryption check failed") }
        let addRate = rate { _ = publicKey.add(ciphertext, other) }

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

        let report: [(String, String)] = [
            ("key_bits", "\(keysize)"),
            ("cores", "\(ProcessInfo.processInfo.activeProcessorCount)"),
            ("keygen_seconds", format(keygenSeconds)),
            ("encryptor_setup_seconds", format(setupSeconds)),
            ("encrypt_per_second", format(encryptRate)),
            ("encrypt_textbook_per_second", format(textbookRate)),
            ("decrypt_per_second", format(decryptRate)),
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
}
