/// Counts of (true class, predicted class) pairs.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    /// `counts[truth][prediction]`.
    public var counts: [[Int]]

    public init(truth: [Int], predictions: [Int], classCount: Int) {
        precondition(truth.count == predictions.count)
        counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (t, p) in zip(truth, predictions) { counts[t][p] += 1 }
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { counts.indices.reduce(0) { $0 + counts[$1][$1] } }
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// For two classes: true positives / all positives (class 1 is positive).
    public var sensitivity: Double? {
        guard counts.count == 2, counts[1][0] + counts[1][1] > 0 else { return nil }
        return Double(counts[1][1]) / Double(counts[1][0] + counts[1][1])
    }

    /// For two classes: true negatives / all negatives.
    public var specificity: Double? {
        guard counts.count == 2, counts[0][0] + counts[0][1] > 0 else { return nil }
        return Double(counts[0][0]) / Double(counts[0][0] + counts[0][1])
    }
}
