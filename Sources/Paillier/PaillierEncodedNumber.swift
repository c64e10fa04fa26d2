import Foundation

/// A signed integer or float encoded as a Paillier plaintext, exactly as python-paillier's
/// `EncodedNumber` does.
///
/// The value is `mantissa × 16^exponent`. The mantissa is stored modulo n: non-negative values
/// as themselves (≤ max_int), negative ones as n − |mantissa| (≥ n − max_int). The band in
/// between is never produced by encoding, so a decrypted value landing there reveals an
/// overflow. Homomorphic sums and scalar products keep this representation.
public struct PaillierEncodedNumber: Sendable, Hashable {
    /// Base of the exponent; python-paillier's `EncodedNumber.BASE`.
    public static let base = 16
    /// log₂(base), so that exponents translate to binary shifts.
    static let log2Base = 4
    /// Python floats carry 53 significand bits (`sys.float_info.mant_dig`).
    static let floatMantissaBits = 53

    /// The plaintext in `0 ..< n`.
    public let encoding: GMPInteger
    /// The base-16 exponent.
    public let exponent: Int

    public init(encoding: GMPInteger, exponent: Int) {
        self.encoding = encoding
        self.exponent = exponent
    }

    /// The value a decoded number had.
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        /// Exponent ≥ 0: an exact integer.
        case integer(GMPInteger)
        /// Exponent < 0: the correctly rounded quotient mantissa / 16^−exponent.
        case float(Double)

        public var doubleValue: Double {
            switch self {
            case .integer(let value): value.doubleValue
            case .float(let value): value
            }
        }

