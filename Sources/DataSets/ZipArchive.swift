import Foundation

/// A read-only ZIP archive held in memory, as NumPy writes `.npz` files.
///
/// The reader follows PKWARE's APPNOTE: it finds the end-of-central-directory record (and the
/// ZIP64 records when present), trusts the central directory for sizes and CRCs, and uses each
/// local header only to find where the member's data starts. Members may be stored (method 0)
/// or deflated (method 8); every extracted member is checked against its CRC-32.
///
/// ```swift
/// let archive = try ZipArchive(contentsOf: "Data/pneumoniamnist-balanced.npz")
/// let bytes = try archive.contents(of: "train_images.npy")
/// ```
public struct ZipArchive: Sendable {
    /// One member as the central directory describes it.
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// 0 = stored, 8 = deflate.
        public var method: UInt16
        public var flags: UInt16
        public var crc32: UInt32
        public var compressedSize: Int
        public var uncompressedSize: Int
        /// Where the member's local header starts.
        public var localHeaderOffset: Int
    }

    /// The file name used in error messages.
    public let name: String
    /// The members in central-directory order.
    public let entries: [Entry]
    private let reader: ByteReader

    /// Reads and indexes the archive at `path`.
    public init(contentsOf path: String) throws(DataSetError) {
        try self.init(bytes: readWholeFile(path), name: path)
    }

    /// Indexes an archive already in memory; `name` labels errors.
    public init(bytes: [UInt8], name: String) throws(DataSetError) {
        self.name = name
        let reader = ByteReader(bytes: bytes, file: name)
        self.reader = reader
        do {
            let directory = try Self.findCentralDirectory(reader)
            entries = try Self.readEntries(reader, directory)
        } catch let error as DataSetError {
            throw error
        } catch {
            throw DataSetError(.corruptArchive, file: name, "\(error)")
        }
    }

    /// The member called `name`, if any.
    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The decompressed, CRC-checked bytes of the member called `memberName`.
    public func contents(of memberName: String) throws(DataSetError) -> [UInt8] {
        guard let entry = entry(named: memberName) else {
            throw DataSetError(
                .missingMember, file: name,
                "no member '\(memberName)' in the archive (members: \(entries.map(\.name).joined(separator: ", ")))")
        }
        return try contents(of: entry)
    }

    /// The decompressed, CRC-checked bytes of `entry`.
    public func contents(of entry: Entry) throws(DataSetError) -> [UInt8] {
        let data: [UInt8]
        do {
            data = try extract(entry)
        } catch let error as DataSetError {
            throw error
        } catch {
            throw DataSetError(.corruptArchive, file: name, "\(error)")
        }
        let actual = Zlib.crc32(data[...])
        guard actual == entry.crc32 else {
            throw DataSetError(
                .corruptArchive, file: name,
                "member '\(entry.name)' is corrupt: CRC-32 is \(hex(actual)) but the archive records \(hex(entry.crc32))")
        }
        return data
    }

    private func extract(_ entry: Entry) throws -> [UInt8] {
        let member = "member '\(entry.name)'"
        if entry.flags & 1 != 0 {
            throw DataSetError(.unsupportedArchive, file: name, "\(member) is encrypted; decrypt the archive first")
        }
        let offset = entry.localHeaderOffset
        guard try reader.uint32(at: offset, for: "local header of \(member)") == Signature.localHeader else {
            throw DataSetError(.corruptArchive, file: name, "corrupt: no local header where the central directory puts \(member) (offset \(offset))")
        }
        let nameLength = Int(try reader.uint16(at: offset + 26, for: "local header of \(member)"))
        let extraLength = Int(try reader.uint16(at: offset + 28, for: "local header of \(member)"))
        let dataStart = offset + 30 + nameLength + extraLength
        let compressed = try reader.slice(at: dataStart, count: entry.compressedSize, for: "data of \(member)")

        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw DataSetError(.corruptArchive, file: name, "corrupt: stored \(member) has different compressed and uncompressed sizes")
            }
            return Array(compressed)
        case 8:
            // Deflate cannot expand data by more than about 1032:1; a larger declared size is
            // corruption (or a decompression bomb), and allocating it could exhaust memory.
            guard entry.uncompressedSize / 1032 <= entry.compressedSize + 1 else {
                throw DataSetError(
                    .corruptArchive, file: name,
                    "corrupt: \(member) claims \(entry.uncompressedSize) bytes from only \(entry.compressedSize) compressed bytes")
            }
            do {
                return try Zlib.inflateRaw(compressed, expectedSize: entry.uncompressedSize)
            } catch {
                throw DataSetError(.corruptArchive, file: name, "\(member): \(error.reason)")
            }
        default:
            throw DataSetError(
                .unsupportedArchive, file: name,
                "\(member) uses compression method \(entry.method); only stored (0) and deflate (8) are supported")
        }
    }

    // MARK: Directory

    private enum Signature {
        static let localHeader: UInt32 = 0x0403_4B50
        static let centralHeader: UInt32 = 0x0201_4B50
        static let endOfCentralDirectory: UInt32 = 0x0605_4B50
        static let zip64EndOfCentralDirectory: UInt32 = 0x0606_4B50
        static let zip64Locator: UInt32 = 0x0706_4B50
    }

    private struct Directory {
        var entryCount: Int
        var offset: Int
        var size: Int
        /// Where the records that follow the central directory start.
        var end: Int
    }

    private static func findCentralDirectory(_ reader: ByteReader) throws -> Directory {
        let file = reader.file
        // The record is 22 bytes plus a comment of at most 65,535 bytes, so it starts in the
        // last 65,557 bytes; scan backwards for its signature.
        var eocd: Int?
        var position = reader.count - 22
        let lowest = max(0, reader.count - 22 - 0xFFFF)
        while position >= lowest {
            if try reader.uint32(at: position, for: "end record") == Signature.endOfCentralDirectory {
                let commentLength = Int(try reader.uint16(at: position + 20, for: "end record"))
                if position + 22 + commentLength <= reader.count { eocd = position; break }
            }
            position -= 1
        }
        guard let eocd else {
            throw DataSetError(
                .corruptArchive, file: file,
                reader.count >= 4 && reader.bytes[0..<4] == [0x50, 0x4B, 0x03, 0x04]
                    ? "truncated ZIP archive: its end-of-central-directory record is missing (the file was cut short; re-download or re-export it)"
                    : "not a ZIP/.npz archive (no end-of-central-directory record)")
        }

        let diskNumber = try reader.uint16(at: eocd + 4, for: "end record")
        let directoryDisk = try reader.uint16(at: eocd + 6, for: "end record")
        var entryCount = UInt64(try reader.uint16(at: eocd + 10, for: "end record"))
        var size = UInt64(try reader.uint32(at: eocd + 12, for: "end record"))
        var offset = UInt64(try reader.uint32(at: eocd + 16, for: "end record"))
        var end = eocd

        // ZIP64: a locator sits right before the classic record and points at a larger record.
        let locator = eocd - 20
        if locator >= 0, try reader.uint32(at: locator, for: "ZIP64 locator") == Signature.zip64Locator {
            let recordOffset = try reader.int(try reader.uint64(at: locator + 8, for: "ZIP64 locator"), for: "ZIP64 end record offset")
            guard try reader.uint32(at: recordOffset, for: "ZIP64 end record") == Signature.zip64EndOfCentralDirectory else {
                throw DataSetError(.corruptArchive, file: file, "corrupt: the ZIP64 locator points at offset \(recordOffset), where there is no ZIP64 end record")
            }
            guard try reader.uint32(at: recordOffset + 16, for: "ZIP64 end record") == 0,
                  try reader.uint32(at: recordOffset + 20, for: "ZIP64 end record") == 0 else {
                throw DataSetError(.unsupportedArchive, file: file, "multi-disk (spanned) archives are not supported")
            }
            entryCount = try reader.uint64(at: recordOffset + 32, for: "ZIP64 end record")
            size = try reader.uint64(at: recordOffset + 40, for: "ZIP64 end record")
            offset = try reader.uint64(at: recordOffset + 48, for: "ZIP64 end record")
            end = recordOffset
        } else if diskNumber != 0 || directoryDisk != 0 {
            throw DataSetError(.unsupportedArchive, file: file, "multi-disk (spanned) archives are not supported")
        }

        let directory = Directory(
            entryCount: try reader.int(entryCount, for: "member count"),
            offset: try reader.int(offset, for: "central directory offset"),
            size: try reader.int(size, for: "central directory size"),
            end: end)
        guard directory.offset + directory.size <= directory.end else {
            throw DataSetError(
                .corruptArchive, file: file,
                "truncated or corrupt: the central directory (offset \(directory.offset), \(directory.size) bytes) overlaps the end record at \(directory.end)")
        }
        return directory
    }

    private static func readEntries(_ reader: ByteReader, _ directory: Directory) throws -> [Entry] {
        let file = reader.file
        var entries: [Entry] = []
        entries.reserveCapacity(min(directory.entryCount, 1 << 16))
        var position = directory.offset
        for index in 0..<directory.entryCount {
            let what = "central directory entry \(index)"
            guard position + 46 <= directory.offset + directory.size,
                  try reader.uint32(at: position, for: what) == Signature.centralHeader else {
                throw DataSetError(
                    .corruptArchive, file: file,
                    "corrupt: the central directory ends after \(index) of the \(directory.entryCount) members it declares")
            }
            let flags = try reader.uint16(at: position + 8, for: what)
            let method = try reader.uint16(at: position + 10, for: what)
            let crc = try reader.uint32(at: position + 16, for: what)
            var compressed = UInt64(try reader.uint32(at: position + 20, for: what))
            var uncompressed = UInt64(try reader.uint32(at: position + 24, for: what))
            let nameLength = Int(try reader.uint16(at: position + 28, for: what))
            let extraLength = Int(try reader.uint16(at: position + 30, for: what))
            let commentLength = Int(try reader.uint16(at: position + 32, for: what))
            let startDisk = try reader.uint16(at: position + 34, for: what)
            var localOffset = UInt64(try reader.uint32(at: position + 42, for: what))
            let nameBytes = try reader.slice(at: position + 46, count: nameLength, for: "name of \(what)")
            let name = String(decoding: nameBytes, as: UTF8.self)
            let extra = try reader.slice(at: position + 46 + nameLength, count: extraLength, for: "extra field of \(what)")

            // ZIP64 extended information (header ID 1) holds, in this order, only the fields whose
            // classic value is saturated at 0xFFFFFFFF (0xFFFF for the disk number).
            let needsUncompressed = uncompressed == 0xFFFF_FFFF
            let needsCompressed = compressed == 0xFFFF_FFFF
            let needsOffset = localOffset == 0xFFFF_FFFF
            if needsUncompressed || needsCompressed || needsOffset {
                guard let zip64 = try zip64Field(in: extra, reader: reader) else {
                    throw DataSetError(.corruptArchive, file: file, "corrupt: member '\(name)' has saturated sizes but no ZIP64 extra field")
                }
                var cursor = zip64.startIndex
                func next(_ field: String) throws -> UInt64 {
                    guard cursor + 8 <= zip64.endIndex else {
                        throw DataSetError(.corruptArchive, file: file, "corrupt: the ZIP64 extra field of member '\(name)' lacks its \(field)")
                    }
                    var value: UInt64 = 0
                    for i in 0..<8 { value |= UInt64(zip64[cursor + i]) << (8 * i) }
                    cursor += 8
                    return value
                }
                if needsUncompressed { uncompressed = try next("uncompressed size") }
                if needsCompressed { compressed = try next("compressed size") }
                if needsOffset { localOffset = try next("local header offset") }
            } else if startDisk != 0 {
                throw DataSetError(.unsupportedArchive, file: file, "multi-disk (spanned) archives are not supported")
            }

            entries.append(Entry(
                name: name, method: method, flags: flags, crc32: crc,
                compressedSize: try reader.int(compressed, for: "compressed size of '\(name)'"),
                uncompressedSize: try reader.int(uncompressed, for: "uncompressed size of '\(name)'"),
                localHeaderOffset: try reader.int(localOffset, for: "local header offset of '\(name)'")))
            position += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// The payload of the ZIP64 extra field (header ID 0x0001) inside `extra`, if present.
    private static func zip64Field(in extra: ArraySlice<UInt8>, reader: ByteReader) throws -> ArraySlice<UInt8>? {
        var cursor = extra.startIndex
        while cursor + 4 <= extra.endIndex {
            let id = UInt16(extra[cursor]) | UInt16(extra[cursor + 1]) << 8
            let length = Int(UInt16(extra[cursor + 2]) | UInt16(extra[cursor + 3]) << 8)
            let start = cursor + 4
            guard start + length <= extra.endIndex else {
                throw DataSetError(.corruptArchive, file: reader.file, "corrupt: an extra field runs past its header")
            }
            if id == 1 { return extra[start..<(start + length)] }
            cursor = start + length
        }
        return nil
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
