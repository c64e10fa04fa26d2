import Foundation
import Testing
@testable import Ledger
@testable import PeerNetwork

/// Links come back by themselves after either side restarts.
struct PeerReconnectTests {
    @Test func theDialerReconnectsAfterTheListeningPeerRestartsOnTheSamePort() async throws {
        let keys = TestPeers.keys(2)
        let (a, b) = (keys[0], keys[1])
        var listener = try await TestNode.start(b, configuration: TestPeers.configuration(validators: keys))
        let address = listener.address
        let dialer = try await TestNode.start(a, configuration: TestPeers.configuration(validators: keys, peers: [b.publicKey: address]))
        #expect(await TestPeers.eventually { dialer.network.connectedPeers == [b.publicKey] })

        try await listener.network.shutdown()
        #expect(await TestPeers.eventually { dialer.events.count(disconnected: b.publicKey) == 1 && dialer.network.connectedPeers.isEmpty })
        // Let a few redials fail while the peer is down.
        #expect(await TestPeers.eventually { dialer.network.statistics.dials >= 3 })

        listener = try await TestNode.start(b, configuration: TestPeers.configuration(validators: keys, listen: address))
        #expect(await TestPeers.eventually { dialer.network.connectedPeers == [b.publicKey] && dialer.events.count(connected: b.publicKey) == 2 })
        dialer.network.send([42], from: a.publicKey, to: b.publicKey)
        #expect(await TestPeers.eventually { listener.events.messages(from: a.publicKey) == [[42]] })
        try await dialer.network.shutdown()
        try await listener.network.shutdown()
    }

    @Test func aRestartedDialerConnectsAgain() async throws {
        let keys = TestPeers.keys(2)
        let (a, b) = (keys[0], keys[1])
        let listener = try await TestNode.start(b, configuration: TestPeers.configuration(validators: keys))
        let configuration = TestPeers.configuration(validators: keys, peers: [b.publicKey: listener.address])
        let first = try await TestNode.start(a, configuration: configuration)
        #expect(await TestPeers.eventually { listener.network.connectedPeers == [a.publicKey] })
        try await first.network.shutdown()
        #expect(await TestPeers.eventually { listener.network.connectedPeers.isEmpty })

        let second = try await TestNode.start(a, configuration: configuration)
        #expect(await TestPeers.eventually { listener.network.connectedPeers == [a.publicKey] && listener.events.count(connected: a.publicKey) == 2 })
        listener.network.send([1], from: b.publicKey, to: a.publicKey)
        #expect(await TestPeers.eventually { second.events.messages(from: b.publicKey) == [[1]] })
        try await second.network.shutdown()
        try await listener.network.shutdown()
    }
}
