import Foundation
import Ledger
import Logging
import Synchronization
@testable import NodeDaemon
import Testing

/// Whole daemons in one process: TLS peer links over loopback, the HTTP status server, the
/// runtime, composed in their `ServiceGroup`s.
@Suite(.serialized)
struct NodeDaemonTests {
    static var logger: Logger {
        var logger = Logger(label: "medchain.node.test")
        logger.logLevel = .warning
        return logger
    }

    /// A base port for a small testnet: below Linux's ephemeral range (32768–60999), so an
    /// outgoing connection's local port never takes a port a test node wants to listen on.
    /// Successive calls in one test process take successive 16-port slots (from a random
    /// first one), so testnets of suites running in parallel never share a port.
    static func freshBasePort() -> Int {
        let slot = nextPortSlot.withLock { slot in
            defer { slot = (slot + 1) % 370 }
            return slot
        }
        return 20_000 + slot * 16
    }

    private static let nextPortSlot = Mutex(Int.random(in: 0..<370))

    /// A running daemon and the task that runs it.
    struct Running {
        let daemon: NodeDaemon
        let task: Task<Void, any Error>

        init(_ setup: NodeSetup) throws {
            let daemon = try NodeDaemon(setup: setup, logger: NodeDaemonTests.logger)
            self.daemon = daemon
            task = Task { try await daemon.run() }
        }

        var runtime: NodeRuntime { daemon.runtime }
        var status: NodeAddress { daemon.setup.configuration.status }

        func stop() async throws {
            await daemon.triggerShutdown()
            try await task.value
        }

        func post(_ bytes: [UInt8]) async throws -> StatusClient.Reply {
            try await StatusClient.withConnection(host: status.host, port: status.port) { try await $0.request("POST", "/tx", body: bytes) }
        }
    }

    static func committed(_ hashes: [Hash256], at runtimes: [NodeRuntime]) async -> Bool {
        for runtime in runtimes {
            for hash in hashes { if case .committed = await runtime.transactionState(hash) {} else { return false } }
        }
        return true
    }

    @Test func fourDaemonsOverTLSCommitAndARestartedOneCatchesUpByBlockSync() async throws {
        var chain = try TestChain(nodes: 4, basePort: Self.freshBasePort())
        defer { chain.remove() }
        var nodes = try (0..<4).map { try Running(try chain.setup($0)) }
        #expect(await eventually { for node in nodes { if await node.runtime.status().peersConnected.count != 3 { return false } }; return true })

        // Transactions through the real HTTP endpoint of every node.
        var hashes: [Hash256] = []
        for i in 0..<20 {
            let tx = chain.transaction()
            hashes.append(tx.hash)
            let reply = try await nodes[i % 4].post(tx.bytes)
            #expect(reply.status == 202, "\(reply.text)")
        }
        // Malformed bytes are refused with one line, and the node carries on.
        let bad = try await nodes[1].post(Array("garbage".utf8))
        #expect(bad.status == 400)
        #expect(bad.text.hasPrefix("refused (malformed)"))
        let runtimes = nodes.map(\.runtime)
        #expect(await eventually { await Self.committed(hashes, at: runtimes) })

        // node-3 shuts down (SIGTERM path); the others go on.
        try await nodes[3].stop()
        let stoppedAt = await nodes[3].runtime.status().height
        var later: [Hash256] = []
        for _ in 0..<10 {
            let tx = chain.transaction()
            later.append(tx.hash)
            #expect(try await nodes[0].post(tx.bytes).status == 202)
        }
        #expect(await eventually { await Self.committed(later, at: Array(runtimes.prefix(3))) })
        let target = await nodes[0].runtime.status().height
        #expect(target > stoppedAt)

        // Restarted from its home: the log is replayed and the missing blocks come by sync.
        nodes[3] = try Running(try chain.setup(3))
        let restarted = nodes[3].runtime
        #expect(await eventually { await restarted.status().height >= target })
        for height in 1...target {
            let reference = try #require(try nodes[0].runtime.store.committedBlock(at: height)).block.id
            for node in nodes.dropFirst() {
                #expect(try node.runtime.store.committedBlock(at: height)?.block.id == reference, "height \(height)")
            }
        }
        let first = nodes[0].runtime
        #expect(await eventually { await first.metricsSnapshot().peersConnected == 3 })   // node-3 redialed
        let metrics = await first.metricsSnapshot()
        #expect(metrics.messagesIn > 0 && metrics.messagesOut > 0)
        #expect(Set(metrics.transportDropped.keys) == ["not_connected", "backpressure"])
        #expect((metrics.transportDropped["not_connected"] ?? 0) > 0)   // sends to node-3 while it was down
        #expect(metrics.transactionsRefused["malformed"] == nil)   // the bad POST went to node-1
        for node in nodes { try await node.stop() }
    }

    @Test func anOversizedRequestBodyIsRefusedWith413() async throws {
        var template = NodeConfiguration()
        template.limits.maxRequestBytes = 4096
        let chain = try TestChain(nodes: 1, basePort: Self.freshBasePort(), template: template)
        defer { chain.remove() }
        let node = try Running(try chain.setup(0))
        #expect(await eventually { (try? await node.post([1])) != nil })
        let reply = try await node.post([UInt8](repeating: 1, count: 5000))
        #expect(reply.status == 413)
        #expect(reply.text.contains("4096"))
        let health = try await StatusClient.withConnection(host: node.status.host, port: node.status.port) { try await $0.request("GET", "/health") }
        #expect(health.status == 200)
        try await node.stop()
    }
}

extension NodeDaemonTests {
    @Test func anUpdateBlobStoredOnlyAtAPeerIsFetchedByCIDBlockByBlock() async throws {
        let chain = try TestChain(nodes: 2, basePort: Self.freshBasePort())
        defer { chain.remove() }
        let nodes = try (0..<2).map { try Running(try chain.setup($0)) }
        #expect(await eventually { await nodes[0].runtime.status().peersConnected.count == 1 })
        // 600 KB: several 256 KiB leaves under a dag-pb root.
        var generator = SystemRandomNumberGenerator()
        let blob = (0..<600_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let cid = try nodes[1].runtime.blockstore.put(bytes: blob, pin: true).root
        #expect(!nodes[0].runtime.blockstore.has(cid))
        let source = PeerBlobSource(local: nodes[0].runtime.blockstore, network: nodes[0].daemon.network)
        // The source blocks its thread (it runs on the node's queue in production).
        let fetched = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try source.bytes(of: cid.description) }) }
        }
        #expect(fetched == blob)
        #expect(nodes[0].runtime.blockstore.has(cid))
        // A CID nobody holds is an error naming it, not a hang.
        let absent = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
        let failure = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Result { try source.bytes(of: absent) }) }
        }
        guard case .failure(let error) = failure else { Issue.record("fetched a blob nobody has"); return }
        #expect("\(error)".contains("not in this node's store"))
        for node in nodes { try await node.stop() }
    }
}
