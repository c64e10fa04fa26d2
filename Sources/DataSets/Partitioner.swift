import Tensor

/// Seeded splits of a dataset's examples across K institutions, for federated experiments.
///
/// Each function returns K index lists into the dataset (use `LabeledData.subset`). Guarantees:
/// - **Disjoint and complete**: every index in `0..<count` appears in exactly one list
///   (`keepingFraction` then keeps a subset of each list, still disjoint).
/// - **Reproducible**: the lists depend only on the arguments, `seed` included, on every
///   platform (all randomness comes from `SeededGenerator`). Each function draws from its own
///   stream of the seed, so reusing one seed for several of them does not correlate them.
/// - **Non-empty when possible**: IID gives every institution ⌊n/K⌋ or ⌈n/K⌉ examples. The
///   Dirichlet schemes can leave an institution empty for small α, exactly as the usual
///   NumPy recipe does; pass `minimumSize` to redraw the proportions (from the same seeded
///   stream) until every institution has at least that many examples.
public enum Partitioner {
    /// Independent, identically distributed shares: a seeded permutation cut into K nearly
    /// equal runs (sizes differ by at most one).
    public static func iid(count: Int, institutions: Int, seed: UInt64) throws(DataSetError) -> [[Int]] {
        try check(count: count, institutions: institutions, alpha: 1, minimumSize: 0)
        var generator = SeededGenerator(seed: seed).derived(Stream.iid)
        let order = generator.permutation(count)
        return (0..<institutions).map { k in
            Array(order[(k * count / institutions)..<((k + 1) * count / institutions)])
        }
    }

    /// Label skew: for each class in turn, its indices are shuffled and cut among the K
    /// institutions in proportions drawn from Dirichlet(α, …, α).
    ///
    /// Small α (0.1) gives each institution a few dominant classes; large α (100) approaches
    /// IID. This mirrors the common NumPy recipe (and `torch_fl_protocol.py`): per class,
    /// `rng.shuffle(idx)`, `cuts = (cumsum(dirichlet([α] * K)) * len(idx)).astype(int)[:-1]`,
    /// `np.split(idx, cuts)`. Each list holds its class-0 share, then its class-1 share, ...
    ///
    /// - Parameter minimumSize: redraw all proportions until every institution has at least
    ///   this many examples (0: no redraws, as the recipe does).
    public static func dirichletLabelSkew(
        labels: [Int], classCount: Int, institutions: Int, alpha: Double, seed: UInt64, minimumSize: Int = 0
    ) throws(DataSetError) -> [[Int]] {
        try check(count: labels.count, institutions: institutions, alpha: alpha, minimumSize: minimumSize)
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() {
            guard (0..<classCount).contains(label) else {
                throw DataSetError(.invalidArgument, file: nil, "label \(label) at index \(index) is outside 0..<\(classCount)")
            }
            byClass[label].append(index)
        }
        var generator = SeededGenerator(seed: seed).derived(Stream.dirichlet)
        return try redrawing(minimumSize: minimumSize, institutions: institutions) {
            var parts = [[Int]](repeating: [], count: institutions)
            for var members in byClass {
                generator.shuffle(&members)
                let proportions = generator.dirichlet(Array(repeating: alpha, count: institutions))
                for (k, run) in cut(members, proportions: proportions).enumerated() { parts[k] += run }
            }
            return parts
        }
    }

    /// Quantity skew: institution sizes in proportions drawn from Dirichlet(α, …, α) over a
    /// seeded permutation, so each share is IID in its labels but the shares differ in size.
    ///
    /// - Parameter minimumSize: redraw the proportions until every institution has at least
    ///   this many examples.
    public static func quantitySkew(
        count: Int, institutions: Int, alpha: Double, seed: UInt64, minimumSize: Int = 0
    ) throws(DataSetError) -> [[Int]] {
        try check(count: count, institutions: institutions, alpha: alpha, minimumSize: minimumSize)
        var generator = SeededGenerator(seed: seed).derived(Stream.quantity)
        let order = generator.permutation(count)
        return try redrawing(minimumSize: minimumSize, institutions: institutions) {
            cut(order, proportions: generator.dirichlet(Array(repeating: alpha, count: institutions)))
        }
    }

    /// Keeps a seeded random `fraction` of each share, but at least `minimum` examples (or
    /// the whole share if it is smaller): `rng.permutation(p)[:max(minimum, len(p) * fraction)]`.
    ///
    /// The federated demo keeps 25 % with at least 20, so that local models are data-starved
    /// and collaboration visibly helps.
    public static func keepingFraction(
        _ parts: [[Int]], fraction: Double = 0.25, minimum: Int = 20, seed: UInt64
    ) throws(DataSetError) -> [[Int]] {
        guard (0...1).contains(fraction), minimum >= 0 else {
            throw DataSetError(.invalidArgument, file: nil, "the kept fraction must lie in [0, 1] and the minimum be 0 or more")
        }
        var generator = SeededGenerator(seed: seed).derived(Stream.keep)
        return parts.map { part in
            let keep = min(part.count, max(minimum, Int(Double(part.count) * fraction)))
            return generator.permutation(part.count).prefix(keep).map { part[$0] }
        }
    }

    // MARK: Helpers

    private enum Stream {
        static let iid: UInt64 = 1, dirichlet: UInt64 = 2, quantity: UInt64 = 3, keep: UInt64 = 4
    }

    /// Cuts `items` into consecutive runs with the given proportions: cut point k is
    /// ⌊(p₀ + … + p_k) · n⌋, as NumPy's `astype(int)` truncates; the last run takes the rest.
    static func cut(_ items: [Int], proportions: [Double]) -> [[Int]] {
        var runs: [[Int]] = []
        var start = 0, cumulative = 0.0
        for (k, proportion) in proportions.enumerated() {
            cumulative += proportion
            let end = k == proportions.count - 1 ? items.count : min(items.count, max(start, Int(cumulative * Double(items.count))))
            runs.append(Array(items[start..<end]))
            start = end
        }
        return runs
    }

    private static func check(count: Int, institutions: Int, alpha: Double, minimumSize: Int) throws(DataSetError) {
        guard institutions >= 1 else {
            throw DataSetError(.invalidArgument, file: nil, "the number of institutions must be at least 1, not \(institutions)")
        }
        guard alpha > 0, alpha.isFinite else {
            throw DataSetError(.invalidArgument, file: nil, "the Dirichlet α must be a positive number, not \(alpha)")
        }
        guard minimumSize >= 0, minimumSize * institutions <= count else {
            throw DataSetError(
                .invalidArgument, file: nil,
                "cannot give each of \(institutions) institutions at least \(minimumSize) of \(count) examples")
        }
    }

    /// Calls `draw` until every part has `minimumSize` examples, for at most 1,000 draws.
    private static func redrawing(
        minimumSize: Int, institutions: Int, _ draw: () -> [[Int]]
    ) throws(DataSetError) -> [[Int]] {
        for _ in 0..<1000 {
            let parts = draw()
            if parts.allSatisfy({ $0.count >= minimumSize }) { return parts }
        }
        throw DataSetError(
            .invalidArgument, file: nil,
            "1,000 Dirichlet draws all left an institution with fewer than \(minimumSize) examples; raise α or lower the minimum")
    }
}
