import Foundation

/// CPU time consumed, for benchmark figures that stay meaningful when other processes share
/// the cores (wall-clock rates then measure the neighbours as much as MedChain).
enum CPUTime {
    /// User + system CPU seconds of the whole process so far.
    static func process() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// CPU seconds of the calling thread so far.
    static func thread() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private static func seconds(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
}

/// Accumulates thread CPU seconds spent in a section that may run on another thread (GRDB's
/// writer queue).
public final class CPUCounter: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var total = 0.0

    public init() {}

    public var seconds: Double { lock.withLock { total } }

    func add(_ seconds: Double) { lock.withLock { total += seconds } }

    func measure<T>(_ body: () throws -> T) rethrows -> T {
        let start = CPUTime.thread()
        defer {
            let spent = CPUTime.thread() - start
            lock.withLock { total += spent }
        }
        return try body()
    }
}
