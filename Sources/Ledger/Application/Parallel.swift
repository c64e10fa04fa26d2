import Dispatch

/// Overlaps sequential work with parallel work across the cores.
enum Parallel {
    /// Runs `sequential` while `parallel(0..<count)` runs alongside, returning when both are
    /// done. Dispatch hands out iterations in order, so the sequential job (iteration 0)
    /// starts at once and the other cores work through the parallel items; whichever core
    /// finishes first takes the remaining items.
    ///
    /// The closures may capture non-`Sendable` state: `sequential` is the only job touching
    /// it, and `parallel` items must touch disjoint data.
    static func overlap(sequential: () -> Void, count: Int, parallel: (Int) -> Void) {
        if count == 0 {
            sequential()
            return
        }
        withoutActuallyEscaping(sequential) { sequential in
            withoutActuallyEscaping(parallel) { parallel in
                nonisolated(unsafe) let sequential = sequential
                nonisolated(unsafe) let parallel = parallel
                DispatchQueue.concurrentPerform(iterations: count + 1) { i in
                    if i == 0 { sequential() } else { parallel(i - 1) }
                }
            }
        }
    }
}

/// A fixed-size array that parallel jobs fill at disjoint indices.
final class ParallelSlots<T>: @unchecked Sendable {
    // @unchecked: each index is written by exactly one job before any read (see `Parallel`).
    private var values: [T?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        values.withUnsafeMutableBufferPointer { $0[index] = value }
    }

    var results: [T] { values.map { $0! } }
}
