import Foundation

/// Reads MedChain's canonical binary encoding, rejecting every non-canonical form.
///
/// Rejected: truncated input, lengths beyond the remaining bytes, invalid UTF-8, booleans other
/// than 0/1, NaN/∞/−0 doubles, unsorted or duplicate map keys (checked by callers through
/// `readSortedStrings`), and trailing bytes (`finish()`). A decoder that accepted two encodings
/// of one value would let two different byte strings (two hashes) denote the same transaction.
public struct CanonicalReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int
    /// What is being decoded, for error messages ("transaction", "block header", …).
    public let context: String

    public init(_ data: Data, context: String) {
        self.bytes = [UInt8](data)
        self.offset = 0
        self.context = context
    }

    public init(bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.offset = 0
        self.context = context
    }

    public var remaining: Int { bytes.count - offset }

    /// An error at the current offset, for decoders of other modules too.
    public func fail(_ message: String) -> EncodingError {
        EncodingError(context: context, offset: offset, message: message)
    }

    private mutating func take(_ count: Int, _ what: String) throws(EncodingError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw fail("truncated \(what): needs \(count) bytes, \(remaining) left")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    public mutating func readUInt8(_ what: String = "byte") throws(EncodingError) -> UInt8 {
        try take(1, what).first!
    }

    public mutating func readUInt16(_ what: String = "u16") throws(EncodingError) -> UInt16 {
        let s = try take(2, what)
        return UInt16(s[s.startIndex]) << 8 | UInt16(s[s.startIndex + 1])
    }

    public mutating func readUInt32(_ what: String = "u32") throws(EncodingError) -> UInt32 {
        var value: UInt32 = 0
        for byte in try take(4, what) { value = value << 8 | UInt32(byte) }
        return value
    }

    public mutating func readUInt64(_ what: String = "u64") throws(EncodingError) -> UInt64 {
        var value: UInt64 = 0
        for byte in try take(8, what) { value = value << 8 | UInt64(byte) }
        return value
    }

    public mutating func readInt64(_ what: String = "i64") throws(EncodingError) -> Int64 {
        Int64(bitPattern: try readUInt64(what))
    }

    public mutating func readBool(_ what: String = "bool") throws(EncodingError) -> Bool {
        switch try readUInt8(what) {
        case 0: return false
        case 1: return true
        case let other: throw fail("\(what) must be 0 or 1, found \(other)")
        }
    }

    public mutating func readDouble(_ what: String = "double") throws(EncodingError) -> Double {
        let bits = try readUInt64(what)
        let value = Double(bitPattern: bits)
        guard value.isFinite else { throw fail("\(what) is not finite") }
        guard bits != (0x8000_0000_0000_0000 as UInt64) else { throw fail("\(what) is negative zero") }
        return value
    }

    public mutating func readRaw(count: Int, _ what: String) throws(EncodingError) -> [UInt8] {
        Array(try take(count, what))
    }

    public mutating func readLengthPrefixed(_ what: String, limit: Int = .max) throws(EncodingError) -> [UInt8] {
        let count = Int(try readUInt32("\(what) length"))
        guard count <= limit else { throw fail("\(what) is \(count) bytes, limit \(limit)") }
        return Array(try take(count, what))
    }

    public mutating func readString(_ what: String = "string") throws(EncodingError) -> String {
        let raw = try readLengthPrefixed(what)
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw fail("\(what) is not valid UTF-8")
        }
        return string
    }

    /// Reads an element count and rejects counts that could not possibly fit in the remaining
    /// bytes (each element takes at least `minimumElementSize`), so hostile input cannot make
    /// the decoder reserve huge arrays.
    public mutating func readCount(_ what: String, minimumElementSize: Int = 1) throws(EncodingError) -> Int {
        let count = Int(try readUInt32("\(what) count"))
        guard count * max(minimumElementSize, 1) <= remaining else {
            throw fail("\(what) count \(count) exceeds the remaining \(remaining) bytes")
        }
        return count
    }

    public mutating func read<T: CanonicalDecodable>(_ type: T.Type) throws(EncodingError) -> T {
        try T(from: &self)
    }

    public mutating func readArray<T: CanonicalDecodable>(of type: T.Type, _ what: String) throws(EncodingError) -> [T] {
        let count = try readCount(what)
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try T(from: &self)) }
        return values
    }

    public mutating func readOptional<T: CanonicalDecodable>(_ type: T.Type, _ what: String) throws(EncodingError) -> T? {
        switch try readUInt8("\(what) presence") {
        case 0: return nil
        case 1: return try T(from: &self)
        case let other: throw fail("\(what) presence byte must be 0 or 1, found \(other)")
        }
    }

    public mutating func readStrings(_ what: String) throws(EncodingError) -> [String] {
        let count = try readCount(what, minimumElementSize: 4)
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try readString(what)) }
        return values
    }

    public mutating func readUInt64s(_ what: String) throws(EncodingError) -> [UInt64] {
        let count = try readCount(what, minimumElementSize: 8)
        var values: [UInt64] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try readUInt64(what)) }
        return values
    }

    /// Fails unless every byte was consumed: trailing bytes would be a second encoding.
    public func finish() throws(EncodingError) {
        guard remaining == 0 else { throw fail("\(remaining) trailing bytes") }
    }
}
