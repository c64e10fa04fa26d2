import Ledger
import NIOCore
import NIOSSL
import NIOTLS

/// The top of one link's pipeline (TLS → idle detection → frame decoder → this handler).
///
/// A link is *established* once TLS succeeded with a certificate `PeerCertificateVerifier`
/// accepted and the peer's hello named this chain, a supported version and the key its
/// certificate proved. Before that only a hello may arrive. Any refusal is counted once per
/// link, logged, and closes the link; the node itself keeps running.
final class PeerLinkHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private let network: PeerNetwork
    /// The validator this node dialed (nil for an incoming link).
    let expected: PublicKey?
    /// The key the certificate proved, once TLS verification accepted it.
    private var certified: PublicKey?
    /// The peer, once the hello arrived.
    private(set) var peer: PublicKey?
    /// One refusal per link: the first reason found is the one reported.
    private var refused = false
    private var handshakeTimer: Scheduled<Void>?
    private var remote = "?"

    init(network: PeerNetwork, expected: PublicKey?) {
        self.network = network
        self.expected = expected
    }

    /// Called by the TLS verification callback (on the channel's event loop).
    func certificateChecked(_ outcome: PeerCertificateVerifier.Outcome, remote address: String) {
        switch outcome {
        case .accepted(let key): certified = key
        case .refused(let reason, let detail):
            refused = true
            network.recordRefusal(reason, remote: address, detail: detail)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        remote = context.channel.remoteAddress.map { "\($0)" } ?? "?"
        let channel = context.channel
        let network = network
        let remote = remote
        handshakeTimer = context.eventLoop.scheduleTask(in: .milliseconds(Int64(network.configuration.handshakeTimeoutMs))) {
            network.recordRefusal(.handshakeTimeout, remote: remote,
                                  detail: "no TLS handshake and hello within \(network.configuration.handshakeTimeoutMs) ms")
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        network.linkClosed(context.channel, peer: peer)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            let hello = Hello(chainID: network.configuration.chainID, publicKey: network.key.publicKey, name: network.name)
            write(.hello, payload: hello.encoded(), context: context)
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, peer != nil {
            switch idle {
            case .write:
                write(.ping, payload: [], context: context)
            case .read:
                refuse(.keepaliveTimeout, "nothing received for three keepalive intervals", context: context)
            case .all:
                break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let peer else {
            establish(frame, context: context)
            return
        }
        network.countIn(bytes: frame.payload.readableBytes)
        switch frame.type {
        case .hello:
            refuse(.protocolViolation, "a second hello", context: context)
        case .consensus:
            network.deliver(Array(buffer: frame.payload), from: peer)
        case .contentRequest:
            network.serveContent(request: frame.payload, from: peer, on: context.channel)
        case .contentResponse:
            network.completeFetch(response: frame.payload, from: peer)
        case .ping:
            write(.pong, payload: [], context: context)
        case .pong:
            break
        }
    }

    private func establish(_ frame: Frame, context: ChannelHandlerContext) {
        guard frame.type == .hello else {
            refuse(.protocolViolation, "a \(frame.type) frame before the hello", context: context)
            return
        }
        guard let certified else {
            refuse(.protocolViolation, "a hello before the TLS handshake finished", context: context)
            return
        }
        guard let hello = Hello(payload: frame.payload) else {
            refuse(.protocolViolation, "a malformed hello", context: context)
            return
        }
        guard hello.version == Hello.currentVersion else {
            refuse(.unsupportedVersion, "protocol version \(hello.version), this node speaks \(Hello.currentVersion)", context: context)
            return
        }
        guard hello.chainID == network.configuration.chainID else {
            refuse(.wrongChain, "the peer is on chain \"\(hello.chainID)\", this node on \"\(network.configuration.chainID)\"", context: context)
            return
        }
        guard hello.publicKey == certified else {
            refuse(.identityMismatch, "the hello names \(hello.publicKey.shortHex)… but the certificate proved \(certified.shortHex)…",
                   context: context)
            return
        }
        handshakeTimer?.cancel()
        handshakeTimer = nil
        peer = certified
        network.countIn(bytes: frame.payload.readableBytes)
        let version = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).flatMap { $0 }
        network.linkEstablished(context.channel, peer: certified, name: hello.name, dialed: expected != nil,
                                tlsVersion: version.map(Self.name(of:)) ?? "unknown")
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch error {
        case let frameError as FrameError:
            switch frameError {
            case .oversized: refuse(.oversizedFrame, "\(frameError)", context: context)
            case .unknownType: refuse(.protocolViolation, "\(frameError)", context: context)
            }
        case is NIOSSLError where peer == nil, is BoringSSLError where peer == nil:
            refuse(.handshakeFailed, "\(error)", context: context)
        case is ByteToMessageDecoderError:
            break  // bytes after a refused frame; the link is closing already
        default:
            network.logLinkError(error, remote: remote, peer: peer)
        }
        context.close(promise: nil)
    }

    static func name(of version: TLSVersion) -> String {
        switch version {
        case .tlsv13: "TLSv1.3"
        case .tlsv12: "TLSv1.2"
        case .tlsv11: "TLSv1.1"
        case .tlsv1: "TLSv1"
        }
    }

    /// Counts and logs the refusal (once per link) and closes the link.
    private func refuse(_ reason: RefusalReason, _ detail: String, context: ChannelHandlerContext) {
        if !refused {
            refused = true
            network.recordRefusal(reason, remote: remote, peer: peer ?? certified, detail: detail)
        }
        context.close(promise: nil)
    }

    private func write(_ type: FrameType, payload: [UInt8], context: ChannelHandlerContext) {
        network.countOut(bytes: payload.count)
        context.writeAndFlush(wrapOutboundOut(Frame.encode(type, payload: payload, allocator: context.channel.allocator)), promise: nil)
    }
}
