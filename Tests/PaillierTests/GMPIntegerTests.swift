import Testing
@testable import Paillier

struct GMPIntegerTests {
    @Test func decimalTextRoundTrips() {
        let text = "-123456789012345678901234567890123456789"
        #expect(GMPInteger(decimal: text)?.description == text)
        #expect(GMPInteger(decimal: "0")?.description == "0")
    }

    @Test(arguments: ["", "-", "12 34", "1_000", "0x10", "+5", "١٢"])
    func decimalParsingRejectsAnythingButDigits(_ text: String) {
        #expect(GMPInteger(decimal: text) == nil)
    }

    @Test func bigEndianBytesRoundTripAndMatchHandValues() {
        #expect(GMPInteger(bigEndian: [0x01, 0x00]) == GMPInteger(256))
        #expect(GMPInteger(65537).bigEndianBytes == [0x01, 0x00, 0x01])
        #expect(GMPInteger(0).bigEndianBytes == [])
        let value = GMPInteger(decimal: "340282366920938463463374607431768211457")!  // 2^128 + 1
        #expect(value.bigEndianBytes == [1] + [UInt8](repeating: 0, count: 15) + [1])
        #expect(GMPInteger(bigEndian: value.bigEndianBytes) == value)
    }

    @Test func littleEndianWordsRoundTrip() {
        let words: [UInt64] = [0xDEAD_BEEF, 0, 0x1234_5678_9ABC_DEF0]
        let value = GMPInteger(littleEndianWords: words)
        #expect(value.littleEndianWords(count: 3) == words)
        #expect(value.littleEndianWords(count: 5) == words + [0, 0])
    }

    @Test func modularArithmeticMatchesHandComputation() {
        // 4^13 mod 497 = 445 (the classic example), 3⁻¹ mod 11 = 4.
        #expect(GMPInteger(4).power(GMPInteger(13), modulo: GMPInteger(497)) == GMPInteger(445))
        #expect(GMPInteger(3).inverse(modulo: GMPInteger(11)) == GMPInteger(4))
        #expect(GMPInteger(6).inverse(modulo: GMPInteger(9)) == nil)
        #expect(GMPInteger(-7).floorDivided(by: GMPInteger(2)) == GMPInteger(-4))
        #expect(GMPInteger(-7).modulo(GMPInteger(3)) == GMPInteger(2))
        #expect(GMPInteger(10).power(20) == GMPInteger(decimal: "100000000000000000000")!)
    }

    @Test func doubleConversionRoundsToNearestEven() {
        // 2^53 + 1 lies halfway between 2^53 and 2^53 + 2: ties go to the even 2^53.
        let tie = GMPInteger(1).shiftedLeft(53) + 1
        #expect(tie.doubleValue == 9_007_199_254_740_992)
        // 2^53 + 3 is halfway between 2^53 + 2 and 2^53 + 4: the even significand is 2^53 + 4.
        #expect((GMPInteger(1).shiftedLeft(53) + 3).doubleValue == 9_007_199_254_740_996)
        // Just above a tie, far below the top 64 bits: the sticky bit must round up.
        let above = GMPInteger(1).shiftedLeft(200) + GMPInteger(1).shiftedLeft(147) + 1
        #expect(above.doubleValue == Double(sign: .plus, exponent: 200, significand: 1 + 0x1p-52))
        #expect(GMPInteger(-3).scaledDouble(binaryExponent: -2) == -0.75)
    }

    @Test func randomValuesStayBelowTheirBound() {
        let bound = GMPInteger(1000)
        for _ in 0..<200 {
            let value = GMPInteger.random(below: bound)
            #expect(value.signum >= 0 && value < bound)
        }
        #expect(GMPInteger.random(bits: 130).bitWidth <= 130)
    }

    @Test func primalityTestSeparatesPrimesFromComposites() {
        #expect(GMPInteger(decimal: "170141183460469231731687303715884105727")!.isProbablePrime())  // 2^127 − 1
        #expect(!GMPInteger(decimal: "170141183460469231731687303715884105729")!.isProbablePrime())
        #expect(!GMPInteger(561).isProbablePrime())  // a Carmichael number
    }
}
