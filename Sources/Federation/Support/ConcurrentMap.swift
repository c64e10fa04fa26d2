import Synchronization
import Tensor

/// `(0..<count).map(transform)` with the elements computed concurrently on all cores.
///
/// For a handful of independent, millisecond-sized jobs — fetching and decoding a round's
/// update blobs — whose order must not matter. If any element throws, the error of the
/// lowest index is rethrown (the one a sequential `map` would have met first), so the
/// message does not depend on thread timing.
func concurrentMap<T: Sendable>(_ count: Int, _ transform: (Int) throws -> T) throws -> [T] {
    if count <= 1 { return try (0..<count).map(transform) }
    let results = Mutex<[Int: Result<T, any Error>]>([:])
    Parallel.forEach(count) { i in
        let result = Result { try transform(i) }
        results.withLock { $0[i] = result }
    }
    let all = results.withLock { $0 }
    return try (0..<count).map { try all[$0]!.get() }
}
