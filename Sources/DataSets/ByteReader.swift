/// Bounds-checked little-endian reads from an in-memory file.
///
/// Every read names what it was reading, so a truncated or corrupt file yields an error that
/// says which structure ran past the end instead of a crash.
struct ByteReader: Sendable {
    let bytes: [UInt8]
    /// The file name used in error messages.
    let file: String

    var count: Int { bytes.count }

    /// Fails unless `length` bytes starting at `offset` lie inside the file.
    func require(_ offset: Int, _ length: Int, for what: String) throws {
        guard offset >= 0, length >= 0, offset <= bytes.count, length <= bytes.count - offset else {
            throw DataSetError(
                .corruptArchive, file: file,
                "truncated or corrupt: the \(what) (\(length) bytes at offset \(offset)) runs past "
                    + "the end of the file (\(bytes.count) bytes); re-download or re-export it")
        }
    }

    func uint16(at offset: Int, for what: String) throws -> UInt16 {
        try require(offset, 2, for: what)
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func uint32(at offset: Int, for what: String) throws -> UInt32 {
        try require(offset, 4, for: what)
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[offset + i]) << (8 * i) }
        return value
    }

    func uint64(at offset: Int, for what: String) throws -> UInt64 {
        try require(offset, 8, for: what)
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * i) }
        return value
    }

    func slice(at offset: Int, count length: Int, for what: String) throws -> ArraySlice<UInt8> {
        try require(offset, length, for: what)
        return bytes[offset..<(offset + length)]
    }

    /// Converts a 64-bit size or offset read from the file, rejecting values no array can hold.
    func int(_ value: UInt64, for what: String) throws -> Int {
        guard value <= UInt64(Int.max / 2) else {
            throw DataSetError(.corruptArchive, file: file, "corrupt: the \(what) (\(value)) is impossibly large")
        }
        return Int(value)
    }
}
