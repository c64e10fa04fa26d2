/// Unsigned varints as the multiformats specification defines them (LEB128, little-endian
/// groups of seven bits, the high bit set on every byte but the last).
///
/// The multiformats rules are stricter than protobuf's: a varint is at most nine bytes (so the
/// largest value is 2⁶³ − 1) and must be minimal (no trailing `0x80 … 0x00` padding). Decoding
/// enforces both, so every value has exactly one encoding and CIDs compare byte for byte.
public enum Varint {
    /// The longest varint the multiformats specification allows.
    public static let maximumLength = 9

    /// Appends the varint encoding of `value` to `bytes`.
    ///
    /// Values of 2⁶³ and above take ten bytes, which `decode` rejects as the specification
    /// requires; no multiformats code or length comes near them.
    public static func encode(_ value: UInt64, into bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// The varint encoding of `value`.
    public static func encode(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(value, into: &bytes)
        return bytes
    }

    /// The number of bytes `encode(value)` produces.
    public static func encodedLength(_ value: UInt64) -> Int {
        var length = 1
        var v = value >> 7
        while v != 0 {
            length += 1
            v >>= 7
        }
        return length
    }

    /// Decodes the varint that starts at `offset` in `bytes` and advances `offset` past it.
    ///
    /// - Throws: `VarintError` when the input ends inside the varint, when it is longer than
    ///   nine bytes, or when it is not minimal.
    public static func decode(
        _ bytes: some RandomAccessCollection<UInt8>, at offset: inout Int
    ) throws(VarintError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var index = bytes.index(bytes.startIndex, offsetBy: offset)
        for position in 0..<maximumLength {
            guard index != bytes.endIndex else { throw .truncated(offset: offset) }
            let byte = bytes[index]
            index = bytes.index(after: index)
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && position > 0 { throw .notMinimal(offset: offset) }
                offset += position + 1
                return value
            }
            shift += 7
        }
        throw .tooLong(offset: offset)
    }
}

/// Why a varint could not be decoded; the offset is where the varint starts.
public enum VarintError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before a byte without the continuation bit.
    case truncated(offset: Int)
    /// More than nine bytes, which the multiformats specification forbids (values ≥ 2⁶³).
    case tooLong(offset: Int)
    /// A padded encoding such as `0x80 0x00`; the specification requires the shortest form.
    case notMinimal(offset: Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "varint at byte \(offset) is cut off (input ended)"
        case .tooLong(let offset): "varint at byte \(offset) is longer than 9 bytes"
        case .notMinimal(let offset): "varint at byte \(offset) is not in its shortest form"
        }
    }
}
