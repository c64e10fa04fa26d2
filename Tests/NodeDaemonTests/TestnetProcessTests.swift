import Federation
import Foundation
import Ledger
import Synchronization
@testable import NodeDaemon
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Real `medchain node` processes (the executable `swift build` puts next to the test bundle):
/// kill -9 one of four mid-load, the other three keep committing, and the restarted one
/// catches up to the same blocks. (`scripts/testnet-kill.sh` also kills two of four.)
@Suite(.serialized)
struct TestnetProcessTests {
    /// `.build/<configuration>/medchain`, beside this test bundle's resources.
    static let executable: URL? = {
        let candidate = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("medchain")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }()

    static func status(_ node: TestnetLayout.Node) async -> NodeStatus? {
        try? await StatusClient.withConnection(host: node.status.host, port: node.status.port) {
            try await $0.get("/status", as: NodeStatus.self)
        }
    }

    static func blockHash(_ node: TestnetLayout.Node, at height: UInt64) async -> String? {
        struct Block: Decodable { var hash: String }
        return try? await StatusClient.withConnection(host: node.status.host, port: node.status.port) {
            try await $0.get("/blocks/\(height)", as: Block.self).hash
        }
    }

    @Test(.enabled(if: executable != nil, "no medchain executable next to the test bundle: run `swift build` first to include the multi-process kill -9 test"))
    func killingOneOfFourProcessesLetsTheOthersCommitAndItCatchesUpAfterARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medchain-processes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let layout = try TestnetLayout.create(at: directory, nodes: 4,
                                              options: TestnetLayout.Options(basePort: 26_000 + Int.random(in: 0..<370) * 16))  // below the ephemeral ports
        let client = try TestnetLayout.clientKey(at: directory)
        let supervisor = TestnetSupervisor(layout: layout, executable: try #require(Self.executable))
        try supervisor.startAll()
        defer { supervisor.stopAll() }
        #expect(await eventually(60) {
            for node in layout.nodes { guard let s = await Self.status(node), s.peersConnected.count == 3 else { return false } }
            return true
        })
        _ = try await TestnetLoad.submit(layout: layout, client: client, node: layout.nodes[0], count: 10, waitSeconds: 60)

        // kill -9 node-3 while its peers are busy.
        let victim = try #require(supervisor.processIDs["node-3"])
        async let load = TestnetLoad.submit(layout: layout, client: client, node: layout.nodes[1], count: 20, waitSeconds: 60)
        try await Task.sleep(for: .milliseconds(200))
        kill(victim, SIGKILL)
        let committed = try await load
        #expect(committed.allSatisfy { $0.height != nil })
        let before = await Self.status(layout.nodes[0])?.height ?? 0
        _ = try await TestnetLoad.submit(layout: layout, client: client, node: layout.nodes[2], count: 10, waitSeconds: 60)
        let target = try #require(await Self.status(layout.nodes[0])?.height)
        #expect(target > before)
        #expect(await Self.status(layout.nodes[3]) == nil)      // really down

        try supervisor.start("node-3")
        #expect(await eventually(90) { (await Self.status(layout.nodes[3])?.height ?? 0) >= target })
        for height in 1...target {
            let reference = await Self.blockHash(layout.nodes[0], at: height)
            #expect(reference != nil)
            for node in layout.nodes.dropFirst() { #expect(await Self.blockHash(node, at: height) == reference, "\(node.name) at \(height)") }
        }
    }
}

extension TestnetProcessTests {
    /// The bundled PneumoniaMNIST subset, from this file's place in the repository.
    static let pneumonia = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/pneumoniamnist-balanced.npz").path

    @Test(.enabled(if: executable != nil, "no medchain executable next to the test bundle: run `swift build` first to include the multi-process federated task"))
    func fourNodeProcessesRunAFederatedTaskFromTheirOwnSharesAndEveryChainVerifies() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medchain-task-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let layout = try TestnetLayout.create(at: directory, nodes: 4,
                                              options: TestnetLayout.Options(basePort: 26_000 + Int.random(in: 0..<370) * 16))
        var demo = DemoConfiguration()
        demo.dataPath = Self.pneumonia
        demo.rounds = 2
        demo.serverOptimizer = .fedAvg(learningRate: 1)
        let (config, shares) = try TestnetTask.prepare(layout: layout, demo: demo)
        #expect(shares.map(\.train).reduce(0, +) > 0 && shares.count == 4)
        // Each node's share file loads back to the partition's examples.
        let reloaded = try ParticipantData.load(#require(NodeConfiguration.load(home: URL(fileURLWithPath: layout.nodes[1].home)).participant),
                                               home: URL(fileURLWithPath: layout.nodes[1].home))
        #expect(reloaded.train.count == shares[1].train && reloaded.train.labelCounts == shares[1].labelCounts)

        let client = try TestnetLayout.clientKey(at: directory)
        let supervisor = TestnetSupervisor(layout: layout, executable: try #require(Self.executable))
        let rounds = Mutex<[FederationView.Aggregate]>([])
        try supervisor.startAll()
        defer { supervisor.stopAll() }
        let (task, height) = try await TestnetTask.publishAndFollow(layout: layout, client: client, config: config, timeoutSeconds: 300,
                                                                    progress: { _ in }, round: { a in rounds.withLock { $0.append(a) } })
        supervisor.stopAll()
        #expect(task.finished && task.aggregates.count == 2)
        #expect(rounds.withLock { $0.map(\.round) } == [1, 2])
        #expect(task.aggregates.allSatisfy { $0.accepted.count == 4 })
        #expect(height >= 4)   // registrations, the task, two rounds of updates and aggregates
        for node in layout.nodes {
            let (store, genesis) = try NodeHome(node.home).openStore()
            var verifier = ChainVerifier(store: store, genesis: genesis)
            verifier.domainValidators = [AggregateVerifier(blobs: try NodeHomeDiscovery.blobSource(for: node.home))]
            #expect(try verifier.verify().ok, "\(node.home)")
        }
    }
}