        /// What Python's `print` shows for the value (`5`, `5.0`, `-0.25`, `1e-05`).
        public var description: String {
            switch self {
            case .integer(let value): value.description
            case .float(let value): PythonFloat.repr(value)
            }
        }
    }

    // MARK: Encoding

    /// Encodes an integer with exponent 0 (or lower, when `maxExponent` asks for it).
    /// - Throws: ``PaillierError/Code/outOfRange`` when |value| > max_int.
    public static func encode(_ value: GMPInteger, publicKey: PaillierPublicKey,
                              maxExponent: Int? = nil) throws(PaillierError) -> PaillierEncodedNumber {
        let exponent = min(maxExponent ?? 0, 0)
        let scaled = value.shiftedLeft(-exponent * log2Base)
        return try wrap(scaled, exponent: exponent, publicKey: publicKey)
    }

    public static func encode(_ value: Int, publicKey: PaillierPublicKey,
                              maxExponent: Int? = nil) throws(PaillierError) -> PaillierEncodedNumber {
        try encode(GMPInteger(value), publicKey: publicKey, maxExponent: maxExponent)
    }

    /// Encodes a float the way python-paillier does.
    ///
    /// Without `precision`, the exponent is the largest one that represents the float exactly:
    /// ⌊(e₂ − 53) / 4⌋, where e₂ is the binary exponent from `frexp`. With `precision`, it is
    /// ⌊log₁₆ precision⌋. `maxExponent` lowers it further (used to align with a ciphertext).
    /// The mantissa is `round(value × 16^−exponent)` with ties to even, computed exactly.
    /// - Throws: ``PaillierError/Code/outOfRange`` for NaN, infinities and |mantissa| > max_int.
    public static func encode(_ value: Double, publicKey: PaillierPublicKey, precision: Double? = nil,
                              maxExponent: Int? = nil) throws(PaillierError) -> PaillierEncodedNumber {
        guard value.isFinite else {
            throw PaillierError(.outOfRange, "cannot encode \(value): only finite numbers can be encrypted")
        }
        var exponent: Int
        if let precision {
            guard precision > 0, precision.isFinite else {
                throw PaillierError(.outOfRange, "precision must be a positive finite number; got \(precision)")
            }
            exponent = Int((Foundation.log(precision) / Foundation.log(Double(base))).rounded(.down))
        } else {
            // frexp(0.0) is (0.0, 0) in Python; Swift's exponent of 0 is Int.min, so special-case.
            let binaryExponent = value == 0 ? 0 : Int(value.exponent) + 1
            exponent = floorDivide(binaryExponent - floatMantissaBits, log2Base)
        }
        if let maxExponent { exponent = min(exponent, maxExponent) }

        // value = significand × 2^e exactly, with an integer significand of ≤ 53 bits.
        let (significand, binary) = exactBinary(value)
        let shift = binary - exponent * log2Base  // value × 16^−exponent = significand × 2^shift
        let mantissa = shift >= 0 ? significand.shiftedLeft(shift) : roundHalfEven(significand, dividedByTwoToThe: -shift)
        return try wrap(mantissa, exponent: exponent, publicKey: publicKey)
    }

    /// Checks |mantissa| ≤ max_int and stores negatives as n − |mantissa|.
    private static func wrap(_ mantissa: GMPInteger, exponent: Int,
                             publicKey: PaillierPublicKey) throws(PaillierError) -> PaillierEncodedNumber {
        let magnitude = mantissa.signum < 0 ? -mantissa : mantissa
        guard magnitude <= publicKey.maxInt else {
            throw PaillierError(.outOfRange, "value needs a mantissa of \(magnitude.bitWidth) bits but the key allows at most \(publicKey.maxInt.bitWidth) (|m| ≤ n // 3 − 1); use a larger key or a coarser precision")
        }
        return PaillierEncodedNumber(encoding: mantissa.modulo(publicKey.n), exponent: exponent)
    }

    // MARK: Decoding

    /// The signed mantissa, or an error when the encoding is corrupt or overflowed.
    public func mantissa(publicKey: PaillierPublicKey) throws(PaillierError) -> GMPInteger {
        guard encoding.signum >= 0, encoding < publicKey.n else {
            throw PaillierError(.outOfRange, "encoded number is not in 0 ..< n; it was decoded with the wrong key or is corrupted")
        }
        if encoding <= publicKey.maxInt { return encoding }
        if encoding >= publicKey.n - publicKey.maxInt { return encoding - publicKey.n }
        throw PaillierError(.overflow, "decrypted value lies between max_int and n − max_int: the computation overflowed (results must stay within ±n/3)")
    }

    /// The number this encoding stands for, as python-paillier's `decode` returns it.
    public func decode(publicKey: PaillierPublicKey) throws(PaillierError) -> Value {
        let m = try mantissa(publicKey: publicKey)
        if exponent >= 0 {
            return .integer(m.shiftedLeft(exponent * Self.log2Base))
        }
        let result = m.scaledDouble(binaryExponent: exponent * Self.log2Base)
        guard result.isFinite else {
            throw PaillierError(.overflow, "decoded result too large for a float")
        }
        return .float(result)
    }

    /// The same value with a lower exponent: the mantissa is multiplied by 16^(old − new).
    public func decreasingExponent(to newExponent: Int, publicKey: PaillierPublicKey) throws(PaillierError) -> PaillierEncodedNumber {
        guard newExponent <= exponent else {
            throw PaillierError(.outOfRange, "new exponent \(newExponent) must not exceed the current exponent \(exponent)")
        }
        let factor = GMPInteger(1).shiftedLeft((exponent - newExponent) * Self.log2Base)
        return PaillierEncodedNumber(encoding: (encoding * factor).modulo(publicKey.n), exponent: newExponent)
    }

    // MARK: Helpers

    static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// value = significand × 2^exponent with an integer (signed) significand.
    static func exactBinary(_ value: Double) -> (GMPInteger, Int) {
        if value == 0 { return (GMPInteger(), 0) }
        let bits = value.significandBitPattern | (value.isNormal ? (1 << 52) : 0)
        let exponent = value.isNormal ? Int(value.exponent) - 52 : -1074
        let magnitude = GMPInteger(UInt64(bits))
        return (value < 0 ? -magnitude : magnitude, exponent)
    }

    /// round(x / 2^k) with ties to even (Python's `round` of a Fraction).
    static func roundHalfEven(_ x: GMPInteger, dividedByTwoToThe k: Int) -> GMPInteger {
        let floor = x.shiftedRight(k)
        let remainder = x - floor.shiftedLeft(k)  // 0 ≤ remainder < 2^k
        let half = GMPInteger(1).shiftedLeft(k - 1)
        if remainder > half || (remainder == half && floor.isOdd) { return floor + 1 }
        return floor
    }
}
