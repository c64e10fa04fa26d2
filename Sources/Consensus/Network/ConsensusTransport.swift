import Ledger

/// How a node reaches its peers. The in-process `SimulatedNetwork` implements it for tests
/// and the demo; the TLS peer network will implement the same protocol.
///
/// Delivery is best effort: messages may be lost, delayed, duplicated or reordered, and
/// consensus stays safe regardless (liveness needs eventual delivery).
public protocol ConsensusTransport: AnyObject {
    /// Sends `bytes` (an encoded `ConsensusMessage`) from `sender` to the validator `peer`.
    func send(_ bytes: [UInt8], from sender: PublicKey, to peer: PublicKey)
}

/// The time source and timer service of a node: wall time on a server, virtual time in the
/// simulation (so rounds, timeouts and block timestamps are reproducible).
public protocol ConsensusTimers: AnyObject {
    /// Milliseconds since 1970.
    var now: UInt64 { get }
    /// Calls `node.fire(timer)` after `afterMs` milliseconds.
    func schedule(_ timer: NodeTimer, for node: PublicKey, afterMs: UInt64)
}

/// A timer a node asked for.
public enum NodeTimer: Hashable, Sendable {
    case round(height: UInt64, round: UInt32, step: RoundStep)
    /// The commit timeout is over: start this height.
    case startHeight(UInt64)
    /// Time to re-send this node's messages of the height (peers may have missed them).
    case gossip(height: UInt64)
}
