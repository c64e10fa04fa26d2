import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import Ledger
@testable import PeerNetwork

/// Bad bytes on a link are refused, the link closed, and the node keeps working.
struct PeerFramingTests {
    @Test func aFrameAboveTheLimitClosesTheLinkAndANewLinkWorksAfterwards() async throws {
        let keys = TestPeers.keys(2)
        let (a, b) = (keys[0], keys[1])
        let receiver = try await TestNode.start(b, configuration: TestPeers.configuration(validators: keys, maxMessageBytes: 1024))
        let sender = try await TestNode.start(a, configuration: TestPeers.configuration(
            validators: keys, peers: [b.publicKey: receiver.address], maxMessageBytes: 1 << 20))
        #expect(await TestPeers.eventually { receiver.network.connectedPeers == [a.publicKey] })

        // Within the sender's own limit (1 MiB), above the receiver's (1,024 bytes).
        sender.network.send([UInt8](repeating: 7, count: 2_000), from: a.publicKey, to: b.publicKey)
        #expect(await TestPeers.eventually { receiver.network.statistics.refusals(.oversizedFrame) == 1 })
        #expect(receiver.events.messages(from: a.publicKey).isEmpty)
        #expect(!receiver.log.refusals(.oversizedFrame).isEmpty)
        #expect(await TestPeers.eventually { receiver.events.count(disconnected: a.publicKey) == 1 })

        // The dialer redials; the receiver accepts the new link and takes messages within the limit.
        #expect(await TestPeers.eventually { receiver.events.count(connected: a.publicKey) == 2 && sender.network.connectedPeers == [b.publicKey] })
        sender.network.send(Array("small".utf8), from: a.publicKey, to: b.publicKey)
        #expect(await TestPeers.eventually { receiver.events.messages(from: a.publicKey) == [Array("small".utf8)] })
        try await sender.network.shutdown()
        try await receiver.network.shutdown()
    }

    @Test func aNodeDoesNotSendAMessageAboveItsOwnLimit() async throws {
        let keys = TestPeers.keys(2)
        try await TestNode.withMesh(keys, maxMessageBytes: 1024) { nodes in
            #expect(await TestPeers.eventually { nodes.fullyConnected() })
            nodes[0].network.send([UInt8](repeating: 1, count: 1025), from: nodes[0].publicKey, to: nodes[1].publicKey)
            nodes[0].network.send([UInt8](repeating: 2, count: 1024), from: nodes[0].publicKey, to: nodes[1].publicKey)
            #expect(await TestPeers.eventually { nodes[1].events.messages(from: nodes[0].publicKey).count == 1 })
            #expect(nodes[1].events.messages(from: nodes[0].publicKey) == [[UInt8](repeating: 2, count: 1024)])
            #expect(nodes[1].network.statistics.totalRefusals == 0)
        }
    }

    @Test func garbageInsteadOfTLSIsRefusedAndTheNodeStillAcceptsValidators() async throws {
        let keys = TestPeers.keys(2)
        let server = try await TestNode.start(keys[1], configuration: TestPeers.configuration(validators: keys))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: server.network.boundPort).get()
        var garbage = channel.allocator.buffer(capacity: 64)
        garbage.writeString("GET / HTTP/1.1\r\nHost: medchain\r\n\r\n\u{0}\u{1}\u{2}not tls at all")
        try await channel.writeAndFlush(garbage)
        try await channel.closeFuture.get()  // the server hangs up
        #expect(await TestPeers.eventually { server.network.statistics.refusals(.handshakeFailed) == 1 })
        #expect(!server.log.refusals(.handshakeFailed).isEmpty)
        try await group.shutdownGracefully()

        let client = try await TestNode.start(keys[0], configuration: TestPeers.configuration(
            validators: keys, peers: [keys[1].publicKey: server.address]))
        #expect(await TestPeers.eventually { server.network.connectedPeers == [keys[0].publicKey] })
        try await client.network.shutdown()
        try await server.network.shutdown()
    }

    @Test func aSilentConnectionIsClosedAfterTheHandshakeTimeout() async throws {
        let keys = TestPeers.keys(2)
        var configuration = TestPeers.configuration(validators: keys)
        configuration.handshakeTimeoutMs = 200
        let server = try await TestNode.start(keys[1], configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: server.network.boundPort).get()
        try await channel.closeFuture.get()
        #expect(server.network.statistics.refusals(.handshakeTimeout) == 1)
        try await group.shutdownGracefully()
        try await server.network.shutdown()
    }

    @Test func helloRoundTripsAndMalformedHellosAreRejected() throws {
        let hello = Hello(chainID: "chain-ü", publicKey: TestPeers.key(1).publicKey, name: "hospital-a")
        let bytes = hello.encoded()
        // u8 version, u16 + 8 bytes ("chain-ü" is 8 UTF-8 bytes), 32-byte key, u16 + 10 bytes.
        #expect(bytes.count == 1 + 2 + 8 + 32 + 2 + 10)
        #expect(Array(bytes.prefix(3)) == [1, 0, 8])
        #expect(Hello(payload: ByteBuffer(bytes: bytes)) == hello)
        #expect(Hello(payload: ByteBuffer(bytes: bytes + [0])) == nil)
        #expect(Hello(payload: ByteBuffer(bytes: bytes.dropLast())) == nil)
    }

    @Test func framesCarryABigEndianLengthAndAType() {
        let frame = Frame.encode(.consensus, payload: [9, 8, 7], allocator: ByteBufferAllocator())
        #expect(Array(buffer: frame) == [0, 0, 0, 3, 2, 9, 8, 7])
    }
}

struct ReconnectBackoffTests {
    @Test func delaysDoubleUpToTheCapWithJitterInTheUpperHalf() {
        let backoff = ReconnectBackoff(initialMs: 100, maxMs: 1_000)
        #expect((0..<6).map { backoff.nominalDelay(attempt: $0) } == [100, 200, 400, 800, 1_000, 1_000])
        #expect(backoff.nominalDelay(attempt: 500) == 1_000)
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<8 {
            let nominal = backoff.nominalDelay(attempt: attempt)
            let delay = backoff.delay(attempt: attempt, using: &generator)
            #expect(delay >= nominal / 2 && delay <= nominal)
        }
    }
}
