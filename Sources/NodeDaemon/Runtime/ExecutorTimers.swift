import Consensus
import Dispatch
import Foundation
import Ledger

/// Wall-clock `ConsensusTimers` whose timers fire on the node's serial queue, so a timer
/// never runs concurrently with a message the node is handling.
final class ExecutorTimers: ConsensusTimers, @unchecked Sendable {
    // @unchecked: `fire` is set once, before the node starts, and only read on `queue`.
    let queue: DispatchQueue
    var fire: ((NodeTimer) -> Void)?

    init(queue: DispatchQueue) { self.queue = queue }

    /// Milliseconds since 1970 (block timestamps).
    var now: UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    func schedule(_ timer: NodeTimer, for node: PublicKey, afterMs: UInt64) {
        let deadline = DispatchTime.now() + .milliseconds(Int(min(afterMs, UInt64(Int32.max))))
        queue.asyncAfter(deadline: deadline) { [weak self] in self?.fire?(timer) }
    }
}
