/// The multibase encodings a CID string may use here, named by their one-character prefix.
///
/// Kubo prints CIDv1 in `base32` and accepts every multibase; MedChain reads the two that CIDs
/// use in practice (`b`/`B` base32 and `z` base58btc) and says so when it meets another.
public enum Multibase: Character, Sendable, CaseIterable {
    /// RFC 4648 base32, lowercase, no padding: the CIDv1 default.
    case base32 = "b"
    /// RFC 4648 base32, uppercase, no padding (case-insensitive contexts such as DNS).
    case base32Upper = "B"
    /// Base58 with the Bitcoin alphabet.
    case base58btc = "z"

    /// Encodes `bytes` with the prefix character in front.
    public func encode(_ bytes: some Collection<UInt8>) -> String {
        switch self {
        case .base32: "b" + Base32.encode(bytes)
        case .base32Upper: "B" + Base32.encode(bytes).uppercased()
        case .base58btc: "z" + Base58.encode(bytes)
        }
    }

    /// Decodes a prefixed multibase string.
    ///
    /// - Throws: `MultibaseError.unsupportedPrefix` for an encoding other than the three
    ///   above, or the decoder's error for a malformed body.
    public static func decode(_ text: String) throws(MultibaseError) -> [UInt8] {
        guard let first = text.first else { throw .empty }
        guard let base = Multibase(rawValue: first) else { throw .unsupportedPrefix(first) }
        let body = text.dropFirst()
        switch base {
        case .base32: return try Base32.decode(body)
        case .base32Upper: return try Base32.decode(body, uppercase: true)
        case .base58btc: return try Base58.decode(body)
        }
    }
}

/// Why a multibase string could not be decoded. Positions count UTF-8 bytes of the body.
public enum MultibaseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The string is empty.
    case empty
    /// The prefix names an encoding MedChain does not read.
    case unsupportedPrefix(Character)
    /// A character outside the encoding's alphabet.
    case invalidCharacter(Character, position: Int, base: String)
    /// A length that no byte string encodes to.
    case invalidLength(Int, base: String)
    /// Bits after the last whole byte are not zero, so the string is not canonical.
    case nonZeroPadding(base: String)

    public var description: String {
        switch self {
        case .empty:
            "empty string"
        case .unsupportedPrefix(let prefix):
            "unsupported multibase prefix '\(prefix)' (use 'b' base32 or 'z' base58btc)"
        case .invalidCharacter(let character, let position, let base):
            "'\(character)' at position \(position) is not a \(base) character"
        case .invalidLength(let length, let base):
            "\(length) characters is not a valid \(base) length"
        case .nonZeroPadding(let base):
            "\(base) string has non-zero bits after its last byte"
        }
    }
}
