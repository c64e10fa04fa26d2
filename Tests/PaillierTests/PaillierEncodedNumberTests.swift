import Testing
@testable import Paillier

struct PaillierEncodedNumberTests {
    let key = TestKeys.k512
    var publicKey: PaillierPublicKey { key.publicKey }

    /// Exponents and mantissas printed by python-paillier 1.5.0 for the same inputs:
    /// `EncodedNumber.encode(pub, v, precision=p)`, mantissa = encoding or encoding − n.
    @Test(arguments: [
        (0.5, nil, -14, "36028797018963968"),
        (5.0, nil, -13, "22517998136852480"),
        (2.0, nil, -13, "9007199254740992"),
        (0.0, nil, -14, "0"),
        (1e20, nil, 3, "24414062500000000"),
        (-1e-30, nil, -38, "-5708990770823840"),
        (1.0 / 3.0, 1e-3, -3, "1365"),
        (2.5, 1.0, 0, "2"),
        (3.5, 1.0, 0, "4"),
        (-2.5, 1.0, 0, "-2"),
        (5e-324, nil, -282, "18014398509481984"),
    ] as [(Double, Double?, Int, String)])
    func floatsGetPythonPailliersExponentAndMantissa(value: Double, precision: Double?, exponent: Int, mantissa: String) throws {
        let encoded = try PaillierEncodedNumber.encode(value, publicKey: publicKey, precision: precision)
        #expect(encoded.exponent == exponent)
        #expect(try encoded.mantissa(publicKey: publicKey) == GMPInteger(decimal: mantissa)!)
    }

    @Test func negativesAreStoredAsNMinusMagnitude() throws {
        let encoded = try PaillierEncodedNumber.encode(-7, publicKey: publicKey)
        #expect(encoded.encoding == publicKey.n - 7)
        #expect(encoded.exponent == 0)
    }

    @Test func integersRoundTripThroughEncryptionAtTheLimits() throws {
        let maxInt = publicKey.maxInt
        for value in [GMPInteger(0), GMPInteger(1), GMPInteger(-1), GMPInteger(-123456789), maxInt, -maxInt] {
            let encrypted = try publicKey.encrypt(PaillierEncodedNumber.encode(value, publicKey: publicKey))
            #expect(try key.decrypt(encrypted) == .integer(value))
        }
    }

    @Test func magnitudesAboveMaxIntAreRefused() {
        #expect(throws: PaillierError.self) {
            try PaillierEncodedNumber.encode(publicKey.maxInt + 1, publicKey: publicKey)
        }
        #expect(throws: PaillierError.self) {
            try PaillierEncodedNumber.encode(-(publicKey.maxInt + 1), publicKey: publicKey)
        }
        #expect(throws: PaillierError.self) {
            try PaillierEncodedNumber.encode(Double.infinity, publicKey: publicKey)
        }
    }

    @Test func decodingDetectsOverflowIntoTheReservedBand() {
        let middle = PaillierEncodedNumber(encoding: publicKey.n.floorDivided(by: GMPInteger(2)), exponent: 0)
        #expect(throws: PaillierError.self) { try middle.decode(publicKey: publicKey) }
        let sum = PaillierEncodedNumber(encoding: publicKey.maxInt + publicKey.maxInt, exponent: 0)
        do {
            _ = try sum.decode(publicKey: publicKey)
            Issue.record("2·max_int decoded without an overflow error")
        } catch {
            #expect(error.code == .overflow)
        }
    }

    @Test func floatsRoundTripExactly() throws {
        for value in [0.1, -0.1, 3.141592653589793, -2.5e-7, 123456.789, 1e20, -1e-30, 1.0 / 3.0, -0.0] {
            let encrypted = try publicKey.encrypt(value)
            #expect(try key.decrypt(encrypted).doubleValue == value)
        }
    }

    @Test func encryptedFloatArithmeticMatchesPlainArithmetic() throws {
        let a = try publicKey.encrypt(1.5)
        let b = try publicKey.encrypt(-0.25)
        #expect(try key.decrypt(publicKey.add(a, b)) == .float(1.25))
        #expect(try key.decrypt(publicKey.add(a, scalar: 2.0)) == .float(3.5))
        #expect(try key.decrypt(publicKey.multiply(a, by: -3.0)) == .float(-4.5))
        #expect(try key.decrypt(publicKey.multiply(b, by: 0.5)) == .float(-0.125))
        let lowered = try publicKey.decreasingExponent(of: a, to: -32)
        #expect(lowered.exponent == -32)
        #expect(try key.decrypt(lowered) == .float(1.5))
        #expect(throws: PaillierError.self) { try publicKey.decreasingExponent(of: lowered, to: -31) }
    }

    @Test(arguments: [
        (5.0, "5.0"), (-1.8584073464102069, "-1.8584073464102069"), (1e20, "1e+20"),
        (1e16, "1e+16"), (1234567890123456.0, "1234567890123456.0"), (1e-5, "1e-05"),
        (0.0001, "0.0001"), (-2.5e-7, "-2.5e-07"), (123456789012345678.0, "1.2345678901234568e+17"),
        (0.0, "0.0"), (-0.0, "-0.0"), (-308641.97250000003, "-308641.97250000003"),
    ] as [(Double, String)])
    func floatsPrintAsPythonsRepr(value: Double, text: String) {
        #expect(PythonFloat.repr(value) == text)
    }
}
