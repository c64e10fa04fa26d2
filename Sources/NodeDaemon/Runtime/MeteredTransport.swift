import Consensus
import Ledger
import Synchronization

/// Forwards to the real transport and counts what the node sends.
final class MeteredTransport: ConsensusTransport, Sendable {
    // The wrapped transport is only called from the node's serial queue.
    nonisolated(unsafe) let base: any ConsensusTransport
    private let counts = Mutex<(messages: UInt64, bytes: UInt64)>((0, 0))

    init(_ base: any ConsensusTransport) { self.base = base }

    func send(_ bytes: [UInt8], from sender: PublicKey, to peer: PublicKey) {
        counts.withLock {
            $0.messages += 1
            $0.bytes += UInt64(bytes.count)
        }
        base.send(bytes, from: sender, to: peer)
    }

    var sent: (messages: UInt64, bytes: UInt64) { counts.withLock { $0 } }
}
