import Foundation
import Synchronization

/// Runs the hospitals' uploads (store the update, sign and submit it) one after another on a
/// queue of their own, while the round's thread goes on training the next hospital. (The
/// committed model's write uses one too, overlapping the evaluation; see `FederatedTaskRun.storeOrHash`.)
///
/// In a deployment every hospital trains and uploads on its own machine; in the simulation the
/// hospitals take turns on the same cores, and the upload of one (mostly waiting for the disk
/// to sync) overlaps the training of the next. Jobs run in the order added, so nonces and
/// mempool order are the same as if they ran inline. `results()` waits for all of them and
/// returns their values in order, or the first error.
///
/// `@unchecked Sendable`, and jobs need not be `Sendable`: a job uses a hospital's store, key
/// and the ordering's mempool, which the round's thread leaves alone until `results()` has
/// waited for every job (the group's wait orders the two threads' accesses).
final class UploadPipeline<Value>: @unchecked Sendable {
    private let queue = DispatchQueue(label: "medchain.uploads")
    private let group = DispatchGroup()
    /// Guarded by `lock`; written by the queue, read after `group` has drained.
    private var values: [Int: Value] = [:]
    /// The first job's error; later jobs are skipped.
    private var failure: (any Error)?
    private var count = 0
    private let lock = NSLock()

    func add(_ job: @escaping () throws -> Value) {
        let index = count
        count += 1
        let box = UncheckedJob(run: job)
        queue.async(group: group) { [self] in
            if lock.withLock({ failure != nil }) { return }  // a failed upload stops the round
            do {
                let value = try box.run()
                lock.withLock { values[index] = value }
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }

    func results() throws -> [Value] {
        group.wait()
        return try lock.withLock {
            if let failure { throw failure }
            return (0..<count).map { values[$0]! }
        }
    }
}

/// A job handed to the upload queue (see `UploadPipeline` for why this is safe).
private struct UncheckedJob<Value>: @unchecked Sendable {
    let run: () throws -> Value
}
