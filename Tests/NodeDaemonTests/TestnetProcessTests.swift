import Foundation
import Ledger
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
