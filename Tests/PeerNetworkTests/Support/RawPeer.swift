import Foundation
import Ledger
import NIOCore
import NIOPosix
import NIOSSL
@testable import PeerNetwork

/// A hand-driven client: completes TLS with a real validator certificate, then writes
/// whatever frames a test wants (or nothing), to play a misbehaving validator.
final class RawPeer {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let channel: Channel

    init(connectingTo port: Int, key: SigningKey, chainID: String = TestPeers.chainID) async throws {
        let identity = try NodeCertificate(key: key, chainID: chainID, lifetimeSeconds: 3600)
        let context = try NIOSSLContext(configuration: PeerNetwork.tlsConfiguration(identity, server: false))
        channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // This client trusts any server: it is the server's checks under test.
                    let tls = try NIOSSLClientHandler(context: context, serverHostname: nil,
                                                      customVerificationCallback: { _, promise in promise.succeed(.certificateVerified) })
                    try channel.pipeline.syncOperations.addHandler(tls)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// Writes `u32 length ‖ u8 type ‖ payload` with any type byte.
    func send(type: UInt8, payload: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: payload.count + 5)
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeInteger(type)
        buffer.writeBytes(payload)
        try await channel.writeAndFlush(buffer)
    }

    func sendHello(_ hello: Hello) async throws {
        try await send(type: FrameType.hello.rawValue, payload: hello.encoded())
    }

    /// Waits until the server hangs up.
    func waitForClose() async throws {
        try await channel.closeFuture.get()
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}
