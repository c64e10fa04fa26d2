import Consensus
import ContentStore
import Dispatch
import Federation
import Foundation
import Ledger
import Synchronization

/// One node's chain machinery: its ledger replica (GRDB), blockstore, and `ConsensusNode`,
/// driven through one serial queue.
///
/// `ConsensusNode` is single-threaded, so every call into it (a peer message, a timer, a
/// client transaction, a status read) is a job on `queue`; the transport and the HTTP server
/// run elsewhere and only enqueue. Block reads (`block(_:)`) and committed-transaction
/// lookups go straight to the blockstore and the SQLite pool, which are safe to share.
///
/// ```swift
/// let runtime = try NodeRuntime(setup: setup, transport: network)
/// await runtime.start()
/// let outcome = await runtime.submit(tx.bytes)      // .admitted(hash:) on success
/// let blocks = await runtime.commits(after: 0, waitMs: 5_000)
/// await runtime.stop()
/// ```
public final class NodeRuntime: @unchecked Sendable {
    // @unchecked: `node` and every `var` below are only touched on `queue`; the `let`s are
    // immutable or Sendable.

    /// Who is connected, and what the transport refused or dropped (the peer network fills
    /// it in).
    public struct PeerView: Sendable {
        public var connected: @Sendable () -> [PublicKey]
        public var refusals: @Sendable () -> [String: Int]
        /// Outgoing messages dropped, by reason (`not_connected`, `backpressure`).
        public var dropped: @Sendable () -> [String: Int]

        public init(connected: @escaping @Sendable () -> [PublicKey] = { [] },
                    refusals: @escaping @Sendable () -> [String: Int] = { [:] },
                    dropped: @escaping @Sendable () -> [String: Int] = { [:] }) {
            self.connected = connected
            self.refusals = refusals
            self.dropped = dropped
        }
    }

    public let setup: NodeSetup
    public let blockstore: Blockstore
    /// The chain database, for reads off the queue (a WAL-mode pool).
    public let store: ChainStore
    public let queue: DispatchQueue
    /// Where this node reads the blobs transactions name (its store, then its peers).
    public let blobs: any BlobSource
    /// Recomputes aggregates before blocks are accepted; also rebuilds a task's committed
    /// global model for the participant (cached).
    public let aggregates: AggregateVerifier
    /// Blocks kept for `GET /blocks` long polls.
    public static let recentLimit = 512

    private var node: ConsensusNode?
    private let transport: MeteredTransport
    private let timers: ExecutorTimers
    private let names: [PublicKey: String]
    private let peerView = Mutex<PeerView>(PeerView())
    private let log: @Sendable (String) -> Void
    private var started = false
    private var stopped = false
    private var seenCommits = 0
    private var recent: [CommitSummary] = []
    private var waiters: [Int: (after: UInt64, continuation: CheckedContinuation<CommitBatch, Never>)] = [:]
    private let waiterIDs = Mutex<Int>(0)
    private var cancelledWaiters: Set<Int> = []
    private var metrics = NodeMetrics()
    /// The height whose start waits for a transaction (see `emptyBlockIntervalMs`).
    private var gatedHeight: UInt64?

    /// Committed blocks after a height, and the tip when they were read.
    public struct CommitBatch: Codable, Sendable, Hashable {
        public var height: UInt64
        public var blocks: [CommitSummary]
    }

