import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs independent pieces of work on all cores.
public enum Parallel {
    /// The number of online processors, read once.
    public static let coreCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Calls `body(i)` for every `i` in `0..<count`, concurrently when `count > 1`.
    ///
    /// Returns when every call has finished. Calls must touch disjoint memory.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 {
            if count == 1 { body(0) }
            return
        }
        // Callers hand each iteration disjoint memory (usually through unsafe pointers, which are
        // not Sendable); the box states that contract to the compiler.
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendableBox(escapable)
            DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
        }
    }

    /// Splits `0..<total` into at most `parts` contiguous ranges whose lower bounds are multiples
    /// of `alignment` (so SIMD panels never straddle two workers).
    public static func ranges(_ total: Int, parts: Int, alignment: Int = 1) -> [Range<Int>] {
        guard total > 0 else { return [] }
        let units = (total + alignment - 1) / alignment
        let parts = max(1, min(parts, units))
        var result: [Range<Int>] = []
        var start = 0
        for p in 0..<parts {
            let endUnits = units * (p + 1) / parts
            let end = min(total, endUnits * alignment)
            if end > start { result.append(start..<end) }
            start = end
        }
        return result
    }
}

/// Carries a value across a concurrency boundary whose safety the caller guarantees.
///
/// `@unchecked Sendable`: used only by `Parallel.forEach`, whose iterations write disjoint memory.
struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
