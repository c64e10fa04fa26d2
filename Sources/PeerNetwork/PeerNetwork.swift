import Consensus
import Foundation
import Ledger
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Authenticated, encrypted links between validators: the `ConsensusTransport` of a node
/// daemon, plus fetch-by-CID of content-store blocks.
public final class PeerNetwork: ConsensusTransport, Sendable {
    public let key: SigningKey
    public let name: String
    public let configuration: PeerNetworkConfiguration
    let logger: Logger
    let handler: @Sendable (PeerEvent) -> Void
    private let state = NIOLockedValueBox(State())

    struct State {
        var statistics = PeerNetworkStatistics()
        var contentProvider: (@Sendable (String) -> [UInt8]?)?
        var boundPort = 0
    }

    public init(key: SigningKey, name: String, configuration: PeerNetworkConfiguration, logger: Logger,
                handler: @escaping @Sendable (PeerEvent) -> Void) throws {
        guard configuration.validators.contains(key.publicKey) else {
            throw PeerNetworkError.notAValidator(key.publicKey)
        }
        self.key = key
        self.name = name
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
    }

    public func start() async throws {}

    public func shutdown() async throws {}

    public var boundPort: Int { state.withLockedValue { $0.boundPort } }

    public func send(_ bytes: [UInt8], from sender: PublicKey, to peer: PublicKey) {}

    public var connectedPeers: [PublicKey] { [] }

    public var statistics: PeerNetworkStatistics { state.withLockedValue { $0.statistics } }

    public var contentProvider: (@Sendable (String) -> [UInt8]?)? {
        get { state.withLockedValue { $0.contentProvider } }
        set { state.withLockedValue { $0.contentProvider = newValue } }
    }

    public func fetch(cid: String, from peer: PublicKey) async throws -> [UInt8] {
        throw PeerNetworkError.notConnected(peer)
    }
}
