import Consensus
import Dispatch
import Foundation
import Ledger

/// `ConsensusTimers` on the wall clock: timers fire on the node's serial queue.
///
/// `SerialNodeDriver` makes one per node and sets `fire` so a fired timer reaches the node
/// on its own queue. A timer scheduled for a stopped node does nothing.
public final class WallClockTimers: ConsensusTimers, @unchecked Sendable {
    // @unchecked: `fire` is set once, on `queue`, before the node can schedule anything, and
    // read only on `queue`.
    public let queue: DispatchQueue
    /// Where fired timers go; called on `queue`.
    var fire: ((NodeTimer) -> Void)?

    public init(queue: DispatchQueue) {
        self.queue = queue
    }

    /// Milliseconds since 1970 (the block timestamps use it).
    public var now: UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    public func schedule(_ timer: NodeTimer, for node: PublicKey, afterMs: UInt64) {
        queue.asyncAfter(deadline: .now() + .milliseconds(Int(min(afterMs, UInt64(Int32.max))))) { [weak self] in
            self?.fire?(timer)
        }
    }
}
