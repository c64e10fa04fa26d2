import Testing
@testable import Paillier

struct PackingSchemeTests {
    @Test(arguments: [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (8, 3), (9, 4), (64, 6), (65, 7), (1000, 10)])
    func paddingIsTheSmallestThatHoldsTheSumOfAllParties(parties: Int, padding: Int) throws {
        let scheme = try PackingScheme(valueBits: 16, parties: parties, modulusBits: 2048)
        #expect(scheme.paddingBits == padding)
        // The bound is tight: K·(2^b − 1) fits in b + t bits but not in b + t − 1.
        let maxSum = UInt64(parties) * scheme.maxValue
        #expect(maxSum < UInt64(1) << UInt64(scheme.slotBits))
        if padding > 0 { #expect(maxSum >= UInt64(1) << UInt64(scheme.slotBits - 1)) }
    }

    @Test func slotsFillThePlaintextBelowN() throws {
        let scheme = try PackingScheme(valueBits: 16, parties: 8, modulusBits: 2048)
        #expect(scheme.slotBits == 19)
        #expect(scheme.slotsPerPlaintext == 107)  // ⌊2047 / 19⌋
        #expect(scheme.plaintextCount(forValues: 205_890) == 1925)
    }

    @Test func impossibleSchemesAreRefused() {
        #expect(throws: PaillierError.self) { try PackingScheme(valueBits: 0, parties: 2, modulusBits: 2048) }
        #expect(throws: PaillierError.self) { try PackingScheme(valueBits: 62, parties: 5, modulusBits: 2048) }
        #expect(throws: PaillierError.self) { try PackingScheme(valueBits: 16, parties: 0, modulusBits: 2048) }
        #expect(throws: PaillierError.self) { try PackingScheme(valueBits: 40, parties: 2, modulusBits: 40) }
        let scheme = try? PackingScheme(valueBits: 16, parties: 2, modulusBits: 2048)
        #expect(throws: PaillierError.self) { try scheme?.pack([70_000]) }
    }

    /// The construction proof, checked exhaustively at the limit: K parties all sending the
    /// maximum value in every slot sum without carry, for every K in 2…64 and several widths.
    @Test(arguments: [1, 7, 16, 31, 32, 48])
    func plaintextSumsOfKPartiesAtMaximumNeverCarry(valueBits: Int) throws {
        for parties in 2...64 {
            let scheme = try PackingScheme(valueBits: valueBits, parties: parties, modulusBits: 2048)
            let count = scheme.slotsPerPlaintext * 2 + 1
            let top = try scheme.pack([UInt64](repeating: scheme.maxValue, count: count))
            var sums = top
            for _ in 1..<parties { sums = zip(sums, top).map { $0 + $1 } }
            #expect(sums.allSatisfy { $0.bitWidth < 2048 })
            let unpacked = try scheme.unpack(sums, count: count)
            #expect(unpacked == [UInt64](repeating: scheme.maxValue * UInt64(parties), count: count))
        }
    }

    /// Adding one party more than the scheme was built for does carry: the padding is not
    /// wasted, it is exactly what K parties need.
    @Test func onePartyTooManyCorruptsTheNeighbouringSlot() throws {
        let scheme = try PackingScheme(valueBits: 16, parties: 4, modulusBits: 2048)
        let top = try scheme.pack([UInt64](repeating: scheme.maxValue, count: 3))
        let sum = (0..<5).reduce(GMPInteger(0)) { acc, _ in acc + top[0] }
        let unpacked = try scheme.unpack([sum], count: 3)
        #expect(unpacked != [UInt64](repeating: scheme.maxValue * 5, count: 3))
    }

    /// Encrypted: K = 2…64 parties, every slot of the first plaintext at its maximum and the
    /// rest random; the decrypted packed sum equals the plaintext integer sums bit for bit.
    @Test func encryptedPackedSumsEqualPlaintextSumsForTwoToSixtyFourParties() throws {
        let key = TestKeys.k1024
        let encryptor = TestKeys.encryptor1024
        var rng = SystemRandomNumberGenerator()
        for parties in 2...64 {
            let scheme = try PackingScheme(valueBits: 16, parties: parties, publicKey: key.publicKey)
            let count = scheme.slotsPerPlaintext + 5
            var expected = [UInt64](repeating: 0, count: count)
            var encrypted: [[PaillierCiphertext]] = []
            for _ in 0..<parties {
                let values = (0..<count).map { $0 < scheme.slotsPerPlaintext ? scheme.maxValue : UInt64.random(in: 0...scheme.maxValue, using: &rng) }
                for i in 0..<count { expected[i] += values[i] }
                encrypted.append(try encryptor.encrypt(packing: values, scheme: scheme))
            }
            let sum = key.publicKey.sum(encrypted)
            #expect(try key.decrypt(packed: sum, scheme: scheme, count: count) == expected, "K = \(parties)")
        }
    }

    /// The federation's layout (sample-weighted 16-bit values: 24-bit slots, K parties) under
    /// the default short-exponent encryptor: slots at the maximum, at zero and alternating
    /// between the two, summed over K parties, decrypt to the exact integer sums, including
    /// slots that straddle 64-bit words and the last, partly filled plaintext.
    @Test(arguments: [2, 3, 4, 8, 16])
    func fastEncryptedSumsAreExactAtTheSlotLimits(parties: Int) throws {
        let key = TestKeys.k1024
        let encryptor = TestKeys.encryptor1024
        let scheme = try PackingScheme(valueBits: 24, parties: parties, publicKey: key.publicKey)
        #expect(scheme.paddingBits == Int.bitWidth - (parties - 1).leadingZeroBitCount)  // ⌈log₂ K⌉
        let count = 3 * scheme.slotsPerPlaintext + 2
        let top = scheme.maxValue
        let patterns: [[UInt64]] = [
            [UInt64](repeating: top, count: count),
            [UInt64](repeating: 0, count: count),
            (0..<count).map { $0 % 2 == 0 ? top : 0 },
            (0..<count).map { $0 % 3 == 0 ? 0 : top - UInt64($0 % 2) },
        ]
        for (p, pattern) in patterns.enumerated() {
            // Party k sends the pattern, except the last one, which sends its complement
            // (top − v), so mixed sums are tested too.
            let vectors = (0..<parties).map { k in k == parties - 1 && p > 1 ? pattern.map { top - $0 } : pattern }
            let expected = (0..<count).map { i in vectors.reduce(UInt64(0)) { $0 + $1[i] } }
            let sum = key.publicKey.sum(try vectors.map { try encryptor.encrypt(packing: $0, scheme: scheme) })
            #expect(try key.decrypt(packed: sum, scheme: scheme, count: count) == expected, "K = \(parties), pattern \(p)")
        }
    }

    @Test func unpackingRejectsPlaintextsWiderThanTheSlots() throws {
        let scheme = try PackingScheme(valueBits: 16, parties: 2, modulusBits: 1024)
        let tooWide = GMPInteger(1).shiftedLeft(scheme.slotsPerPlaintext * scheme.slotBits)
        #expect(throws: PaillierError.self) { try scheme.unpack([tooWide], count: 3) }
        #expect(throws: PaillierError.self) { try scheme.unpack([], count: 3) }
    }

    @Test func quantisedUpdatesSumBackToTheFloatSums() throws {
        let quantizer = try FixedPointQuantizer(bits: 16, range: 1.0)
        let scheme = try PackingScheme(valueBits: 16, parties: 3, modulusBits: 1024)
        let updates: [[Float]] = [[0.5, -1.0, 0.25, 2.0], [0.1, 1.0, -0.75, -3.0], [-0.6, 0.0, 0.5, 0.0]]
        let packed = try updates.map { try scheme.pack(quantizer.quantize($0)) }
        let sum = packed.dropFirst().reduce(packed[0]) { zip($0, $1).map { $0 + $1 } }
        let sums = quantizer.dequantizeSums(try scheme.unpack(sum, count: 4), parties: 3)
        // Clamped to ±1: column sums 0.0, 0.0, 0.0, 0.0 with ≤ 3 half-steps of error each.
        let exact: [Float] = [0.0, 0.0, 0.0, 0.0]
        for (a, b) in zip(sums, exact) { #expect(abs(a - b) <= Float(3 * quantizer.step / 2) + 1e-6) }
        #expect(quantizer.quantize(-1.0) == 0 && quantizer.quantize(1.0) == 65_535)
        #expect(quantizer.quantize(0) == 32_768)
    }
}
