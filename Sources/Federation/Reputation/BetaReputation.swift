/// A bounded reputation score from the beta reputation system (Jøsang & Ismail 2002), with
/// forgetting so that old behaviour fades and an excluded member can earn its way back.
///
/// Each checked update is evidence: `r` counts good outcomes and `s` bad ones, both decayed by
/// `forgetting` each round. The score is the expected value of Beta(r + 1, s + 1):
/// `(r + 1) / (r + s + 2)`, always in (0, 1); a newcomer scores ½.
public struct BetaReputation: Sendable, Equatable, Codable {
    public var good: Double
    public var bad: Double

    public init(good: Double = 0, bad: Double = 0) {
        self.good = good
        self.bad = bad
    }

    public var score: Double { (good + 1) / (good + bad + 2) }

    /// Records one round's outcome. A failed check weighs `penalty` times a passed one, so a
    /// single bad update drops a newcomer below a ½ threshold at once.
    public mutating func record(passed: Bool, forgetting: Double = 0.9, penalty: Double = 2) {
        good *= forgetting
        bad *= forgetting
        if passed { good += 1 } else { bad += penalty }
    }

    /// The score as integer points in 0...1000, the unit the ledger stores.
    public var points: Int64 { Int64((score * 1000).rounded()) }
}