    /// Opens the ledger, the blockstore and the consensus engine (replaying its write-ahead
    /// log). Nothing runs until `start()`.
    /// - Parameters:
    ///   - transport: how consensus messages reach the other validators.
    ///   - blobs: makes the source of aggregates' update blobs from this node's blockstore
    ///     (default: the store alone; the daemon adds fetching from peers).
    ///   - log: receives one line per notable consensus event.
    public init(setup: NodeSetup, transport base: any ConsensusTransport,
                blobs: ((Blockstore) -> any BlobSource)? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws(NodeSetupError) {
        self.setup = setup
        self.log = log
        queue = DispatchQueue(label: "medchain.node.\(setup.name)", qos: .userInitiated)
        names = Dictionary(setup.genesis.members.map { ($0.publicKey, $0.name) }, uniquingKeysWith: { a, _ in a })
        do { blockstore = try Blockstore(home: setup.home.url) } catch { throw .open("\(setup.home.url.path)/store: \(error)") }
        let ledger: Ledger
        do { ledger = try Ledger(url: setup.ledgerURL, genesis: setup.genesis) } catch {
            throw .open("\(setup.ledgerURL.path): \(error)")
        }
        store = ledger.store
        // The same domain validators as the demo and `chain verify`: aggregates are recomputed
        // from their update blobs before a block is accepted (EvidenceValidator is added by
        // ConsensusNode).
        self.blobs = blobs?(blockstore) ?? LocalFirstBlobSource(local: blockstore)
        aggregates = AggregateVerifier(blobs: self.blobs)
        ledger.application.domainValidators = [aggregates]
        transport = MeteredTransport(base)
        timers = ExecutorTimers(queue: queue)
        do {
            node = try ConsensusNode(key: setup.key, ledger: ledger, walURL: setup.walURL, transport: transport, timers: timers,
                                     configuration: setup.configuration.consensusConfiguration(genesis: setup.genesis))
        } catch {
            throw .open("\(setup.walURL.path): \(error)")
        }
        node?.logSink = { line in log(line) }
        seenCommits = node?.commits.count ?? 0
        timers.fire = { [weak self] timer in self?.fire(timer) }
    }

    /// Supplies the live peer list and transport refusals for status and metrics.
    public func attach(_ view: PeerView) { peerView.withLock { $0 = view } }

    /// Starts consensus at the height after the tip (replaying an interrupted height's log).
    public func start() async {
        await onQueue {
            guard !self.started, !self.stopped, let node = self.node else { return }
            self.started = true
            node.start()
            self.afterEvent()
        }
    }

    /// Stops consensus: later messages and timers are ignored, long polls return, and the
    /// engine, its log and the ledger are released. Safe to call twice.
    public func stop() async {
        await onQueue {
            guard !self.stopped else { return }
            self.stopped = true
            for (_, waiter) in self.waiters { waiter.continuation.resume(returning: self.batch(after: waiter.after)) }
            self.waiters = [:]
            self.node = nil
        }
    }

    // MARK: Inputs

    /// A message from a peer (any thread); handled in order on the queue.
    public func receive(_ bytes: [UInt8], from peer: PublicKey) {
        queue.async { self.timed {
            guard self.started, !self.stopped, let node = self.node else { return }
            self.metrics.messagesIn += 1
            self.metrics.bytesIn += UInt64(bytes.count)
            node.receive(bytes, from: peer)
            if let gated = self.gatedHeight, node.mempool.count > 0 || Self.isMessage(bytes, ofHeight: gated, chainID: self.setup.chainID) {
                self.release(gated)
            }
            self.afterEvent()
        } }
    }

    private func fire(_ timer: NodeTimer) { timed { fireTimed(timer) } }

    private func fireTimed(_ timer: NodeTimer) {
        guard started, !stopped, let node else { return }
        if case .startHeight(let h) = timer, node.mempool.count == 0 {
            let wait = setup.configuration.consensus.emptyBlockIntervalMs
            if wait > 0, gatedHeight != h {
                gatedHeight = h
                queue.asyncAfter(deadline: .now() + .milliseconds(Int(min(wait, 3_600_000)))) { [weak self] in
                    guard let self, self.gatedHeight == h, !self.stopped else { return }
                    self.release(h)
                }
                return
            }
        }
        node.fire(timer)
        afterEvent()
    }

    /// Starts a height that waited for transactions.
    private func release(_ height: UInt64) {
        guard gatedHeight == height, let node else { return }
        gatedHeight = nil
        node.fire(.startHeight(height))
        afterEvent()
    }

    /// Whether `bytes` is a proposal or vote of `height` (a peer has started it).
    static func isMessage(_ bytes: [UInt8], ofHeight height: UInt64, chainID: String) -> Bool {
        switch try? ConsensusMessage(decoding: bytes, chainID: chainID, maxBytes: .max) {
        case .proposal(let proposal): proposal.signed.height >= height
        case .vote(let vote): vote.height >= height
        default: false
        }
    }

    /// Checks a client's signed transaction, admits it to the mempool and gossips it.
    /// Bad bytes change nothing.
    public func submit(_ bytes: [UInt8]) async -> SubmitOutcome {
        let limit = setup.genesis.limits.maxTransactionBytes
        let tx: SignedTransaction
        do throws(TransactionRejection) {
            guard bytes.count <= limit else { throw .oversized(size: bytes.count, limit: limit) }
            tx = try SignedTransaction(decoding: bytes)
        } catch {
            return await onQueue { self.refused(error.code, "\(error)") }
        }
        return await onQueue {
            guard self.started, !self.stopped, let node = self.node else {
                return .refused(reason: "unavailable", message: "the node is not running")
            }
            do throws(TransactionRejection) {
                let added = try node.submit(tx)
                if let gated = self.gatedHeight { self.release(gated) }
                self.afterEvent()
                guard added else { return .duplicate(hash: tx.hash.hex) }
                self.metrics.transactionsAdmitted += 1
                return .admitted(hash: tx.hash.hex)
            } catch {
                return self.refused(error.code, "\(error)")
            }
        }
    }

    private func refused(_ reason: String, _ message: String) -> SubmitOutcome {
        metrics.transactionsRefused[reason, default: 0] += 1
        return .refused(reason: reason, message: message)
    }

    /// Lets `contributor` add transactions to the blocks this node proposes (the federated
    /// participant's master step). Held weakly by consensus: the caller keeps it alive.
    public func setContributor(_ contributor: (any ProposalContributor)?) async {
        nonisolated(unsafe) let contributor = contributor
        await onQueue { self.node?.contributor = contributor }
    }

    // MARK: Reads

    /// Runs `body` on the queue with the ledger application at the tip (nil once stopped):
    /// the one safe place to read ledger state.
    public func read<T: Sendable>(_ body: @escaping @Sendable (LedgerApplication?) -> T) async -> T {
        await onQueue { body(self.node?.application) }
    }

    public func status() async -> NodeStatus {
        let connected = peerView.withLock { $0 }.connected()
        return await onQueue { self.makeStatus(connected: connected) }
    }

    private func makeStatus(connected: [PublicKey]) -> NodeStatus {
        let tip = node?.application.tip
        return NodeStatus(name: setup.name, chainID: setup.chainID, publicKey: setup.key.publicKey.hex,
                          height: tip?.height ?? 0, round: node?.round ?? 0,
                          lastBlockHash: (tip?.blockID ?? setup.genesis.hash).hex, lastBlockTime: tip?.timestamp ?? 0,
                          peersConnected: connected.map(name(of:)).sorted(), peersConfigured: setup.peers.count,
                          validators: setup.genesis.validators.count, mempoolSize: node?.mempool.count ?? 0,
                          blacklist: (node?.blacklist.keys ?? []).map(name(of:)), halted: node?.isHalted ?? false)
    }

    public func metricsSnapshot() async -> NodeMetrics {
        let view = peerView.withLock { $0 }
        let connected = view.connected().count, transportRefusals = view.refusals(), dropped = view.dropped()
        return await onQueue {
            var m = self.metrics
            m.height = self.node?.application.tip.height ?? 0
            m.round = self.node?.round ?? 0
            m.mempoolSize = self.node?.mempool.count ?? 0
            m.refusals = self.node?.refusals ?? [:]
            m.halted = self.node?.isHalted ?? false
            m.peersConnected = connected
            m.peersConfigured = self.setup.peers.count
            m.transportRefusals = transportRefusals
            m.transportDropped = dropped
            let sent = self.transport.sent
            m.messagesOut = sent.messages
            m.bytesOut = sent.bytes
            return m
        }
    }

    /// Blocks committed after `height` (from the last `recentLimit`); with `waitMs` > 0 and
    /// none yet, waits up to that long for the next commit (a long poll). Cancelling the
    /// calling task ends the wait early (the status server does on shutdown).
    public func commits(after height: UInt64, waitMs: UInt64 = 0) async -> CommitBatch {
        let id = waiterIDs.withLock { id in
            id += 1
            return id
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                queue.async {
                    let ready = self.batch(after: height)
                    let cancelled = self.cancelledWaiters.remove(id) != nil
                    guard ready.blocks.isEmpty, waitMs > 0, !self.stopped, !cancelled else {
                        continuation.resume(returning: ready)
                        return
                    }
                    self.waiters[id] = (height, continuation)
                    self.queue.asyncAfter(deadline: .now() + .milliseconds(Int(min(waitMs, 600_000)))) { self.wake(id) }
                }
            }
        } onCancel: {
            queue.async {
                // Cancelled before the wait was registered: remember it, so it never starts.
                if self.waiters[id] == nil { self.cancelledWaiters.insert(id) } else { self.wake(id) }
            }
        }
    }

