import Consensus
import Foundation
import Ledger
@testable import NodeDaemon
import Testing

/// Runtimes in one process over `InProcessPeers`: the real ledger, consensus engine, log and
/// serial queue, with wall-clock timers.
@Suite(.serialized)
struct NodeRuntimeTests {
    static func start(_ chain: TestChain, peers: InProcessPeers, indices: Range<Int>) async throws -> [NodeRuntime] {
        var runtimes: [NodeRuntime] = []
        for i in indices {
            let runtime = try NodeRuntime(setup: try chain.setup(i), transport: peers)
            runtime.attach(NodeRuntime.PeerView(connected: { peers.connected.filter { $0 != runtime.setup.key.publicKey } }))
            peers.attach(runtime)
            runtimes.append(runtime)
        }
        for runtime in runtimes { await runtime.start() }
        return runtimes
    }

    static func blockID(_ runtime: NodeRuntime, at height: UInt64) -> Hash256? {
        (try? runtime.store.committedBlock(at: height))?.block.id
    }

    @Test func aSingleValidatorCommitsAnAdmittedTransactionAndReportsIt() async throws {
        var chain = try TestChain(nodes: 1)
        defer { chain.remove() }
        let peers = InProcessPeers()
        let runtime = try await Self.start(chain, peers: peers, indices: 0..<1)[0]
        let tx = chain.transaction()
        #expect(await runtime.submit(tx.bytes) == .admitted(hash: tx.hash.hex))
        let again = await runtime.submit(tx.bytes)
        let state = await runtime.transactionState(tx.hash)
        // A second copy is a duplicate while waiting, or a replayed nonce once committed.
        #expect(again == .duplicate(hash: tx.hash.hex) || state != .pending)
        #expect(await eventually { if case .committed = await runtime.transactionState(tx.hash) { true } else { false } })
        guard case .committed(let height, let index) = await runtime.transactionState(tx.hash) else { return }
        #expect(index == 0)
        let batch = await runtime.commits(after: height - 1)
        #expect(batch.blocks.first?.transactions.contains(tx.hash.hex) == true)
        #expect(batch.blocks.first?.proposer == "node-0")

        let status = await runtime.status()
        #expect(status.name == "node-0")
        #expect(status.chainID == "node-test")
        #expect(status.height >= height)
        #expect(status.validators == 1)
        #expect(status.lastBlockHash == Self.blockID(runtime, at: status.height)?.hex)
        let metrics = await runtime.metricsSnapshot()
        #expect(metrics.transactionsAdmitted == 1)
        #expect(metrics.transactionsCommitted >= 1)
        #expect(metrics.commits >= height)
        await runtime.stop()
    }

    @Test func malformedOrForgedTransactionsAreRefusedAndChangeNothing() async throws {
        var chain = try TestChain(nodes: 1)
        defer { chain.remove() }
        let runtime = try await Self.start(chain, peers: InProcessPeers(), indices: 0..<1)[0]
        let good = chain.transaction()
        var forged = good.bytes
        forged[forged.count - 1] ^= 1                       // last signature byte
        var trailing = good.bytes
        trailing.append(0)
        for (bytes, reason) in [([UInt8]([1, 2, 3]), "malformed"), (forged, "bad-signature"), (trailing, "malformed"),
                                ([UInt8](repeating: 0, count: 70_000), "oversized")] {
            guard case .refused(let code, let message) = await runtime.submit(bytes) else {
                Issue.record("accepted \(reason) bytes")
                continue
            }
            #expect(code == reason, "\(message)")
            #expect(!message.contains("\n"))
        }
        #expect(await runtime.status().mempoolSize == 0)
        // The node still works: the genuine transaction commits.
        #expect(await runtime.submit(good.bytes) == .admitted(hash: good.hash.hex))
        #expect(await eventually { if case .committed = await runtime.transactionState(good.hash) { true } else { false } })
        let metrics = await runtime.metricsSnapshot()
        #expect(metrics.transactionsRefused == ["malformed": 2, "bad-signature": 1, "oversized": 1])
        await runtime.stop()
    }

    @Test func aLongPollReturnsWhenTheNextBlockCommits() async throws {
        var chain = try TestChain(nodes: 1)
        defer { chain.remove() }
        let runtime = try await Self.start(chain, peers: InProcessPeers(), indices: 0..<1)[0]
        let tip = await runtime.status().height
        async let waited = runtime.commits(after: tip + 5, waitMs: 200)
        #expect(await waited.blocks.isEmpty)                   // nothing that high yet: times out empty
        let tx = chain.transaction()
        _ = await runtime.submit(tx.bytes)
        let batch = await runtime.commits(after: tip, waitMs: 20_000)
        #expect(!batch.blocks.isEmpty)
        #expect(batch.blocks.allSatisfy { $0.height > tip })
        await runtime.stop()
    }

    @Test(.timeLimit(.minutes(1))) func cancellingALongPollEndsItAtOnce() async throws {
        let chain = try TestChain(nodes: 1)
        defer { chain.remove() }
        let runtime = try await Self.start(chain, peers: InProcessPeers(), indices: 0..<1)[0]
        let far = await runtime.status().height + 1_000_000
        // Ten minutes unless cancelled (the time limit fails the test otherwise).
        let poll = Task { await runtime.commits(after: far, waitMs: 600_000) }
        try await Task.sleep(for: .milliseconds(100))
        poll.cancel()
        #expect(await poll.value.blocks.isEmpty)
        await runtime.stop()
    }

    @Test func fourRuntimesCommitTheSameBlocksAndARestartedOneCatchesUp() async throws {
        var chain = try TestChain(nodes: 4)
        defer { chain.remove() }
        let peers = InProcessPeers()
        var runtimes = try await Self.start(chain, peers: peers, indices: 0..<4)
        var hashes: [Hash256] = []
        for i in 0..<20 {
            let tx = chain.transaction()
            hashes.append(tx.hash)
            #expect(await runtimes[i % 4].submit(tx.bytes) == .admitted(hash: tx.hash.hex))
        }
        let allCommitted = await eventually {
            for runtime in runtimes { for hash in hashes { if case .committed = await runtime.transactionState(hash) {} else { return false } } }
            return true
        }
        #expect(allCommitted)

        // node-3 stops (its files stay); the other three go on committing.
        await runtimes[3].stop()
        peers.detach(runtimes[3].setup.key.publicKey)
        let stoppedAt = await runtimes[3].status().height
        var later: [Hash256] = []
        for _ in 0..<10 {
            let tx = chain.transaction()
            later.append(tx.hash)
            _ = await runtimes[0].submit(tx.bytes)
        }
        #expect(await eventually {
            for hash in later { if case .committed = await runtimes[0].transactionState(hash) {} else { return false } }
            return true
        })
        let target = await runtimes[0].status().height
        #expect(target > stoppedAt)

        // Restarted from its home, it replays its log and syncs the missing blocks.
        runtimes[3] = try NodeRuntime(setup: try chain.setup(3), transport: peers)
        peers.attach(runtimes[3])
        await runtimes[3].start()
        let restarted = runtimes[3]
        #expect(await eventually { await restarted.status().height >= target })
        for height in 1...target {
            let reference = Self.blockID(runtimes[0], at: height)
            #expect(reference != nil)
            for runtime in runtimes.dropFirst() { #expect(Self.blockID(runtime, at: height) == reference, "height \(height)") }
        }
        for runtime in runtimes { await runtime.stop() }
    }
}
