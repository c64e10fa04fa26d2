import Foundation
import Ledger
@testable import NodeDaemon
import Testing

struct TestnetLayoutTests {
    @Test func aTestnetHasOneValidatorHomePerNodeWithLoopbackPeers() throws {
        let chain = try TestChain(nodes: 4, basePort: 31_000)
        defer { chain.remove() }
        let layout = chain.layout
        #expect(layout.nodes.map(\.name) == ["node-0", "node-1", "node-2", "node-3"])
        #expect(layout.nodes.map(\.p2p.port) == [31_000, 31_002, 31_004, 31_006])
        #expect(layout.nodes.map(\.status.port) == [31_001, 31_003, 31_005, 31_007])
        let setups = try (0..<4).map { try chain.setup($0) }
        let genesis = setups[0].genesis
        #expect(Set(genesis.validators.members) == Set(layout.nodes.map(\.publicKey)))
        #expect(genesis.members.contains { $0.name == "client" && $0.publicKey == layout.client && !$0.roles.contains(.validator) })
        #expect(try TestnetLayout.clientKey(at: chain.directory).publicKey == chain.client.publicKey)
        for (i, setup) in setups.enumerated() {
            #expect(setup.genesis.hash == genesis.hash)
            #expect(setup.name == "node-\(i)")
            #expect(setup.key.publicKey == layout.nodes[i].publicKey)
            #expect(setup.configuration.listen == layout.nodes[i].p2p)
            #expect(setup.configuration.status.isLoopback)
            // Every other node, by its genesis key, at its listen address.
            let others = layout.nodes.filter { $0.name != setup.name }
            #expect(setup.peers == Dictionary(uniqueKeysWithValues: others.map { ($0.publicKey, $0.p2p) }))
            #expect(setup.walURL.path.hasSuffix("node-\(i)/consensus/node-test/wal"))
        }
        #expect(try TestnetLayout.load(at: chain.directory) == layout)
    }

    @Test func aSecondTestnetInTheSameFolderIsRefused() throws {
        let chain = try TestChain(nodes: 1)
        defer { chain.remove() }
        #expect { try TestnetLayout.create(at: chain.directory, nodes: 1) } throws: { "\($0)".contains("already holds a testnet") }
    }

    @Test func peersThatAreNotGenesisValidatorsAreRefusedByName() throws {
        let chain = try TestChain(nodes: 2)
        defer { chain.remove() }
        let setup = try chain.setup(0)
        for (name, words) in [("hospital-z", "no genesis member is named hospital-z"), ("client", "client is not a validator"),
                              ("node-0", "is this node itself")] {
            var configuration = setup.configuration
            configuration.peers[name] = NodeAddress(host: "127.0.0.1", port: 9)
            #expect { try NodeSetup.resolvePeers(configuration, genesis: setup.genesis, me: setup.key.publicKey, path: "node.json") } throws: {
                "\($0)".contains("peers.\(name)") && "\($0)".contains(words)
            }
        }
    }
}
