import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs jobs one at a time, in order, on a thread of its own at the scheduler's idle priority
/// (Linux `SCHED_IDLE`): work ahead of need, such as fetching an update a later aggregate will
/// check, runs on cores nothing else wants instead of taking turns with training.
///
/// A job queued here may not have started when its result is needed; the caller then does the
/// work itself rather than wait for an idle core (see `PrefetchedUpdates`), so nothing on the
/// round's path waits behind idle-priority work.
final class IdleWorker: @unchecked Sendable {
    /// One per process: the jobs are small, and one thread keeps them off the other cores.
    static let shared = IdleWorker()

    /// Whether the thread drops to idle priority (tests that wait for a job turn it off).
    let idlePriority: Bool
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var jobs: [@Sendable () -> Void] = []
    private var started = false

    init(idlePriority: Bool = true) { self.idlePriority = idlePriority }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        if !started {
            started = true
            let thread = Thread { [self] in run() }
            thread.name = "medchain.idle"
            thread.start()
        }
        condition.signal()
        condition.unlock()
    }

    private func run() {
        #if os(Linux)
        // For the calling thread only (Linux schedules threads individually); without the
        // privilege to change policy the jobs still run, at normal priority.
        // SCHED_IDLE is 5 in Linux's <sched.h>; Glibc does not export it without _GNU_SOURCE.
        let schedIdle: Int32 = 5
        var parameters = sched_param(sched_priority: 0)
        if idlePriority { _ = sched_setscheduler(0, schedIdle, &parameters) }
        #endif
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
