import Ledger

/// How on-chain reputation becomes a proposer weight: clipped into `[minimum, maximum]`.
///
/// The floor keeps a member whose reputation fell to 0 in the rotation (it still proposes,
/// rarely, and can earn reputation back); the ceiling stops a member that gathered a lot of
/// reputation from dominating the rotation. With the defaults (10...300) and the genesis
/// default reputation of 100, a member proposes at most 3× as often as a newcomer and a
/// 0-reputation member 1/10 as often. Votes never depend on weights: quorums count validators.
public struct ReputationWeights: Hashable, Sendable, Codable {
    public var minimum: Int64
    public var maximum: Int64

    public init(minimum: Int64 = 10, maximum: Int64 = 300) {
        precondition(minimum >= 1 && maximum >= minimum, "weights need 1 ≤ minimum ≤ maximum")
        self.minimum = minimum
        self.maximum = maximum
    }

    public func weight(reputation: Int64) -> Int64 { min(max(reputation, minimum), maximum) }
}
