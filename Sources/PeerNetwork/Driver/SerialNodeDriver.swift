import Consensus
import Dispatch
import Ledger

/// Runs one `ConsensusNode` on one serial queue.
///
/// `ConsensusNode` is not thread-safe: every call into it — `receive`, `fire`, `submit`,
/// `start`, reading its state — must come from one thread at a time. The network delivers
/// messages on its own threads and timers fire on a clock, so this driver funnels all of
/// them through `queue`:
///
/// ```swift
/// let driver = SerialNodeDriver(label: "node-a")
/// let network = try PeerNetwork(key: key, name: "a", configuration: configuration, logger: logger,
///                               handler: driver.handle)
/// try driver.attach { timers in
///     try ConsensusNode(key: key, ledger: ledger, walURL: wal, transport: network, timers: timers)
/// }
/// try await network.start()
/// driver.start()
/// let height = driver.withNode { $0.application.tip.height }
/// ```
///
/// Messages and timers arriving before `attach` or after `stop` are dropped (consensus
/// re-gossips, so nothing is lost for good).
public final class SerialNodeDriver: @unchecked Sendable {
    // @unchecked: `node` is read and written only on `queue`.
    public let queue: DispatchQueue
    public let timers: WallClockTimers
    private var node: ConsensusNode?

    public init(label: String) {
        queue = DispatchQueue(label: "medchain.consensus.\(label)")
        timers = WallClockTimers(queue: queue)
    }

    /// Makes the node on the queue, with this driver's timers.
    public func attach(_ make: (WallClockTimers) throws -> ConsensusNode) throws {
        try queue.sync {
            let node = try make(timers)
            self.node = node
            timers.fire = { [weak self] timer in self?.node?.fire(timer) }
        }
    }

    /// Starts the node's first height (asynchronously, on the queue).
    public func start() {
        queue.async { self.node?.start() }
    }

    /// Routes a network event: messages go to `receive`, link changes are ignored (the node
    /// re-gossips every `gossipIntervalMs`, so a reconnected peer catches up).
    public func handle(_ event: PeerEvent) {
        if case .message(let peer, let bytes) = event { receive(bytes, from: peer) }
    }

    /// Hands a message to the node on its queue.
    public func receive(_ bytes: [UInt8], from peer: PublicKey) {
        queue.async { self.node?.receive(bytes, from: peer) }
    }

    /// Admits a transaction (on the queue, blocking the caller); false if already pending.
    ///
    /// - Throws: the ledger's `TransactionRejection`, or `SerialNodeDriverError.notAttached`.
    @discardableResult
    public func submit(_ tx: SignedTransaction) throws -> Bool {
        try queue.sync {
            guard let node else { throw SerialNodeDriverError.notAttached }
            return try node.submit(tx)
        }
    }

    /// Runs `body` with the node on its queue (for reads: height, commits, state), blocking
    /// the caller until it is done; async code should use `perform`.
    public func withNode<T>(_ body: (ConsensusNode) throws -> T) throws -> T {
        try queue.sync {
            guard let node else { throw SerialNodeDriverError.notAttached }
            return try body(node)
        }
    }

    /// Runs `body` with the node on its queue without blocking the caller's thread (for
    /// async callers such as HTTP handlers and services).
    public func perform<T: Sendable>(_ body: @escaping @Sendable (ConsensusNode) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard let node = self.node else {
                    continuation.resume(throwing: SerialNodeDriverError.notAttached)
                    return
                }
                continuation.resume(with: Result { try body(node) })
            }
        }
    }

    /// Detaches the node: later messages and timers are dropped. The caller closes the
    /// ledger and the network.
    public func stop() {
        queue.sync {
            timers.fire = nil
            node = nil
        }
    }
}

/// A `SerialNodeDriver` call that needs a node came before `attach` or after `stop`.
public enum SerialNodeDriverError: Error, CustomStringConvertible {
    case notAttached

    public var description: String { "no consensus node is attached to this driver (call attach first)" }
}
