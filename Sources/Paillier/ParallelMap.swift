import Dispatch
import Foundation

/// Runs independent, expensive per-element work (encryptions, decryptions) on every core.
enum ParallelMap {
    /// The active cores, read once (on Linux each read opens the cgroup's CPU quota files).
    static let coreCount = ProcessInfo.processInfo.activeProcessorCount

    /// `(0..<count).map(transform)`, computed in contiguous chunks on all active cores.
    ///
    /// Chunks are large (count / (4 × cores)) so that scheduling costs nothing next to a
    /// modular exponentiation, yet small enough that one slow chunk does not idle a core.
    static func map<T: Sendable>(
        count: Int,
        threads: Int = ParallelMap.coreCount,
        _ transform: @Sendable (Int) -> T
    ) -> [T] {
        if count == 0 { return [] }
        let workers = max(1, min(threads, count))
        if workers == 1 { return (0..<count).map(transform) }
        let chunks = min(count, workers * 4)
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        // Each chunk writes a disjoint index range, so the unsynchronised writes never race.
        let output = UncheckedSendable(results)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * count / chunks
            let end = (chunk + 1) * count / chunks
            for index in start..<end { output.value[index] = transform(index) }
        }
        let values = results.map { $0! }
        _ = results.deinitialize()
        return values
    }
}

/// Carries a value into a concurrent closure whose accesses the caller has made disjoint.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
