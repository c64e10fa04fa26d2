import Tensor

/// A seeded split that holds out the same fraction of every class.
///
/// For each class in turn (0, 1, ...), the class's indices are shuffled with `generator` and
/// the first round(n × fraction) of them are held out. So each class keeps its proportion in
/// both parts (up to rounding), and the same generator state always gives the same split.
/// A class never loses all its examples to the held-out part (at most n − 1 are held out),
/// so training sees every class that has examples. Both index lists come back ascending, in
/// file order.
public struct StratifiedSplit: Sendable, Equatable {
    /// Indices that stay (e.g. the train part).
    public var kept: [Int]
    /// Indices held out (e.g. the test part).
    public var heldOut: [Int]

    /// Splits the examples whose labels are `labels` (each in `0..<classCount`).
    ///
    /// - Parameters:
    ///   - heldOutFraction: in [0, 1], the share of each class to hold out.
    ///   - generator: advanced by the shuffles, so consecutive splits draw fresh randomness.
    public init(labels: [Int], classCount: Int, heldOutFraction: Double, generator: inout SeededGenerator) {
        precondition((0...1).contains(heldOutFraction), "the held-out fraction must be in [0, 1]")
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() { byClass[label].append(index) }
        var kept: [Int] = [], heldOut: [Int] = []
        for var members in byClass where !members.isEmpty {
            generator.shuffle(&members)
            let count = min(Int((Double(members.count) * heldOutFraction).rounded()), members.count - 1)
            heldOut += members[..<count]
            kept += members[count...]
        }
        self.kept = kept.sorted()
        self.heldOut = heldOut.sorted()
    }
}
