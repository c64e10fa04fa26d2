import Foundation
import Ledger
import NIOCore
import NIOPosix
import Synchronization

/// `medchain bench consensus`: a real multi-process testnet on loopback (every node its own
/// `medchain node` process with TLS links), loaded with signed transactions through
/// `POST /tx`, timed from each submission to the commit of its block.
///
/// `senders × perSender` `RegisterDataset` transactions (consecutive nonces per sender) are
/// signed first (the clients' cost, not the chain's), then submitted over `connections`
/// keep-alive HTTP connections spread over the nodes, paced at `rate` per second (0: as fast
/// as the nodes admit them). A watcher long-polls node-0's `GET /blocks` and stamps each
/// transaction when the block holding it is reported committed.
public struct ConsensusBenchmark: Sendable {
    public struct Result: Codable, Sendable {
        public var nodes: Int
        public var transactions: Int
        public var committed: Int
        public var refused: Int
        public var blocks: Int
        public var seconds: Double
        public var submitSeconds: Double
        public var offeredRate: Double
        public var txPerSecond: Double
        public var p50CommitMs: Double
        public var p99CommitMs: Double
        /// Per node: the share of the run its serial consensus queue was busy (1 = saturated).
        public var queueBusy: [Double]

        enum CodingKeys: String, CodingKey {
            case nodes, transactions, committed, refused, blocks, seconds
            case queueBusy = "queue_busy"
            case submitSeconds = "submit_seconds"
            case offeredRate = "offered_rate"
            case txPerSecond = "tx_per_second"
            case p50CommitMs = "p50_commit_ms"
            case p99CommitMs = "p99_commit_ms"
        }
    }

    public var nodes: Int
    public var senders: Int
    public var perSender: Int
    /// Transactions per second offered (0: unpaced).
    public var rate: Double
    public var connections: Int
    public var basePort: Int
    public var executable: URL
    public var timeoutSeconds: Double

    public init(nodes: Int = 4, senders: Int = 200, perSender: Int = 100, rate: Double = 0, connections: Int = 128,
                basePort: Int = 27_600, executable: URL, timeoutSeconds: Double = 300) {
        self.nodes = nodes
        self.senders = senders
        self.perSender = perSender
        self.rate = rate
        self.connections = connections
        self.basePort = basePort
        self.executable = executable
        self.timeoutSeconds = timeoutSeconds
    }

