import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file operations with the durability steps spelled out.
///
/// Foundation's `Data.write(options: .atomic)` renames but does not `fsync` the file or the
/// directory, so after a power cut the new name may point at an empty file. The store needs
/// the full sequence: write a temporary file, `fsync` it, `rename` it into place, `fsync` the
/// directory that holds the new name.
enum POSIXFile {
    /// Writes `bytes` to `path` so that, after a crash, `path` holds either nothing (or its
    /// old content) or all of `bytes`.
    ///
    /// - Parameters:
    ///   - temporaryDirectory: where the temporary file is made; same file system as `path`.
    ///   - durable: `fsync` the file before the rename and its directory after it. Callers that
    ///     write many files pass false and make them durable together before relying on them
    ///     (`syncFileSystem(of:)`); until then a crash may leave `path` missing or damaged,
    ///     never a mix of old and new bytes that reads back as valid.
    static func writeAtomically(
        _ bytes: [UInt8], to path: String, temporaryDirectory: String, mode: mode_t = 0o600,
        durable: Bool = true
    ) throws(FileSystemError) {
        let temporary = temporaryDirectory + "/" + UUID().uuidString + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileSystemError(operation: "create", path: temporary) }
        do throws(FileSystemError) {
            try writeAll(bytes, to: descriptor, path: temporary)
            if durable {
                guard fsync(descriptor) == 0 else { throw FileSystemError(operation: "fsync", path: temporary) }
            }
            close(descriptor)
            guard rename(temporary, path) == 0 else {
                throw FileSystemError(operation: "rename into place", path: path)
            }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        if durable { try syncDirectoryOf(path) }
    }

    /// Creates `path` empty if it does not exist (a marker such as a pin), without making it
    /// durable: the caller syncs its directory or file system afterwards.
    static func touch(_ path: String, mode: mode_t = 0o600) throws(FileSystemError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileSystemError(operation: "create", path: path) }
        close(descriptor)
    }

    /// Reopens a written file and `fsync`s it (its data and size; the name needs its
    /// directory synced too).
    static func syncFile(_ path: String) throws(FileSystemError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileSystemError(operation: "fsync", path: path) }
    }

    /// Makes every write, rename and new directory on the file system holding `path` durable
    /// with one `syncfs(2)` — a single barrier for a batch of files, where per-file durability
    /// takes an `fsync` of each file and each directory. `syncfs` reports writeback errors
    /// since Linux 5.8. Returns false where it does not exist (not Linux); the caller then
    /// syncs file by file.
    static func syncFileSystem(of path: String) throws(FileSystemError) -> Bool {
        guard let syncfs = syncfsFunction else { return false }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: path) }
        defer { close(descriptor) }
        guard syncfs(descriptor) == 0 else { throw FileSystemError(operation: "syncfs", path: path) }
        return true
    }

    /// glibc's `syncfs`, looked up at run time: the Glibc module does not export it (it is a
    /// GNU extension), and other systems have none.
    private static let syncfsFunction: (@convention(c) (Int32) -> Int32)? = {
        #if os(Linux)
        guard let symbol = dlsym(nil, "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// Writes every byte of `bytes` to an open descriptor, retrying short writes.
    static func writeAll(
        _ bytes: some ContiguousBytes, to descriptor: Int32, path: String
    ) throws(FileSystemError) {
        let failure: FileSystemError? = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return FileSystemError(operation: "write", path: path)
                }
                offset += written
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// `fsync`s the directory holding `path`, making a rename or unlink in it durable.
    static func syncDirectoryOf(_ path: String) throws(FileSystemError) {
        try syncDirectory((path as NSString).deletingLastPathComponent)
    }

    static func syncDirectory(_ directory: String) throws(FileSystemError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open directory", path: directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileSystemError(operation: "fsync directory", path: directory) }
    }

    /// Reads a whole file; nil when it does not exist.
    ///
    /// - Parameter limit: files longer than this are not read (`FileSystemError` with `EFBIG`).
    static func readAll(_ path: String, limit: Int) throws(FileSystemError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw FileSystemError(operation: "open", path: path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileSystemError(operation: "stat", path: path) }
        let size = Int(info.st_size)
        guard size <= limit else { throw FileSystemError(operation: "read", path: path, code: EFBIG) }
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        let failure: FileSystemError? = bytes.withUnsafeMutableBytes { buffer in
            while offset < size {
                let count = read(descriptor, buffer.baseAddress! + offset, size - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return FileSystemError(operation: "read", path: path)
                }
                if count == 0 { break }
                offset += count
            }
            return nil
        }
        if let failure { throw failure }
        return Array(bytes[0..<offset])
    }

    /// Creates a directory (and its parents) with `mode` if it does not exist.
    static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(FileSystemError) {
        if mkdir(path, mode) == 0 || errno == EEXIST { return }
        if errno == ENOENT {
            try makeDirectory((path as NSString).deletingLastPathComponent, mode: mode)
            if mkdir(path, mode) == 0 || errno == EEXIST { return }
        }
        throw FileSystemError(operation: "create directory", path: path)
    }

    /// The names in a directory (no `.` and `..`); empty when it does not exist.
    static func list(_ directory: String) throws(FileSystemError) -> [String] {
        guard let handle = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw FileSystemError(operation: "list", path: directory)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The size of a file, or nil when it does not exist.
    static func size(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }
}
