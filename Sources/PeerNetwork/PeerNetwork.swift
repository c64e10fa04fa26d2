import Consensus
import ContentStore
import Dispatch
import Foundation
import Ledger
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import X509

/// Authenticated, encrypted links between validators: the `ConsensusTransport` of a node
/// daemon, plus fetch-by-CID of content-store blocks.
///
/// Every link is TLS 1.3 with mutual authentication. Each node presents a self-signed
/// certificate whose key is its Ed25519 ledger key (`NodeCertificate`); a peer is accepted
/// only if that key is a genesis validator (`PeerCertificateVerifier`), and, when dialing,
/// only if it is the validator dialed. After TLS each side sends a hello naming the protocol
/// version, the chain and its key. Then frames flow: consensus messages, content requests
/// and responses, keepalive pings.
///
/// ```swift
/// let network = try PeerNetwork(key: key, name: "hospital-a", configuration: configuration,
///                               logger: logger) { event in driver.handle(event) }
/// try await network.start()
/// network.send(bytes, from: key.publicKey, to: peer)        // best effort
/// let block = try await network.fetch(cid: "bafk…", from: peer)  // checked against the CID
/// try await network.shutdown()
/// ```
///
/// Links are dialed by the smaller key (see `PeerNetworkConfiguration`), which redials with
/// exponential backoff and jitter after any failure. `handler` is called on a network
/// thread, in order per link.
///
/// Thread safety: every method may be called from any thread; mutable state lives in one
/// lock-protected value, and channels are thread-safe.
public final class PeerNetwork: ConsensusTransport, Sendable {
    public let key: SigningKey
    public let name: String
    public let configuration: PeerNetworkConfiguration
    /// The certificate this node presents.
    public let identity: NodeCertificate
    let logger: Logger
    let handler: @Sendable (PeerEvent) -> Void
    let verifier: PeerCertificateVerifier
    let backoff: ReconnectBackoff
    private let group: MultiThreadedEventLoopGroup
    private let serverContext: NIOSSLContext
    private let clientContext: NIOSSLContext
    private let state = NIOLockedValueBox(State())

    private enum Phase { case idle, running, stopped }

    /// An authenticated link.
    struct Link {
        var channel: Channel
        var info: PeerLinkInfo
        var writer: FlushCoalescer
    }

    struct PendingFetch {
        var cid: CID
        var text: String
        var peer: PublicKey
        var continuation: CheckedContinuation<[UInt8], Error>
        var timeout: Scheduled<Void>?
    }

    private struct State {
        var phase = Phase.idle
        var serverChannel: Channel?
        var boundPort = 0
        var links: [PublicKey: Link] = [:]
        /// Every open channel, authenticated or not, so shutdown can close them.
        var channels: [ObjectIdentifier: Channel] = [:]
        /// Peers with a dial in flight or a dialed channel open.
        var dialing: Set<PublicKey> = []
        var attempts: [PublicKey: Int] = [:]
        var fetches: [UInt64: PendingFetch] = [:]
        var nextRequestID: UInt64 = 1
        var statistics = PeerNetworkStatistics()
        var contentProvider: (@Sendable (String) -> [UInt8]?)?
        var random = SystemRandomNumberGenerator()
    }

    /// Makes the network (nothing is bound or dialed until `start()`).
    ///
    /// - Parameters:
    ///   - key: the node's ledger key; its certificate is issued from it.
    ///   - name: the node's name, sent in the hello and used in logs.
    ///   - handler: receives messages and link changes, on a network thread.
    /// - Throws: `PeerNetworkError.notAValidator` if `key` is not in
    ///   `configuration.validators`; `.certificate` if the certificate cannot be made.
    public convenience init(key: SigningKey, name: String, configuration: PeerNetworkConfiguration, logger: Logger,
                            handler: @escaping @Sendable (PeerEvent) -> Void) throws {
        try self.init(key: key, name: name, configuration: configuration, logger: logger, identity: nil, handler: handler)
    }

