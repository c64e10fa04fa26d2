import DataSets

/// A model's predictions on a labelled set and the metrics computed from them.
public struct Evaluation: Sendable, Codable {
    public var count: Int
    public var accuracy: Double
    /// Binary ROC AUC of p(class 1); `nil` for more than two classes or a one-class set.
    public var auc: Double?
    /// Mean cross-entropy.
    public var loss: Double
    public var confusion: ConfusionMatrix
    /// The decision threshold on p(class 1) used for binary accuracy.
    public var threshold: Double
    /// p(class 1) per example in input order (binary), or the probability of the predicted class.
    public var probabilities: [Float]

    /// Scores `probabilities` (`count × classes`, row-major) against `labels`.
    ///
    /// Binary predictions are `p(1) ≥ threshold`; with more classes the argmax.
    public init(probabilities all: [Float], labels: [Int], classCount: Int, threshold: Double = 0.5) {
        let n = labels.count
        precondition(all.count == n * classCount)
        var predictions = [Int](repeating: 0, count: n)
        var loss = 0.0
        var reported = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let row = all[(i * classCount)..<((i + 1) * classCount)]
            if classCount == 2 {
                predictions[i] = Double(row[row.startIndex + 1]) >= threshold ? 1 : 0
                reported[i] = row[row.startIndex + 1]
            } else {
                let best = row.indices.max { row[$0] < row[$1] }! - row.startIndex
                predictions[i] = best
                reported[i] = row[row.startIndex + best]
            }
            loss += SoftmaxCrossEntropy.loss(probability: row[row.startIndex + labels[i]])
        }
        confusion = ConfusionMatrix(truth: labels, predictions: predictions, classCount: classCount)
        count = n
        accuracy = confusion.accuracy
        auc = classCount == 2 ? rocAUC(scores: reported, labels: labels) : nil
        self.loss = n == 0 ? 0 : loss / Double(n)
        self.threshold = threshold
        probabilities = reported
    }
}

extension Sequential {
    /// Evaluates the model on `data` in inference mode.
    public func evaluate(_ data: LabeledData, threshold: Double = 0.5) -> Evaluation {
        precondition(data.exampleShape.reduce(1, *) == inputCount, "data does not fit the model input")
        return Evaluation(probabilities: probabilities(data.features), labels: data.labels,
                          classCount: classCount, threshold: threshold)
    }
}

/// The threshold on p(class 1) that maximises accuracy on a (validation) set.
///
/// Every cut between two consecutive distinct scores is a candidate. The cuts that reach the best
/// accuracy form one or more contiguous intervals of score space; the threshold is the middle of
/// the widest one, which keeps it as far as possible from the scores that would change the
/// decision (a margin against distribution shift). The result depends only on these scores.
public func accuracyMaximisingThreshold(scores: [Float], labels: [Int]) -> Double {
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    guard !order.isEmpty else { return 0.5 }
    // Distinct score levels with their label counts.
    var levels: [(score: Double, positives: Int, negatives: Int)] = []
    for i in order {
        let s = Double(scores[i])
        if levels.last?.score != s { levels.append((s, 0, 0)) }
        if labels[i] == 1 { levels[levels.count - 1].positives += 1 } else { levels[levels.count - 1].negatives += 1 }
    }
    // Cut c (0...levels.count) predicts 1 for levels c...; its interval is (level c−1, level c).
    let totalPositives = levels.reduce(0) { $0 + $1.positives }
    var correct = [Int](repeating: 0, count: levels.count + 1)
    correct[0] = totalPositives
    for (k, level) in levels.enumerated() { correct[k + 1] = correct[k] - level.positives + level.negatives }
    let best = correct.max()!
    func bounds(_ c: Int) -> (Double, Double) {
        (c == 0 ? min(0, levels[0].score - 1e-3) : levels[c - 1].score,
         c == levels.count ? max(1, levels[c - 1].score + 1e-3) : levels[c].score)
    }
    var chosen = (width: -1.0, threshold: 0.5)
    var c = 0
    while c <= levels.count {
        guard correct[c] == best else { c += 1; continue }
        var end = c
        while end + 1 <= levels.count && correct[end + 1] == best { end += 1 }
        // Adjacent optimal cuts are joined through the score level between them.
        let (lo, _) = bounds(c), (_, hi) = bounds(end)
        if hi - lo > chosen.width { chosen = (hi - lo, (lo + hi) / 2) }
        c = end + 1
    }
    return chosen.threshold
}