    /// Runs the benchmark in `directory` (a fresh folder); `progress` gets human-readable lines.
    public func run(in directory: URL, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Result {
        let keys = try (0..<senders).map { i in try SigningKey(seed: Array(Hash256.sha256(Array("bench-sender-\(i)".utf8)).bytes)) }
        let chainID = "bench-consensus"
        let layout = try TestnetLayout.create(at: directory, nodes: nodes, options: TestnetLayout.Options(
            chainID: chainID, basePort: basePort,
            extraMembers: keys.enumerated().map { Genesis.Member(name: "sender-\($0.offset)", publicKey: $0.element.publicKey, roles: [.trainer]) }))
        // Sign everything first; transaction t goes to connection t % connections.
        var batches = [[SignedTransaction]](repeating: [], count: connections)
        for nonce in 0..<perSender {
            for (index, key) in keys.enumerated() {
                let payload = TransactionPayload.registerDataset(RegisterDataset(
                    manifestCID: "bafy-bench-\(index)-\(nonce)", schema: "bench@1", recordCount: 1, labelCounts: [1],
                    epsilonBudget: Epsilon(1.0)!))
                let tx = Transaction(chainID: chainID, sender: key.publicKey, nonce: UInt64(nonce), payload: payload).signed(by: key)
                batches[index % connections].append(tx)     // a sender always uses the same connection: nonces stay in order
            }
        }
        let total = senders * perSender
        let supervisor = TestnetSupervisor(layout: layout, executable: executable)
        supervisor.onExit = { progress("node exited: \($0)") }
        try supervisor.startAll()
        defer { supervisor.stopAll() }
        try await waitUntilConnected(layout, progress: progress)
        progress("\(nodes) nodes connected; submitting \(total) transactions over \(connections) connections")

        let busyBefore = try await queueBusy(layout)
        let clock = ContinuousClock()
        let start = clock.now
        let tally = Tally()
        let (submitted, refused, committed, blocks) = (tally.submitted, tally.refused, tally.committed, tally.blocks)
        let wanted = Set(batches.joined().map(\.hash))
        let watcherNode = layout.nodes[0]
        let startHeight = try await StatusClient.withConnection(host: watcherNode.status.host, port: watcherNode.status.port) {
            try await $0.get("/status", as: NodeStatus.self).height
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            // The commit watcher.
            group.addTask {
                try await StatusClient.withConnection(host: watcherNode.status.host, port: watcherNode.status.port) { client in
                    var after = startHeight
                    let deadline = clock.now + .seconds(timeoutSeconds)
                    while committed.withLock({ $0.count }) + refused.withLock({ $0.count }) < total {
                        guard clock.now < deadline else {
                            throw StatusClientError("only \(committed.withLock { $0.count }) of \(total) transactions committed within \(Int(timeoutSeconds)) s")
                        }
                        let batch = try await client.get("/blocks?after=\(after)&wait=2000", as: NodeRuntime.CommitBatch.self)
                        let now = clock.now - start
                        for block in batch.blocks where block.height > after {
                            after = block.height
                            let ours = block.transactions.compactMap { Hash256(hex: $0) }.filter { wanted.contains($0) }
                            if !ours.isEmpty { blocks.withLock { $0 += 1 } }
                            committed.withLock { for hash in ours { $0[hash] = now } }
                        }
                    }
                }
            }
            // The submitters.
            for (c, batch) in batches.enumerated() {
                let node = layout.nodes[c % layout.nodes.count]
                let perConnectionRate = rate / Double(connections)
                group.addTask {
                    try await StatusClient.withConnection(host: node.status.host, port: node.status.port) { client in
                        for (i, tx) in batch.enumerated() {
                            if perConnectionRate > 0 {
                                let due = start + .seconds(Double(i) / perConnectionRate)
                                if clock.now < due { try await Task.sleep(until: due, clock: clock) }
                            }
                            let at = clock.now - start
                            submitted.withLock { $0[tx.hash] = at }
                            let reply = try await client.request("POST", "/tx", body: tx.bytes)
                            if reply.status != 202 { refused.withLock { $0.append("\(reply.status) \(reply.text)") } }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = Self.seconds(clock.now - start)
        let busyAfter = try await queueBusy(layout)
        let submitSeconds = submitted.withLock { $0.values.max().map(Self.seconds) ?? 0 }
        let commitTimes = committed.withLock { $0 }
        let sent = submitted.withLock { $0 }
        var latencies = commitTimes.compactMap { hash, at in sent[hash].map { Self.seconds(at - $0) * 1000 } }.sorted()
        if latencies.isEmpty { latencies = [0] }
        let end = commitTimes.values.max().map(Self.seconds) ?? 0
        let refusals = refused.withLock { $0 }
        if let first = refusals.first { progress("\(refusals.count) transactions refused, e.g. \(first)") }
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        func round(_ x: Double) -> Double { (x * 100).rounded() / 100 }
        return Result(nodes: nodes, transactions: total, committed: commitTimes.count, refused: refusals.count,
                      blocks: blocks.withLock { $0 }, seconds: round(end), submitSeconds: round(submitSeconds),
                      offeredRate: rate, txPerSecond: round(Double(commitTimes.count) / max(end, 1e-9)),
                      p50CommitMs: round(percentile(0.5)), p99CommitMs: round(percentile(0.99)),
                      queueBusy: zip(busyBefore, busyAfter).map { round(($1 - $0) / max(elapsed, 1e-9)) })
    }

    /// Each node's `medchain_queue_busy_seconds_total`.
    func queueBusy(_ layout: TestnetLayout) async throws -> [Double] {
        var values: [Double] = []
        for node in layout.nodes {
            let text = try await StatusClient.withConnection(host: node.status.host, port: node.status.port) {
                try await $0.request("GET", "/metrics").text
            }
            let line = text.split(separator: "\n").first { $0.hasPrefix("medchain_queue_busy_seconds_total{") }
            values.append(line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0)
        }
        return values
    }

    /// Polls every node's `/status` until each sees all its peers (60 s at most).
    func waitUntilConnected(_ layout: TestnetLayout, progress: @Sendable (String) -> Void) async throws {
        let deadline = Date().addingTimeInterval(60)
        var last = ""
        while Date() < deadline {
            var ready = 0
            for node in layout.nodes {
                let status = try? await StatusClient.withConnection(host: node.status.host, port: node.status.port) {
                    try await $0.get("/status", as: NodeStatus.self)
                }
                if let status, status.peersConnected.count == layout.nodes.count - 1 { ready += 1 }
            }
            if ready == layout.nodes.count { return }
            let line = "\(ready)/\(layout.nodes.count) nodes connected to all peers"
            if line != last { progress(line); last = line }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw StatusClientError("the testnet's nodes did not all connect within 60 s; see the node.log files in \(layout.nodes[0].home)/..")
    }

    /// What the submitters and the watcher record, shared between their tasks.
    final class Tally: Sendable {
        let submitted = Shared<[Hash256: Duration]>([:])
        let refused = Shared<[String]>([])
        let committed = Shared<[Hash256: Duration]>([:])
        let blocks = Shared<Int>(0)
    }

    /// A reference to a value behind a lock.
    final class Shared<Value: Sendable>: Sendable {
        private let mutex: Mutex<Value>
        init(_ value: Value) { mutex = Mutex(value) }
        func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