    /// Answers waiter `id` with what it has now (if it is still waiting).
    private func wake(_ id: Int) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.continuation.resume(returning: batch(after: waiter.after))
    }

    private func batch(after height: UInt64) -> CommitBatch {
        CommitBatch(height: node?.application.tip.height ?? recent.last?.height ?? 0, blocks: recent.filter { $0.height > height })
    }

    /// Where a transaction is: committed (height, index), waiting in the mempool, or unknown.
    public enum TransactionState: Sendable, Hashable {
        case committed(height: UInt64, index: Int)
        case pending
        case unknown
    }

    public func transactionState(_ hash: Hash256) async -> TransactionState {
        if let record = try? store.transaction(hash.hex) {
            return .committed(height: record.summary.height, index: record.summary.index)
        }
        return await onQueue { self.node?.mempool.contains(hash) == true ? .pending : .unknown }
    }

    /// The nonce `member`'s next transaction should carry, counting those waiting here.
    public func nextNonce(for member: PublicKey) async -> UInt64 {
        await onQueue { self.node?.nextNonce(for: member) ?? 0 }
    }

    /// One block of this node's store, for peers fetching by CID (any thread; peers walk
    /// a file's DAG block by block).
    public func block(_ cid: String) -> [UInt8]? {
        guard let parsed = try? CID(parsing: cid), blockstore.has(parsed) else { return nil }
        return try? blockstore.block(parsed)
    }

    public func name(of key: PublicKey) -> String { names[key] ?? key.shortHex }

    // MARK: Queue plumbing

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.timed(body)) }
        }
    }

    /// Runs a job, adding its duration to the queue's busy time (the saturation metric).
    private func timed<T>(_ body: () -> T) -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { metrics.queueBusyNanoseconds += DispatchTime.now().uptimeNanoseconds - start }
        return body()
    }

    /// Picks up blocks the last job committed: counters, the long-poll window, waiters.
    private func afterEvent() {
        guard let node, node.commits.count > seenCommits else { return }
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        for record in node.commits[seenCommits...] {
            metrics.commits += 1
            metrics.rounds += UInt64(record.round) + 1
            metrics.transactionsCommitted += UInt64(record.block.block.transactions.count)
            recent.append(CommitSummary(height: record.height, hash: record.block.block.id.hex, round: record.round,
                                        proposer: name(of: record.proposer),
                                        transactions: record.block.block.transactions.map { Hash256.sha256($0).hex },
                                        committedAt: now))
        }
        seenCommits = node.commits.count
        if recent.count > Self.recentLimit { recent.removeFirst(recent.count - Self.recentLimit) }
        let tip = recent.last?.height ?? 0
        for (id, waiter) in waiters where waiter.after < tip {
            waiters[id] = nil
            waiter.continuation.resume(returning: batch(after: waiter.after))
        }
    }
}
