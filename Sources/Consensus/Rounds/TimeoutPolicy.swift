import Ledger

/// Round timeouts that grow with the round: `base + delta · round` for each step, so a
/// network slower than the base eventually gets long enough rounds (partial synchrony).
public struct TimeoutPolicy: Hashable, Sendable, Codable {
    public var proposeMs: UInt64
    public var proposeDeltaMs: UInt64
    public var prevoteMs: UInt64
    public var prevoteDeltaMs: UInt64
    public var precommitMs: UInt64
    public var precommitDeltaMs: UInt64
    /// Wait after a commit before starting the next height, to collect late precommits.
    public var commitMs: UInt64

    public init(proposeMs: UInt64 = 3000, proposeDeltaMs: UInt64 = 500, prevoteMs: UInt64 = 1000, prevoteDeltaMs: UInt64 = 500,
                precommitMs: UInt64 = 1000, precommitDeltaMs: UInt64 = 500, commitMs: UInt64 = 0) {
        self.proposeMs = proposeMs
        self.proposeDeltaMs = proposeDeltaMs
        self.prevoteMs = prevoteMs
        self.prevoteDeltaMs = prevoteDeltaMs
        self.precommitMs = precommitMs
        self.precommitDeltaMs = precommitDeltaMs
        self.commitMs = commitMs
    }

    /// The genesis base timeouts with CometBFT's default 500 ms growth per round.
    public init(genesis parameters: ConsensusParameters) {
        self.init(proposeMs: parameters.timeoutProposeMs, prevoteMs: parameters.timeoutPrevoteMs,
                  precommitMs: parameters.timeoutPrecommitMs)
    }

    public func duration(_ step: RoundStep, round: UInt32) -> UInt64 {
        let r = UInt64(round)
        switch step {
        case .propose: return proposeMs + proposeDeltaMs * r
        case .prevote: return prevoteMs + prevoteDeltaMs * r
        case .precommit: return precommitMs + precommitDeltaMs * r
        }
    }
}
