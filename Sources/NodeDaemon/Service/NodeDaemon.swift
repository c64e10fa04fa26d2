import Consensus
import ContentStore
import Foundation
import Ledger
import Logging
import PeerNetwork
import ServiceLifecycle
import Synchronization

/// `medchain node`: one hospital's node, composed with swift-service-lifecycle.
///
/// Services, in start order: the peer network (TLS links to the validators), the runtime
/// (ledger replica, blockstore, consensus on its serial queue), the HTTP status endpoint.
/// SIGTERM or SIGINT shuts them down in reverse: the status endpoint stops accepting, consensus
/// stops (nothing more is signed; the write-ahead log already holds everything signed), the
/// links close, and finally the ledger is released. A restart replays the log and catches up
/// by block sync.
public final class NodeDaemon: Sendable {
    public let setup: NodeSetup
    public let runtime: NodeRuntime
    public let network: PeerNetwork
    public let statusServer: StatusServer
    /// Trains and aggregates federated tasks; nil when the node has no data share.
    public let participant: FederatedParticipant?
    let logger: Logger
    private let group: ServiceGroup

    /// Opens everything (nothing listens or runs until `run()`).
    /// - Parameter data: this node's training share; nil: `node.json`'s `participant.data`,
    ///   if set (else the node does not train).
    public init(setup: NodeSetup, logger: Logger, data: ParticipantData? = nil) throws {
        self.setup = setup
        self.logger = logger
        let inbox = Inbox()
        let configuration = setup.configuration
        let networkConfiguration = PeerNetworkConfiguration(
            chainID: setup.chainID,
            listen: PeerAddress(host: configuration.listen.host, port: configuration.listen.port),
            peers: setup.peers.mapValues { PeerAddress(host: $0.host, port: $0.port) },
            validators: Set(setup.genesis.validators.members),
            maxMessageBytes: configuration.limits.maxMessageBytes,
            reconnectInitialMs: configuration.network.reconnectInitialMs,
            reconnectMaxMs: configuration.network.reconnectMaxMs)
        let network = try PeerNetwork(key: setup.key, name: setup.name, configuration: networkConfiguration, logger: logger) { event in
            inbox.deliver(event)
        }
        self.network = network
        let consensusLogger = logger
        runtime = try NodeRuntime(setup: setup, transport: network, blobs: { store in PeerBlobSource(local: store, network: network) },
                                  log: { line in consensusLogger.info("\(line)") })
        let runtime = self.runtime
        network.contentProvider = { cid in runtime.block(cid) }
        runtime.attach(NodeRuntime.PeerView(
            connected: { network.connectedPeers },
            refusals: { Dictionary(uniqueKeysWithValues: network.statistics.refusals.map { ($0.key.rawValue, Int($0.value)) }) },
            dropped: {
                let statistics = network.statistics
                return ["not_connected": Int(statistics.droppedNotConnected), "backpressure": Int(statistics.droppedBackpressure)]
            }))
        inbox.attach(runtime, logger: logger)
        statusServer = StatusServer(routes: StatusRoutes(runtime: runtime), host: configuration.status.host,
                                    port: configuration.status.port, maxRequestBytes: configuration.limits.maxRequestBytes,
                                    logger: logger)
        let share = try data ?? configuration.participant.map { try ParticipantData.load($0, home: setup.home.url) }
        participant = share.map { FederatedParticipant(runtime: runtime, data: $0, log: { line in consensusLogger.info("\(line)") }) }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: NetworkService(network: network)),
            .init(service: RuntimeService(runtime: runtime)),
        ]
        if let participant { services.append(.init(service: ParticipantService(participant: participant))) }
        services.append(.init(service: statusServer))
        group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    }

    /// Runs until SIGTERM or SIGINT, `triggerShutdown()`, or a service failure, then shuts
    /// down in order.
    public func run() async throws {
        logger.info("node starting", metadata: ["name": "\(setup.name)", "chain": "\(setup.chainID)",
                                                "listen": "\(setup.configuration.listen)", "status": "\(setup.configuration.status)"])
        try await group.run()
        logger.info("node stopped")
    }

    /// Starts the same graceful shutdown as SIGTERM.
    public func triggerShutdown() async {
        await group.triggerGracefulShutdown()
    }
}

/// Routes peer events to the runtime once it exists.
final class Inbox: Sendable {
    private let target = Mutex<(runtime: NodeRuntime, logger: Logger)?>(nil)

    func attach(_ runtime: NodeRuntime, logger: Logger) { target.withLock { $0 = (runtime, logger) } }

    func deliver(_ event: PeerEvent) {
        guard let (runtime, logger) = target.withLock({ $0 }) else { return }
        switch event {
        case .message(let from, let bytes): runtime.receive(bytes, from: from)
        case .connected(let key): logger.info("peer connected", metadata: ["peer": "\(runtime.name(of: key))"])
        case .disconnected(let key): logger.info("peer disconnected", metadata: ["peer": "\(runtime.name(of: key))"])
        }
    }
}

/// The peer links as a service: up until graceful shutdown, then closed.
struct NetworkService: Service {
    let network: PeerNetwork

    func run() async throws {
        try await network.start()
        try? await gracefulShutdown()
        try await network.shutdown()
    }
}

/// Consensus as a service: started, then stopped on graceful shutdown.
struct RuntimeService: Service {
    let runtime: NodeRuntime

    func run() async throws {
        await runtime.start()
        try? await gracefulShutdown()
        await runtime.stop()
    }
}

/// The federated participant as a service: follows the chain until graceful shutdown.
struct ParticipantService: Service {
    let participant: FederatedParticipant

    func run() async throws {
        await cancelWhenGracefulShutdown { await participant.run() }
    }
}
