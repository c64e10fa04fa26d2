import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory `flock` on a file, held for the duration of `body`.
///
/// Writers (put, pin) share the lock; garbage collection takes it alone, so it never removes
/// a block that a concurrent put has written but not yet pinned. Only public `Blockstore`
/// entry points take it, never code they call, so it is never taken twice.
enum FileLock {
    enum Mode { case shared, exclusive }

    static func with<T>(_ path: String, _ mode: Mode, _ body: () throws -> T) throws -> T {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open lock file", path: path) }
        defer { close(descriptor) }
        while flock(descriptor, mode == .shared ? LOCK_SH : LOCK_EX) != 0 {
            guard errno == EINTR else { throw FileSystemError(operation: "lock", path: path) }
        }
        return try body()
    }
}
