import CZlib

/// The two zlib services a ZIP reader needs: raw-deflate decompression and CRC-32.
enum Zlib {
    /// Decompresses a raw deflate stream (no zlib or gzip wrapper, as in ZIP members) whose
    /// decompressed size is known in advance.
    ///
    /// - Throws: a description of the problem (corrupt stream, stream cut short, or a size other
    ///   than `expectedSize`) for the caller to wrap with the file and member name.
    static func inflateRaw(_ input: ArraySlice<UInt8>, expectedSize: Int) throws(InflateFailure) -> [UInt8] {
        var stream = z_stream()
        // `inflateInit2` is a C macro; its function passes the header's version and struct size
        // so a mismatched libz refuses to run instead of corrupting memory.
        let status = inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw InflateFailure("zlib could not start (status \(status))") }
        defer { inflateEnd(&stream) }

        // One spare byte: if the stream fills it, the data is longer than the header says.
        var output = [UInt8](repeating: 0, count: expectedSize + 1)
        let chunk = Int(UInt32.max)
        let result: Result<Void, InflateFailure> = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                while true {
                    let consumed = Int(stream.total_in), produced = Int(stream.total_out)
                    if stream.avail_in == 0, consumed < source.count {
                        stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + consumed)
                        stream.avail_in = UInt32(min(chunk, source.count - consumed))
                    }
                    if stream.avail_out == 0, produced < target.count {
                        stream.next_out = target.baseAddress! + produced
                        stream.avail_out = UInt32(min(chunk, target.count - produced))
                    }
                    let code = inflate(&stream, Z_NO_FLUSH)
                    switch code {
                    case Z_STREAM_END:
                        return .success(())
                    case Z_OK:
                        continue
                    case Z_BUF_ERROR where Int(stream.total_out) >= target.count:
                        return .failure(InflateFailure("the data decompresses to more than the \(expectedSize) bytes the archive declares"))
                    case Z_BUF_ERROR:
                        return .failure(InflateFailure("the compressed data ends before the deflate stream does (truncated)"))
                    case Z_DATA_ERROR:
                        let detail = stream.msg.map { String(cString: $0) } ?? "invalid deflate data"
                        return .failure(InflateFailure("corrupt deflate data (\(detail))"))
                    default:
                        return .failure(InflateFailure("zlib failed with status \(code)"))
                    }
                }
            }
        }
        if case .failure(let failure) = result { throw failure }
        let produced = Int(stream.total_out)
        guard produced == expectedSize else {
            throw InflateFailure(
                produced > expectedSize
                    ? "the data decompresses to more than the \(expectedSize) bytes the archive declares"
                    : "the data decompresses to \(produced) bytes, not the \(expectedSize) the archive declares")
        }
        output.removeLast()
        return output
    }

    /// The CRC-32 (ISO 3309, as ZIP uses) of `bytes`.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return UInt32(truncatingIfNeeded: crc32_z(0, base, buffer.count))
        }
    }

    struct InflateFailure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
