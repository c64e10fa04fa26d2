import Tensor

/// Which coordinates a client shares each round (Shokri & Shmatikov 2015, "Privacy-Preserving
/// Deep Learning": selective parameter sharing).
public enum PartialSharing: Sendable, Hashable, Codable {
    /// The fraction of coordinates whose change has the largest magnitude.
    case topK(fraction: Double)
    /// A uniformly random subset of that fraction, drawn from a seeded generator.
    case randomSubset(fraction: Double)

    public var fraction: Double {
        switch self {
        case .topK(let fraction), .randomSubset(let fraction): fraction
        }
    }

    /// How many of `dimension` coordinates a fraction shares: ⌈fraction · dimension⌉, at least
    /// one when the fraction is positive.
    public static func count(forFraction fraction: Double, dimension: Int) -> Int {
        precondition(fraction >= 0 && fraction <= 1, "sharing fraction must be in [0, 1]")
        if fraction == 0 || dimension == 0 { return 0 }
        return min(dimension, max(1, Int((fraction * Double(dimension)).rounded(.up))))
    }

    /// Encodes a client's change (local − global) as the sparse update this strategy sends.
    /// - Parameter generator: used by ``randomSubset(fraction:)`` only.
    public func encode(_ delta: [Float], generator: inout SeededGenerator) throws(PrivacyError) -> SparseUpdate {
        guard fraction >= 0, fraction <= 1 else {
            throw PrivacyError(.invalidParameter, "sharing fraction must be in [0, 1]; got \(fraction)")
        }
        let k = Self.count(forFraction: fraction, dimension: delta.count)
        switch self {
        case .topK: return try Self.topK(delta, count: k)
        case .randomSubset: return try Self.randomSubset(delta, count: k, generator: &generator)
        }
    }

    /// The k coordinates with the largest |change|; ties go to the lower index, so the choice is
    /// deterministic. NaN changes are never chosen over finite ones.
    public static func topK(_ delta: [Float], count k: Int) throws(PrivacyError) -> SparseUpdate {
        guard k >= 0, k <= delta.count else {
            throw PrivacyError(.invalidParameter, "cannot share \(k) of \(delta.count) coordinates")
        }
        func magnitude(_ i: Int) -> Float { delta[i].isNaN ? -1 : abs(delta[i]) }
        let order = delta.indices.sorted { a, b in
            let (ma, mb) = (magnitude(a), magnitude(b))
            return ma != mb ? ma > mb : a < b
        }
        let chosen = order.prefix(k).sorted()
        return try SparseUpdate(dimension: delta.count, indices: chosen.map { UInt32($0) },
                                values: chosen.map { delta[$0] })
    }

    /// k coordinates chosen uniformly without replacement by a seeded generator.
    public static func randomSubset(_ delta: [Float], count k: Int,
                                    generator: inout SeededGenerator) throws(PrivacyError) -> SparseUpdate {
        guard k >= 0, k <= delta.count else {
            throw PrivacyError(.invalidParameter, "cannot share \(k) of \(delta.count) coordinates")
        }
        // Partial Fisher–Yates: the first k slots of a lazily permuted index array.
        var pool = Array(0..<delta.count)
        for i in 0..<k {
            let j = i + generator.integer(below: delta.count - i)
            pool.swapAt(i, j)
        }
        let chosen = pool.prefix(k).sorted()
        return try SparseUpdate(dimension: delta.count, indices: chosen.map { UInt32($0) },
                                values: chosen.map { delta[$0] })
    }
}

/// Averages sparse updates coordinate by coordinate over the clients that sent each one.
public enum SparseAggregator {
    /// The per-coordinate (weighted) mean over senders, and how many clients sent each one.
    ///
    /// Coordinate i becomes Σₖ wₖ vₖᵢ / Σₖ wₖ over the clients k whose update contains i; a
    /// coordinate nobody sent is 0 (no change) with a contributor count of 0. Sums run in Double
    /// in client order, so the result is deterministic.
    /// - Parameter weights: one positive weight per update (for example sample counts); all 1
    ///   when nil.
    public static func average(_ updates: [SparseUpdate], weights: [Double]? = nil) throws(PrivacyError) -> (values: [Float], contributors: [Int]) {
        guard let dimension = updates.first?.dimension else { return ([], []) }
        guard updates.allSatisfy({ $0.dimension == dimension }) else {
            throw PrivacyError(.invalidSparseUpdate, "sparse updates differ in dimension; all must have \(dimension)")
        }
        let weights = weights ?? [Double](repeating: 1, count: updates.count)
        guard weights.count == updates.count, weights.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw PrivacyError(.invalidParameter, "need one positive finite weight per update (\(updates.count)); got \(weights.count)")
        }
        var sums = [Double](repeating: 0, count: dimension)
        var totals = [Double](repeating: 0, count: dimension)
        var contributors = [Int](repeating: 0, count: dimension)
        for (update, weight) in zip(updates, weights) {
            for (index, value) in zip(update.indices, update.values) {
                let i = Int(index)
                sums[i] += weight * Double(value)
                totals[i] += weight
                contributors[i] += 1
            }
        }
        let values = (0..<dimension).map { totals[$0] > 0 ? Float(sums[$0] / totals[$0]) : 0 }
        return (values, contributors)
    }
}
