import Foundation
import Testing
@testable import Ledger
@testable import PeerNetwork

/// A validator with a valid certificate that then breaks the link protocol is refused with
/// the right reason, and the node keeps accepting well-behaved validators.
struct PeerProtocolTests {
    static let keys = TestPeers.keys(3)

    /// A server for `keys`, a raw client playing validator `keys[0]`, and a check.
    static func withServer(keepaliveMs: UInt64 = 30_000,
                           _ body: (_ server: TestNode, _ raw: RawPeer) async throws -> Void) async throws {
        var configuration = TestPeers.configuration(validators: keys)
        configuration.keepaliveIntervalMs = keepaliveMs
        let server = try await TestNode.start(keys[2], configuration: configuration)
        let raw = try await RawPeer(connectingTo: server.network.boundPort, key: keys[0])
        do {
            try await body(server, raw)
        } catch {
            await raw.shutdown()
            try? await server.network.shutdown()
            throw error
        }
        await raw.shutdown()
        try await server.network.shutdown()
    }

    @Test func aHelloNamingAnotherKeyThanTheCertificateIsRefused() async throws {
        try await Self.withServer { server, raw in
            try await raw.sendHello(Hello(chainID: TestPeers.chainID, publicKey: Self.keys[1].publicKey, name: "liar"))
            try await raw.waitForClose()
            #expect(server.network.statistics.refusals(.identityMismatch) == 1)
            #expect(server.network.connectedPeers.isEmpty)
            #expect(server.log.refusals(.identityMismatch).first?.message.contains("the hello names") == true)
        }
    }

    @Test func aHelloOfAnotherProtocolVersionIsRefused() async throws {
        try await Self.withServer { server, raw in
            try await raw.sendHello(Hello(version: 2, chainID: TestPeers.chainID, publicKey: Self.keys[0].publicKey, name: "future"))
            try await raw.waitForClose()
            #expect(server.network.statistics.refusals(.unsupportedVersion) == 1)
        }
    }

    @Test func aConsensusFrameBeforeTheHelloIsRefused() async throws {
        try await Self.withServer { server, raw in
            try await raw.send(type: FrameType.consensus.rawValue, payload: [1, 2, 3])
            try await raw.waitForClose()
            #expect(server.network.statistics.refusals(.protocolViolation) == 1)
            #expect(server.events.events.isEmpty)
        }
    }

    @Test func anUnknownFrameTypeAfterTheHelloClosesTheLink() async throws {
        try await Self.withServer { server, raw in
            try await raw.sendHello(Hello(chainID: TestPeers.chainID, publicKey: Self.keys[0].publicKey, name: "raw"))
            #expect(await TestPeers.eventually { server.network.connectedPeers == [Self.keys[0].publicKey] })
            try await raw.send(type: FrameType.consensus.rawValue, payload: [7])
            try await raw.send(type: 99, payload: [0])
            try await raw.waitForClose()
            #expect(server.events.messages(from: Self.keys[0].publicKey) == [[7]])
            #expect(server.network.statistics.refusals(.protocolViolation) == 1)
            #expect(await TestPeers.eventually { server.events.count(disconnected: Self.keys[0].publicKey) == 1 })
            // A well-behaved validator still gets in.
            let good = try await TestNode.start(Self.keys[1], configuration: TestPeers.configuration(
                validators: Self.keys, peers: [Self.keys[2].publicKey: server.address]))
            #expect(await TestPeers.eventually { server.network.connectedPeers == [Self.keys[1].publicKey] })
            try await good.network.shutdown()
        }
    }

    @Test func aPeerThatStopsAnsweringPingsIsDisconnected() async throws {
        try await Self.withServer(keepaliveMs: 100) { server, raw in
            try await raw.sendHello(Hello(chainID: TestPeers.chainID, publicKey: Self.keys[0].publicKey, name: "mute"))
            #expect(await TestPeers.eventually { server.events.count(connected: Self.keys[0].publicKey) == 1 })
            // The raw peer never answers the server's pings.
            try await raw.waitForClose()
            #expect(server.network.statistics.refusals(.keepaliveTimeout) == 1)
            #expect(server.network.statistics.framesOut >= 2)  // hello and at least one ping
        }
    }
}
