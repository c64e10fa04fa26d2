import Ledger

/// Consensus rules every validator of a chain must apply identically (they decide who may
/// propose and what a block's blacklist must be). Kept beside the genesis rather than in it
/// so the genesis format stays unchanged; a node configured differently from its peers
/// would reject their blocks, never fork silently.
public struct ConsensusRules: Hashable, Sendable, Codable {
    /// Reputation → proposer weight (defaults 10...300).
    public var weights: ReputationWeights
    /// Honest heights a blacklisted master needs to leave the blacklist (K, default 10).
    public var redemptionHeights: UInt64

    public init(weights: ReputationWeights = ReputationWeights(), redemptionHeights: UInt64 = 10) {
        self.weights = weights
        self.redemptionHeights = redemptionHeights
    }
}