    /// As above, presenting `identity` instead of a freshly issued certificate (tests use it
    /// to present expired or lying certificates).
    init(key: SigningKey, name: String, configuration: PeerNetworkConfiguration, logger: Logger,
         identity: NodeCertificate?, handler: @escaping @Sendable (PeerEvent) -> Void) throws {
        guard configuration.validators.contains(key.publicKey) else {
            throw PeerNetworkError.notAValidator(key.publicKey)
        }
        self.key = key
        self.name = name
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "node"] = "\(name)"
        self.logger = logger
        self.handler = handler
        let identity = try identity ?? NodeCertificate(key: key, chainID: configuration.chainID,
                                                       lifetimeSeconds: configuration.certificateLifetimeSeconds)
        self.identity = identity
        verifier = PeerCertificateVerifier(validators: configuration.validators)
        backoff = ReconnectBackoff(initialMs: configuration.reconnectInitialMs, maxMs: configuration.reconnectMaxMs)
        do {
            serverContext = try NIOSSLContext(configuration: Self.tlsConfiguration(identity, server: true))
            clientContext = try NIOSSLContext(configuration: Self.tlsConfiguration(identity, server: false))
        } catch {
            throw PeerNetworkError.certificate("BoringSSL refused the node certificate or key: \(error)")
        }
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// TLS 1.3 only, Ed25519 signatures only, a certificate required from both sides (checked
    /// by `PeerCertificateVerifier`, which replaces BoringSSL's chain verification: there is no
    /// CA, the genesis validator set is the trust anchor).
    static func tlsConfiguration(_ identity: NodeCertificate, server: Bool) -> TLSConfiguration {
        var tls = server
            ? TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(identity.sslCertificate)],
                                                       privateKey: .privateKey(identity.sslKey))
            : TLSConfiguration.makeClientConfiguration()
        if !server {
            tls.certificateChain = [.certificate(identity.sslCertificate)]
            tls.privateKey = .privateKey(identity.sslKey)
        }
        tls.minimumTLSVersion = .tlsv13
        tls.maximumTLSVersion = .tlsv13
        tls.certificateVerification = .noHostnameVerification
        tls.signingSignatureAlgorithms = [.ed25519]
        tls.verifySignatureAlgorithms = [.ed25519]
        return tls
    }

    // MARK: Lifecycle

    /// Binds the listener and starts dialing the peers this node dials.
    ///
    /// - Throws: `.alreadyStarted`, or `.cannotListen` when the address cannot be bound.
    public func start() async throws {
        try state.withLockedValue { state in
            guard state.phase == .idle else { throw PeerNetworkError.alreadyStarted }
            state.phase = .running
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: waterMark)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel, expected: nil) }
            }
        let server: Channel
        do {
            server = try await bootstrap.bind(host: configuration.listen.host, port: configuration.listen.port).get()
        } catch {
            state.withLockedValue { $0.phase = .stopped }
            try? await group.shutdownGracefully()
            throw PeerNetworkError.cannotListen(configuration.listen, reason: "\(error)")
        }
        let port = server.localAddress?.port ?? configuration.listen.port
        let stillRunning = state.withLockedValue { state in
            guard state.phase == .running else { return false }
            state.serverChannel = server
            state.boundPort = port
            return true
        }
        guard stillRunning else {  // shut down while binding
            try? await server.close()
            throw PeerNetworkError.notRunning
        }
        logger.info("peer network listening", metadata: [
            "address": "\(configuration.listen.host):\(port)", "key": "\(key.publicKey.shortHex)",
        ])
        for peer in peersToDial { dial(peer) }
    }

    /// A link stops being writable above `maxQueuedBytesPerPeer` queued bytes.
    private var waterMark: ChannelOptions.Types.WriteBufferWaterMark {
        let high = max(configuration.maxQueuedBytesPerPeer, 2)
        return .init(low: high / 2, high: high)
    }

    /// The peers this node dials: those with a known address and a greater key.
    var peersToDial: [PublicKey] {
        configuration.peers.keys.filter { $0 > key.publicKey && configuration.validators.contains($0) }.sorted()
    }

    /// Closes the listener and every link, fails pending fetches, and stops the network's
    /// thread. Idempotent; the network cannot be started again.
    public func shutdown() async throws {
        let (wasStopped, channels, fetches) = state.withLockedValue { state in
            let wasStopped = state.phase == .stopped
            state.phase = .stopped
            var channels = Array(state.channels.values)
            if let server = state.serverChannel { channels.append(server) }
            state.serverChannel = nil
            let fetches = Array(state.fetches.values)
            state.fetches = [:]
            return (wasStopped, channels, fetches)
        }
        guard !wasStopped else { return }
        for fetch in fetches {
            fetch.timeout?.cancel()
            fetch.continuation.resume(throwing: PeerNetworkError.notRunning)
        }
        for channel in channels { try? await channel.close() }
        try await group.shutdownGracefully()
        logger.info("peer network stopped")
    }

    /// The port the listener is bound to (the chosen one when `listen.port` is 0); 0 before
    /// `start()`.
    public var boundPort: Int { state.withLockedValue { $0.boundPort } }

    /// The validators with an authenticated link, sorted.
    public var connectedPeers: [PublicKey] { state.withLockedValue { $0.links.keys.sorted() } }

    /// The authenticated links, sorted by peer.
    public var links: [PeerLinkInfo] { state.withLockedValue { $0.links.values.map(\.info).sorted { $0.peer < $1.peer } } }

    public var statistics: PeerNetworkStatistics { state.withLockedValue { $0.statistics } }

    /// Serves blocks by CID to peers that ask (`fetch(cid:from:)` on their side). Called on
    /// a background queue with the CID text; return nil when the block is not here.
    public var contentProvider: (@Sendable (String) -> [UInt8]?)? {
        get { state.withLockedValue { $0.contentProvider } }
        set { state.withLockedValue { $0.contentProvider = newValue } }
    }

    // MARK: Sending

    /// Sends an encoded consensus message to `peer`. Non-blocking and best effort: dropped
    /// (and counted in `droppedNotConnected`) when there is no link, dropped and logged when
    /// larger than `maxMessageBytes`. `sender` must be this node's key.
    public func send(_ bytes: [UInt8], from sender: PublicKey, to peer: PublicKey) {
        guard sender == key.publicKey else {
            logger.error("refusing to send a message on behalf of another validator", metadata: ["sender": "\(sender.shortHex)"])
            return
        }
        guard bytes.count <= configuration.maxMessageBytes else {
            logger.warning("dropping an outgoing message above the frame limit", metadata: [
                "bytes": "\(bytes.count)", "limit": "\(configuration.maxMessageBytes)", "peer": "\(peer.shortHex)",
            ])
            return
        }
        sendFrame(.consensus, payload: bytes, to: peer, droppingWhenBusy: true)
    }

    /// Writes one frame to `peer` without checking the size (tests use it to send oversized
    /// frames). Returns false when there is no link.
    @discardableResult
    func sendFrame(_ type: FrameType, payload: [UInt8], to peer: PublicKey, droppingWhenBusy: Bool = false) -> Bool {
        let link: Link? = state.withLockedValue { state in
            guard let link = state.links[peer] else {
                state.statistics.droppedNotConnected += 1
                return nil
            }
            if droppingWhenBusy && !link.channel.isWritable {
                state.statistics.droppedBackpressure += 1
                return nil
            }
            state.statistics.framesOut += 1
            state.statistics.bytesOut += UInt64(payload.count + Frame.headerBytes)
            return link
        }
        guard let link else { return false }
        link.writer.write(Frame.encode(type, payload: payload, allocator: link.channel.allocator))
        return true
    }

    // MARK: Fetch by CID

    /// Fetches the block named `cid` from `peer` and checks that its bytes hash to the CID.
    ///
    /// - Throws: `.invalidCID`, `.notConnected`, `.contentNotFound`, `.contentMismatch`
    ///   (counted and logged as a refusal), `.disconnected`, `.timedOut`, `.notRunning`.
    public func fetch(cid text: String, from peer: PublicKey) async throws -> [UInt8] {
        let cid: CID
        do {
            cid = try CID(parsing: text)
            _ = try cid.multihash.matches([UInt8]())  // throws for hash functions we cannot check
        } catch {
            throw PeerNetworkError.invalidCID(text, reason: "\(error)")
        }
        return try await withCheckedThrowingContinuation { continuation in
            let outcome: Result<(Channel, UInt64), PeerNetworkError> = state.withLockedValue { state in
                guard state.phase == .running else { return .failure(.notRunning) }
                guard let link = state.links[peer] else { return .failure(.notConnected(peer)) }
                let id = state.nextRequestID
                state.nextRequestID += 1
                let timeoutMs = configuration.fetchTimeoutMs
                let timeout = link.channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeoutMs))) { [self] in
                    failFetch(id, with: .timedOut(cid: text, peer: peer, afterMs: timeoutMs))
                }
                state.fetches[id] = PendingFetch(cid: cid, text: text, peer: peer, continuation: continuation, timeout: timeout)
                return .success((link.channel, id))
            }
            switch outcome {
            case .failure(let error):
                continuation.resume(throwing: error)
            case .success(let (_, id)):
                var payload = withUnsafeBytes(of: id.bigEndian) { Array($0) }
                payload += Array(text.utf8)
                if !sendFrame(.contentRequest, payload: payload, to: peer) {
                    failFetch(id, with: .notConnected(peer))
                }
            }
        }
    }

    private func failFetch(_ id: UInt64, with error: PeerNetworkError) {
        guard let fetch = state.withLockedValue({ $0.fetches.removeValue(forKey: id) }) else { return }
        fetch.timeout?.cancel()
        fetch.continuation.resume(throwing: error)
    }

    /// Answers a content request on a background queue (the provider may read the disk).
    func serveContent(request: ByteBuffer, from peer: PublicKey, on channel: Channel) {
        var request = request
        guard let id = request.readInteger(as: UInt64.self), let text = request.readString(length: request.readableBytes) else {
            recordRefusal(.protocolViolation, remote: "\(channel.remoteAddress.map { "\($0)" } ?? "?")", peer: peer,
                          detail: "a malformed content request")
            channel.close(promise: nil)
            return
        }
        let provider = state.withLockedValue { state in
            state.statistics.contentRequestsServed += 1
            return state.contentProvider
        }
        let limit = configuration.maxMessageBytes - 9
        DispatchQueue.global().async { [self] in
            var payload = withUnsafeBytes(of: id.bigEndian) { Array($0) }
            if let bytes = provider?(text), bytes.count <= limit {
                payload.append(0)
                payload += bytes
            } else {
                payload.append(1)
            }
            sendFrame(.contentResponse, payload: payload, to: peer)
        }
    }

    /// Completes the fetch a content response answers, after checking the bytes against the CID.
    func completeFetch(response: ByteBuffer, from peer: PublicKey) {
        var response = response
        guard let id = response.readInteger(as: UInt64.self), let status = response.readInteger(as: UInt8.self) else { return }
        let fetch: PendingFetch? = state.withLockedValue { state in
            guard let fetch = state.fetches[id], fetch.peer == peer else { return nil }
            return state.fetches.removeValue(forKey: id)
        }
        guard let fetch else { return }  // late (timed out) or not ours
        fetch.timeout?.cancel()
        guard status == 0 else {
            fetch.continuation.resume(throwing: PeerNetworkError.contentNotFound(cid: fetch.text, peer: peer))
            return
        }
        let bytes = Array(buffer: response)
        guard (try? fetch.cid.multihash.matches(bytes)) == true else {
            recordRefusal(.contentMismatch, remote: "-", peer: peer,
                          detail: "\(bytes.count) bytes that do not hash to \(fetch.text)")
            fetch.continuation.resume(throwing: PeerNetworkError.contentMismatch(cid: fetch.text, peer: peer))
            return
        }
        fetch.continuation.resume(returning: bytes)
    }

    // MARK: Links

    /// Builds the pipeline of a new channel: TLS (with the validator check), keepalive, frame
    /// decoder, link handler.
    private func configure(_ channel: Channel, expected: PublicKey?) throws {
        enum Admission { case accepted, stopped, tooMany }
        let admission = state.withLockedValue { state -> Admission in
            guard state.phase == .running else { return .stopped }
            guard state.channels.count - state.links.count < configuration.maxPendingConnections else { return .tooMany }
            state.channels[ObjectIdentifier(channel)] = channel
            return .accepted
        }
        switch admission {
        case .accepted: break
        case .stopped: throw PeerNetworkError.notRunning
        case .tooMany:
            recordRefusal(.tooManyPendingConnections, remote: channel.remoteAddress.map { "\($0)" } ?? "?",
                          detail: "\(configuration.maxPendingConnections) connections are already in TLS or the hello")
            throw PeerNetworkError.notRunning
        }
        let link = PeerLinkHandler(network: self, expected: expected)
        let verifier = verifier
        let remote = channel.remoteAddress.map { "\($0)" } ?? "?"
        let verify: NIOSSLCustomVerificationCallback = { chain, promise in
            let outcome = verifier.verify(chain, expected: expected)
            link.certificateChecked(outcome, remote: remote)
            if case .accepted = outcome {
                promise.succeed(.certificateVerified)
            } else {
                promise.succeed(.failed)
            }
        }
        let tls: ChannelHandler = if expected == nil {
            NIOSSLServerHandler(context: serverContext, customVerificationCallback: verify)
        } else {
            try NIOSSLClientHandler(context: clientContext, serverHostname: nil, customVerificationCallback: verify)
        }
        let interval = Int64(configuration.keepaliveIntervalMs)
        let pipeline = channel.pipeline.syncOperations
        do {
            try pipeline.addHandler(tls)
            try pipeline.addHandler(IdleStateHandler(readTimeout: .milliseconds(3 * interval), writeTimeout: .milliseconds(interval)))
            try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(limit: configuration.maxMessageBytes)))
            try pipeline.addHandler(link)
        } catch {
            state.withLockedValue { _ = $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
            throw error
        }
    }

    /// A link passed TLS and the hello. The newest link to a peer wins (an older one is
    /// usually a half-open connection from before the peer restarted).
    func linkEstablished(_ channel: Channel, peer: PublicKey, name: String, dialed: Bool, tlsVersion: String) {
        let remote = channel.remoteAddress.map { "\($0)" } ?? "?"
        let info = PeerLinkInfo(peer: peer, name: name, outbound: dialed, remoteAddress: remote, tlsVersion: tlsVersion,
                                establishedAt: Date())
        let (accepted, replaced) = state.withLockedValue { state -> (Bool, Channel?) in
            guard state.phase == .running else { return (false, nil) }
            let old = state.links[peer]?.channel
            state.links[peer] = Link(channel: channel, info: info, writer: FlushCoalescer(channel: channel))
            state.attempts[peer] = 0
            state.statistics.linksEstablished += 1
            return (true, old)
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        logger.info("peer connected", metadata: [
            "peer": "\(peer.shortHex)", "peer_name": "\(name)", "direction": "\(dialed ? "out" : "in")",
            "remote": "\(remote)", "tls": "\(tlsVersion)",
        ])
        if let replaced {
            replaced.close(promise: nil)
        } else {
            handler(.connected(peer))
        }
    }

    /// A channel closed (authenticated or not).
    func linkClosed(_ channel: Channel, peer: PublicKey?) {
        let (wasCurrent, failed) = state.withLockedValue { state -> (Bool, [UInt64]) in
            state.channels[ObjectIdentifier(channel)] = nil
            guard let peer, let link = state.links[peer], link.channel === channel else { return (false, []) }
            state.links[peer] = nil
            return (true, state.fetches.filter { $0.value.peer == peer }.map(\.key))
        }
        guard wasCurrent, let peer else { return }
        for id in failed { failFetch(id, with: .disconnected(peer)) }
        logger.info("peer disconnected", metadata: ["peer": "\(peer.shortHex)"])
        handler(.disconnected(peer))
    }

    /// Dials `peer` unless a dial is already under way or a link is up (tests call it to
    /// dial against the smaller-key-dials rule).
    func dial(_ peer: PublicKey) {
        let address: PeerAddress? = state.withLockedValue { state in
            guard state.phase == .running, !state.dialing.contains(peer), state.links[peer] == nil,
                  let address = configuration.peers[peer] else { return nil }
            state.dialing.insert(peer)
            state.statistics.dials += 1
            return address
        }
        guard let address else { return }
        ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: waterMark)
            .connectTimeout(.milliseconds(Int64(configuration.handshakeTimeoutMs)))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel, expected: peer) }
            }
            .connect(host: address.host, port: address.port)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    channel.closeFuture.whenComplete { _ in self.dialEnded(peer) }
                case .failure(let error):
                    logger.debug("dial failed", metadata: ["peer": "\(peer.shortHex)", "address": "\(address)", "error": "\(error)"])
                    dialEnded(peer)
                }
            }
    }

    /// Schedules the next dial of `peer` after the backoff delay.
    private func dialEnded(_ peer: PublicKey) {
        let delay: UInt64? = state.withLockedValue { state in
            state.dialing.remove(peer)
            guard state.phase == .running else { return nil }
            let attempt = state.attempts[peer, default: 0]
            state.attempts[peer] = attempt + 1
            return backoff.delay(attempt: attempt, using: &state.random)
        }
        guard let delay else { return }
        group.next().scheduleTask(in: .milliseconds(Int64(delay))) { [self] in dial(peer) }
    }

    // MARK: Events and accounting (called by `PeerLinkHandler`)

    func deliver(_ bytes: [UInt8], from peer: PublicKey) {
        handler(.message(from: peer, bytes: bytes))
    }

    func countIn(bytes: Int) {
        state.withLockedValue {
            $0.statistics.framesIn += 1
            $0.statistics.bytesIn += UInt64(bytes + Frame.headerBytes)
        }
    }

    func countOut(bytes: Int) {
        state.withLockedValue {
            $0.statistics.framesOut += 1
            $0.statistics.bytesOut += UInt64(bytes + Frame.headerBytes)
        }
    }

    /// Counts a refusal and logs it at warning level.
    func recordRefusal(_ reason: RefusalReason, remote: String, peer: PublicKey? = nil, detail: String) {
        state.withLockedValue { $0.statistics.refusals[reason, default: 0] += 1 }
        var metadata: Logger.Metadata = ["reason": "\(reason)", "remote": "\(remote)"]
        if let peer { metadata["peer"] = "\(peer.shortHex)" }
        logger.warning("refused: \(detail)", metadata: metadata)
    }

    func logLinkError(_ error: Error, remote: String, peer: PublicKey?) {
        logger.debug("link error", metadata: ["remote": "\(remote)", "peer": "\(peer?.shortHex ?? "-")", "error": "\(error)"])
    }
}
