import Ledger

/// CometBFT's weighted round-robin proposer selection, as its proposer-selection spec
/// describes it (our own code, not a port).
///
/// Each candidate has a voting power (here: a weight derived from reputation) and an
/// accumulated priority. One election ("increment"):
/// 1. every candidate's priority grows by its power;
/// 2. the candidate with the highest priority is elected (ties: the smaller key);
/// 3. the elected candidate's priority drops by the total power.
///
/// Before a batch of elections the priorities are kept inside a window (rescaled so that
/// `max − min ≤ 2 · total`) and centred on zero (the floor of their mean is subtracted), so
/// the values never drift. A candidate added later starts at `−1.125 · total` (behind
/// everyone, so joining, or leaving and rejoining, cannot jump the queue). Every addition and
/// subtraction saturates at the `Int64` bounds instead of overflowing.
///
/// Example (the spec's): powers p1 = 1, p2 = 3 elect p2, p1, p2, p2, then repeat.
public struct ProposerPriorities: Hashable, Sendable {
    public struct Candidate: Hashable, Sendable {
        public var key: PublicKey
        public var power: Int64
        public var priority: Int64
    }

    /// The rescaling window is this many times the total power (CometBFT's
    /// `PriorityWindowSizeFactor`).
    public static let windowFactor: Int64 = 2
    /// The largest total power accepted, so `windowFactor · total` and the −1.125 factor
    /// cannot overflow (CometBFT's `MaxTotalVotingPower`).
    public static let maxTotalPower: Int64 = Int64.max / 8

    /// Sorted by key.
    public private(set) var candidates: [Candidate] = []
    /// Who the most recent election chose (nil before the first).
    public private(set) var proposer: PublicKey?

    public init() {}

    public var isEmpty: Bool { candidates.isEmpty }
    public var totalPower: Int64 { candidates.reduce(0) { $0 + $1.power } }
    public func priority(of key: PublicKey) -> Int64? { candidates.first { $0.key == key }?.priority }

    /// Replaces the candidate set with `powers` (CometBFT's validator-set update).
    ///
    /// Candidates that stay keep their priority with their new power; new ones start at
    /// `−(P + P/8)` where `P` is the total power after the update (the −1.125 · total rule);
    /// candidates not in `powers` leave. The priorities are then rescaled into the window and
    /// centred. Powers must be positive and total at most `maxTotalPower`.
    public mutating func update(powers: [PublicKey: Int64]) {
        precondition(powers.values.allSatisfy { $0 > 0 }, "proposer powers must be positive")
        let total = powers.values.reduce(Int64(0)) { sum, power in
            let (value, overflow) = sum.addingReportingOverflow(power)
            precondition(!overflow && value <= Self.maxTotalPower, "total proposer power above \(Self.maxTotalPower)")
            return value
        }
        let newcomerPriority = -(total + (total >> 3))
        var old: [PublicKey: Int64] = [:]
        for candidate in candidates { old[candidate.key] = candidate.priority }
        candidates = powers.keys.sorted().map { key in
            Candidate(key: key, power: powers[key]!, priority: old[key] ?? newcomerPriority)
        }
        rescale()
        centre()
    }

    /// Runs `times` elections and returns the last one elected.
    @discardableResult
    public mutating func increment(times: Int = 1) -> PublicKey {
        precondition(!candidates.isEmpty, "no proposer candidates")
        rescale()
        centre()
        let total = totalPower
        var elected = candidates[0].key
        for _ in 0..<max(times, 1) {
            var best = 0
            for index in candidates.indices {
                candidates[index].priority = Self.adding(candidates[index].priority, candidates[index].power)
                // Strictly greater wins, so among equal priorities the first (smallest key) stays.
                if candidates[index].priority > candidates[best].priority { best = index }
            }
            candidates[best].priority = Self.subtracting(candidates[best].priority, total)
            elected = candidates[best].key
        }
        proposer = elected
        return elected
    }

    /// A copy advanced by `times` elections (rounds after the first at one height).
    public func incremented(times: Int) -> ProposerPriorities {
        var copy = self
        if times > 0 { copy.increment(times: times) }
        return copy
    }

    /// Divides every priority by `⌈(max − min) / window⌉` when the spread exceeds the window
    /// (`window = 2 · total`), truncating towards zero as Go's integer division does.
    mutating func rescale() {
        guard candidates.count > 1 else { return }
        let window = UInt64(Self.windowFactor * totalPower)
        guard window > 0 else { return }
        let high = candidates.map(\.priority).max()!
        let low = candidates.map(\.priority).min()!
        // high ≥ low, so the true difference fits in 64 unsigned bits.
        let spread = UInt64(bitPattern: high &- low)
        guard spread > window else { return }
        let ratio = spread / window + (spread % window == 0 ? 0 : 1)
        for index in candidates.indices {
            candidates[index].priority = ratio > UInt64(Int64.max) ? 0 : candidates[index].priority / Int64(ratio)
        }
    }

    /// Subtracts the floor of the mean priority from every priority.
    mutating func centre() {
        guard !candidates.isEmpty else { return }
        // floor(Σp / n) without a wider integer: Σ(p / n) cannot overflow, and the remainders
        // are small (Go's big.Int Div is Euclidean, which floors for a positive divisor).
        let count = Int64(candidates.count)
        var quotients: Int64 = 0, remainders: Int64 = 0
        for candidate in candidates {
            quotients += candidate.priority / count
            remainders += candidate.priority % count
        }
        var mean = Self.adding(quotients, remainders / count)
        if remainders % count != 0, remainders < 0 { mean = Self.subtracting(mean, 1) }
        for index in candidates.indices {
            candidates[index].priority = Self.subtracting(candidates[index].priority, mean)
        }
    }

    static func adding(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    static func subtracting(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b > 0 ? .min : .max) : difference
    }

    mutating func restore(candidates: [Candidate], proposer: PublicKey?) {
        self.candidates = candidates
        self.proposer = proposer
    }

    /// Sets priorities directly (tests of the window and clipping rules start from extremes).
    public mutating func setPriority(_ priority: Int64, for key: PublicKey) {
        if let index = candidates.firstIndex(where: { $0.key == key }) { candidates[index].priority = priority }
    }
}
