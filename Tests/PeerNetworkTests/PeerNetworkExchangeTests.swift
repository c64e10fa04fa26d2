import Foundation
import NIOCore
import NIOPosix
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

struct PeerNetworkStatisticsTests {
    @Test func prometheusTextListsEveryCounterAndEveryRefusalReason() {
        var statistics = PeerNetworkStatistics()
        statistics.framesIn = 12
        statistics.refusals[.unknownPeer] = 2
        let text = statistics.prometheusText(connectedPeers: 3)
        #expect(text.contains("# TYPE medchain_network_frames_in_total counter\nmedchain_network_frames_in_total 12\n"))
        #expect(text.contains("medchain_network_refusals_total{reason=\"unknown_peer\"} 2\n"))
        #expect(text.contains("medchain_network_refusals_total{reason=\"oversized_frame\"} 0\n"))
        #expect(text.contains("medchain_network_connected_peers 3\n"))
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(samples.count == 9 + RefusalReason.allCases.count + 1)
    }
}

struct PeerKeepaliveTests {
    @Test func anIdleLinkStaysUpOnPingsAndPongs() async throws {
        let keys = TestPeers.keys(2)
        var configuration = TestPeers.configuration(validators: keys)
        configuration.keepaliveIntervalMs = 1_000
        let listener = try await TestNode.start(keys[1], configuration: configuration)
        configuration.peers = [keys[1].publicKey: listener.address]
        let dialer = try await TestNode.start(keys[0], configuration: configuration)
        #expect(await TestPeers.eventually { dialer.network.connectedPeers == [keys[1].publicKey] })
        let before = listener.network.statistics.framesIn
        // Idle intervals pass: pings and pongs flow both ways, and no side times out.
        #expect(await TestPeers.eventually { listener.network.statistics.framesIn >= before + 3 && dialer.network.statistics.framesIn >= 3 })
        #expect(listener.events.count(disconnected: keys[0].publicKey) == 0)
        #expect(listener.network.statistics.refusals(.keepaliveTimeout) == 0)
        try await dialer.network.shutdown()
        try await listener.network.shutdown()
    }
}

struct PeerConnectionLimitTests {
    @Test func connectionsBeyondThePendingLimitAreClosedAndCounted() async throws {
        let keys = TestPeers.keys(2)
        var configuration = TestPeers.configuration(validators: keys)
        configuration.maxPendingConnections = 2
        let server = try await TestNode.start(keys[1], configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var idle: [Channel] = []
        for _ in 0..<3 {
            idle.append(try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: server.network.boundPort).get())
        }
        try await idle[2].closeFuture.get()  // the third is closed at once
        #expect(server.network.statistics.refusals(.tooManyPendingConnections) == 1)
        #expect(idle[0].isActive && idle[1].isActive)
        for channel in idle { try? await channel.close() }
        try await group.shutdownGracefully()
        try await server.network.shutdown()
    }
}

struct PeerNetworkBenchmarkTests {
    @Test func aSmallBenchmarkRunDeliversEveryMessageAndBlob() async throws {
        let result = try await PeerNetworkBenchmark(nodes: 3, messagesPerNode: 50, messageBytes: 100, blobs: 3, blobBytes: 10_000).run()
        #expect(result.messages == 3 * 2 * 50)
        #expect(result.blobs == 3 && result.blobBytes == 10_000)
        #expect(result.messagesPerSecond > 0 && result.fetchMegabytesPerSecond > 0)
    }
}
