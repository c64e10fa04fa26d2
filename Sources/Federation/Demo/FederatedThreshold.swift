/// Chooses a binary decision threshold from several hospitals' validation sets without pooling
/// their predictions: each hospital shares only per-bin counts of positives and negatives over
/// a fixed grid of p(class 1), the counts are summed, and the threshold is the middle of the
/// widest accuracy-maximising interval of cut points (as `accuracyMaximisingThreshold` does on
/// one set).
public struct FederatedThreshold {
    public static let bins = 1000

    /// One hospital's contribution: positives and negatives per probability bin.
    public static func histogram(scores: [Float], labels: [Int]) -> (positives: [Int], negatives: [Int]) {
        var positives = [Int](repeating: 0, count: bins), negatives = positives
        for (s, y) in zip(scores, labels) {
            let b = min(bins - 1, max(0, Int(Double(s) * Double(bins))))
            if y == 1 { positives[b] += 1 } else { negatives[b] += 1 }
        }
        return (positives, negatives)
    }

    /// ROC AUC from summed histograms: the probability that a positive scores in a higher bin
    /// than a negative, ties within a bin counting one half (exact up to the bin width).
    public static func auc(from histograms: [(positives: [Int], negatives: [Int])]) -> Double? {
        var positives = [Int](repeating: 0, count: bins), negatives = positives
        for h in histograms {
            for b in 0..<bins { positives[b] += h.positives[b]; negatives[b] += h.negatives[b] }
        }
        let p = positives.reduce(0, +), n = negatives.reduce(0, +)
        guard p > 0, n > 0 else { return nil }
        var below = 0.0, wins = 0.0
        for b in 0..<bins {
            wins += Double(positives[b]) * (below + 0.5 * Double(negatives[b]))
            below += Double(negatives[b])
        }
        return wins / (Double(p) * Double(n))
    }

    /// The threshold from summed histograms; 0.5 when there is no validation data.
    public static func threshold(from histograms: [(positives: [Int], negatives: [Int])]) -> Double {
        var positives = [Int](repeating: 0, count: bins), negatives = positives
        for h in histograms {
            for b in 0..<bins { positives[b] += h.positives[b]; negatives[b] += h.negatives[b] }
        }
        guard positives.reduce(0, +) + negatives.reduce(0, +) > 0 else { return 0.5 }
        // Cut c (0...bins) predicts 1 for bins c...; correct = negatives below + positives above.
        var correct = [Int](repeating: 0, count: bins + 1)
        correct[0] = positives.reduce(0, +)
        for b in 0..<bins { correct[b + 1] = correct[b] - positives[b] + negatives[b] }
        let best = correct.max()!
        var chosen = (width: -1, cut: bins / 2)
        var c = 0
        while c <= bins {
            guard correct[c] == best else { c += 1; continue }
            var end = c
            while end + 1 <= bins && correct[end + 1] == best { end += 1 }
            if end - c > chosen.width { chosen = (end - c, (c + end) / 2) }
            c = end + 1
        }
        return Double(chosen.cut) / Double(bins)
    }
}
