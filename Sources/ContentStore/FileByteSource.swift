import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read with plain POSIX `read(2)`, so no `Data` is allocated per call.
///
/// The descriptor is closed when the source is released.
public final class FileByteSource: ByteSource {
    public let path: String
    private let descriptor: Int32

    /// Opens `url` for reading.
    ///
    /// - Throws: `FileSystemError` naming the file and the system's reason.
    public init(url: URL) throws(FileSystemError) {
        path = url.path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: path) }
    }

    deinit { close(descriptor) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            #if canImport(Glibc)
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            #else
            let count = Darwin.read(descriptor, buffer.baseAddress, buffer.count)
            #endif
            if count >= 0 { return count }
            if errno != EINTR { throw FileSystemError(operation: "read", path: path) }
        }
    }
}
