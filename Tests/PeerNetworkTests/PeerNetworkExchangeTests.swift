import Foundation
import Testing
@testable import Ledger
@testable import PeerNetwork

/// Real TLS links on loopback carry messages both ways.
struct PeerNetworkExchangeTests {
    @Test func twoValidatorsConnectOverMutualTLSAndExchangeMessagesBothWays() async throws {
        let keys = TestPeers.keys(2)
        try await TestNode.withMesh(keys) { nodes in
        let (a, b) = (nodes[0], nodes[1])
        #expect(await TestPeers.eventually { nodes.fullyConnected() })

        let ping: [UInt8] = Array("hello from a".utf8)
        let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        a.network.send(ping, from: a.publicKey, to: b.publicKey)
        b.network.send(big, from: b.publicKey, to: a.publicKey)
        #expect(await TestPeers.eventually { b.events.messages(from: a.publicKey).count == 1 && a.events.messages(from: b.publicKey).count == 1 })
        #expect(b.events.messages(from: a.publicKey) == [ping])
        #expect(a.events.messages(from: b.publicKey) == [big])
        #expect(b.events.count(connected: a.publicKey) == 1)
        // TLS 1.3 (the only version allowed), one outbound and one inbound end.
        let (outbound, inbound) = (try #require(a.network.links.first), try #require(b.network.links.first))
        #expect(outbound.tlsVersion == "TLSv1.3" && inbound.tlsVersion == "TLSv1.3")
        #expect(outbound.peer == b.publicKey && outbound.outbound && !inbound.outbound && inbound.peer == a.publicKey)
        #expect(a.network.statistics.totalRefusals == 0 && b.network.statistics.totalRefusals == 0)
        // Hello + one message out; bytes include the 5-byte frame headers.
        let sent = a.network.statistics
        #expect(sent.framesOut >= 2)
        #expect(sent.bytesOut >= UInt64(ping.count + 5))
        #expect(b.network.statistics.bytesOut >= UInt64(big.count + 5))
        // The dialer is the smaller key.
        #expect(a.network.statistics.dials >= 1 && b.network.statistics.dials == 0)
        }
    }

    @Test func fourValidatorsFormAFullMeshAndEveryPairExchangesMessages() async throws {
        let keys = TestPeers.keys(4)
        try await TestNode.withMesh(keys) { nodes in
        #expect(await TestPeers.eventually { nodes.fullyConnected() })
        for sender in nodes {
            for receiver in nodes where receiver.publicKey != sender.publicKey {
                sender.network.send(Array("\(sender.publicKey.shortHex)->\(receiver.publicKey.shortHex)".utf8),
                                    from: sender.publicKey, to: receiver.publicKey)
            }
        }
        #expect(await TestPeers.eventually {
            nodes.allSatisfy { receiver in
                nodes.allSatisfy { sender in sender.publicKey == receiver.publicKey || receiver.events.messages(from: sender.publicKey).count == 1 }
            }
        })
        for receiver in nodes {
            for sender in nodes where sender.publicKey != receiver.publicKey {
                #expect(receiver.events.messages(from: sender.publicKey) == [Array("\(sender.publicKey.shortHex)->\(receiver.publicKey.shortHex)".utf8)])
            }
        }
        }
    }

    @Test func messagesToAPeerWithoutALinkAreDroppedAndCounted() async throws {
        let keys = TestPeers.keys(2)
        let lonely = try await TestNode.start(keys[0], configuration: TestPeers.configuration(validators: keys))
        lonely.network.send([1, 2, 3], from: keys[0].publicKey, to: keys[1].publicKey)
        #expect(lonely.network.statistics.droppedNotConnected == 1)
        #expect(lonely.network.connectedPeers.isEmpty)
        try await lonely.network.shutdown()
    }

    @Test func shutdownIsIdempotentAndFetchAfterItFails() async throws {
        let keys = TestPeers.keys(2)
        let node = try await TestNode.start(keys[0], configuration: TestPeers.configuration(validators: keys))
        #expect(node.network.boundPort > 0)
        try await node.network.shutdown()
        try await node.network.shutdown()
        await #expect(throws: PeerNetworkError.self) {
            _ = try await node.network.fetch(cid: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", from: keys[1].publicKey)
        }
        await #expect(throws: PeerNetworkError.self) { try await node.network.start() }
    }

    @Test func aKeyOutsideTheValidatorsCannotMakeANetwork() {
        let keys = TestPeers.keys(2)
        #expect(throws: PeerNetworkError.self) {
            _ = try PeerNetwork(key: TestPeers.key(99), name: "x", configuration: TestPeers.configuration(validators: keys),
                                logger: CapturingLog().logger(), handler: { _ in })
        }
    }
}
