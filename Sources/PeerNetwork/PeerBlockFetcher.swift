import ContentStore
import Ledger

/// A `BlockFetcher` that asks validators over a `PeerNetwork`, so a blockstore can pull the
/// blocks it lacks (`Blockstore.fetchDAG`, `block(_:fetchingFrom:)`) from other hospitals.
///
/// Peers are asked in order; the first that has the block wins. Each answer was already
/// checked against the CID by `PeerNetwork.fetch`, and the blockstore checks it again.
public struct PeerBlockFetcher: BlockFetcher {
    public let network: PeerNetwork
    public var peers: [PublicKey]

    public init(network: PeerNetwork, peers: [PublicKey]) {
        self.network = network
        self.peers = peers
    }

    /// The block from the first peer that has it; nil when none does (or none is connected).
    /// A peer that sends wrong bytes is skipped (the refusal is counted by the network).
    public func fetchBlock(_ cid: CID) async throws -> [UInt8]? {
        for peer in peers {
            do {
                return try await network.fetch(cid: cid.description, from: peer)
            } catch let error as PeerNetworkError {
                switch error {
                case .invalidCID, .notRunning: throw error
                default: continue
                }
            }
        }
        return nil
    }
}
