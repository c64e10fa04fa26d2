/// Why a Paillier key, ciphertext, encoding or packing request was refused.
///
/// Messages name the field that was wrong and say what to do; they never contain key material.
public struct PaillierError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The closed set of failure kinds, so callers and tests can branch on them.
    public enum Code: String, Sendable {
        /// A JWK was not valid JSON or lacked a field (`kty`, `alg`, `n`, `p`, `q`, `pub`).
        case malformedKey
        /// `kty` was not "DAJ" or `alg` was not "PAI-GN1".
        case unsupportedKeyType
        /// The modulus n is even, too small, or otherwise not a Paillier modulus.
        case invalidModulus
        /// The private factors do not match the public modulus (p·q ≠ n, p = q, not prime).
        case invalidFactors
        /// A ciphertext is not in 1 ..< n² or shares a factor with n.
        case invalidCiphertext
        /// An encrypted-number JSON object (`{"v": …, "e": …}`) was malformed.
        case malformedEncryptedNumber
        /// A value is out of the range the encoding or packing can represent.
        case outOfRange
        /// A decrypted value fell in the overflow band between max_int and n − max_int.
        case overflow
        /// A packing scheme cannot be built with the requested sizes.
        case invalidPacking
        /// Two operands belong to different public keys.
        case keyMismatch
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: PaillierError, rhs: PaillierError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }
}
