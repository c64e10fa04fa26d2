/// The reputation score: an exponentially weighted pass rate of a member's checked updates,
/// in integer points 0…1000 (the unit the ledger stores).
///
/// After each checked update the score moves a fixed fraction of the way towards 1000 (passed)
/// or 0 (failed): `r ← r + ⌊w·(target − r)⌉`. Failing weighs more than passing (`failWeight >
/// passWeight`), so a cheater drops below the exclusion threshold at once and an honest member
/// needs several good rounds to recover: the asymmetric trust update used by beta and
/// subjective-logic reputation systems, with bounded state that every node derives from the
/// chain alone.
public struct ReputationPolicy: Sendable, Equatable {
    public var passWeight: Double
    public var failWeight: Double

    public init(passWeight: Double = 0.25, failWeight: Double = 0.6) {
        self.passWeight = passWeight
        self.failWeight = failWeight
    }

    /// The change to apply to `points` for one outcome.
    public func change(from points: Int64, passed: Bool) -> Int64 {
        let current = Double(min(max(points, 0), 1000))
        let target = passed ? 1000.0 : 0.0
        let next = current + (passed ? passWeight : failWeight) * (target - current)
        return Int64(next.rounded()) - points
    }
}
