/// The area under the ROC curve for binary labels, computed exactly as the normalised
/// Mann–Whitney U statistic: the probability that a random positive outscores a random negative,
/// counting ties as one half (tied scores get their average rank).
///
/// - Parameters:
///   - scores: higher means "more likely positive".
///   - labels: `1` for positive, anything else negative.
/// - Returns: `nil` when either class is absent (the AUC is undefined).
/// - Complexity: O(n log n).
public func rocAUC(scores: [Float], labels: [Int]) -> Double? {
    precondition(scores.count == labels.count)
    let positives = labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
    let negatives = labels.count - positives
    guard positives > 0, negatives > 0 else { return nil }
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var positiveRankSum = 0.0
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
        // Ranks are 1-based; a tie block from start to end shares the average rank.
        let averageRank = Double(start + end + 2) / 2
        for k in start...end where labels[order[k]] == 1 { positiveRankSum += averageRank }
        start = end + 1
    }
    let p = Double(positives), n = Double(negatives)
    return (positiveRankSum - p * (p + 1) / 2) / (p * n)
}
