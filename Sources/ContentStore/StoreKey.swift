import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The node's AES-256 key for blocks at rest, with a short public fingerprint.
///
/// The key lives in `DIR/keys/store.key` as 32 raw bytes, mode 0600. Its `id` (the first 8
/// bytes of HMAC-SHA256(key, "medchain store key id v1")) is written in every block file, so
/// a block sealed under another key is reported as such instead of as tampering; the id
/// reveals nothing usable about the key. `description` shows the id only, never the key.
public struct StoreKey: Sendable, CustomStringConvertible {
    let key: SymmetricKey
    /// The key's 8-byte fingerprint.
    public let id: [UInt8]

    /// Wraps 32 key bytes.
    public init(rawBytes: [UInt8]) throws(StoreKeyError) {
        guard rawBytes.count == 32 else { throw .wrongLength(path: nil, rawBytes.count) }
        key = SymmetricKey(data: rawBytes)
        let mac = HMAC<SHA256>.authenticationCode(for: Array("medchain store key id v1".utf8), using: key)
        id = Array(Array(mac).prefix(8))
    }

    /// A new random key.
    public static func generate() -> StoreKey {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return try! StoreKey(rawBytes: bytes)
    }

    public var description: String { "StoreKey(id: \(id.map { String(format: "%02x", $0) }.joined()))" }

    /// Loads the key at `path`, creating it (and its directory, mode 0700) if it is missing.
    ///
    /// Creation writes a temporary file and `link`s it into place, so two processes starting
    /// at once agree on one key and nobody reads a half-written file.
    /// - Throws: `StoreKeyError` when the file has the wrong length or is readable by group
    ///   or others (as OpenSSH refuses loose private keys).
    public static func loadOrCreate(at url: URL) throws(StoreKeyError) -> StoreKey {
        let path = url.path
        do {
            if !POSIXFile.exists(path) {
                let directory = url.deletingLastPathComponent().path
                try POSIXFile.makeDirectory(directory, mode: 0o700)
                let temporary = directory + "/.store.key." + UUID().uuidString
                let fresh = generate()
                let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard descriptor >= 0 else { throw FileSystemError(operation: "create", path: temporary) }
                defer { unlink(temporary) }
                let bytes = fresh.key.withUnsafeBytes { Array($0) }
                do {
                    try POSIXFile.writeAll(bytes, to: descriptor, path: temporary)
                    guard fsync(descriptor) == 0 else { throw FileSystemError(operation: "fsync", path: temporary) }
                    close(descriptor)
                } catch {
                    close(descriptor)
                    throw error
                }
                // link() fails if another process created the key first; then use theirs.
                if link(temporary, path) == 0 {
                    try POSIXFile.syncDirectory(directory)
                } else if errno != EEXIST {
                    throw FileSystemError(operation: "create", path: path)
                }
            }
            var info = stat()
            guard stat(path, &info) == 0 else { throw FileSystemError(operation: "stat", path: path) }
            guard info.st_mode & 0o077 == 0 else {
                throw StoreKeyError.tooOpen(path: path, mode: Int(info.st_mode & 0o777))
            }
            guard let bytes = try POSIXFile.readAll(path, limit: 1024) else {
                throw FileSystemError(operation: "read", path: path, code: ENOENT)
            }
            guard bytes.count == 32 else { throw StoreKeyError.wrongLength(path: path, bytes.count) }
            return try StoreKey(rawBytes: bytes)
        } catch let error as StoreKeyError {
            throw error
        } catch let error as FileSystemError {
            throw .fileSystem(error)
        } catch {
            throw .fileSystem(FileSystemError(operation: "load key", path: path, code: EIO))
        }
    }
}

/// Why the store key cannot be used.
public enum StoreKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key file is not 32 bytes long.
    case wrongLength(path: String?, Int)
    /// Group or others may read the key file.
    case tooOpen(path: String, mode: Int)
    /// The file system refused an operation.
    case fileSystem(FileSystemError)

    public var description: String {
        switch self {
        case .wrongLength(let path, let count):
            "store key \(path ?? "") must be 32 bytes, found \(count); restore it from a backup "
                + "(a new key cannot read existing blocks)"
        case .tooOpen(let path, let mode):
            "store key \(path) has mode \(String(mode, radix: 8)), readable by others; run chmod 600 \(path)"
        case .fileSystem(let error):
            "store key: \(error)"
        }
    }
}
