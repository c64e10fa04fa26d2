import Consensus
import Foundation
import Ledger
import NodeDaemon

/// Test-only transport between runtimes in one process: a message goes straight to the
/// addressed runtime's `receive` (its serial queue). Removing a runtime models a crash or a
/// cut link. The daemon itself uses the TLS `PeerNetwork`.
final class InProcessPeers: ConsensusTransport, @unchecked Sendable {
    // @unchecked: `runtimes` is guarded by `lock`.
    private let lock = NSLock()
    private var runtimes: [PublicKey: NodeRuntime] = [:]

    func attach(_ runtime: NodeRuntime) { lock.withLock { runtimes[runtime.setup.key.publicKey] = runtime } }
    func detach(_ key: PublicKey) { lock.withLock { runtimes[key] = nil } }
    var connected: [PublicKey] { lock.withLock { Array(runtimes.keys) } }

    func send(_ bytes: [UInt8], from sender: PublicKey, to peer: PublicKey) {
        let target = lock.withLock { runtimes[peer] }
        target?.receive(bytes, from: sender)
    }
}
