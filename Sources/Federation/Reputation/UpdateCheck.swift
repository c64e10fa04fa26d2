/// The checks the master runs on each update before aggregation, and their outcome.
public struct UpdateCheck: Sendable, Equatable, Codable {
    /// L2 norm of the decoded update.
    public var norm: Double
    /// Cosine similarity to the coordinate-wise median of the round's updates.
    public var cosine: Double
    /// Loss of global + this update on the checker's own validation split (nil if not run).
    public var validationLoss: Double?
    public var passed: Bool
    /// Why it failed (empty when it passed).
    public var reason: String
}

/// Runs the update checks: a norm bound, direction agreement with a robust reference, and the
/// validation loss an update would cause.
public struct UpdateChecker: Sendable {
    /// Updates longer than this fail (the task's clip norm plus quantisation slack).
    public var normBound: Double
    /// Updates whose norm per local step exceeds `relativeNorm ×` the round's median fail:
    /// boosted updates (scaled sign-flips, scaling attacks) stand out by length even when their
    /// direction looks plausible. Dividing by the steps each hospital took (its sample count
    /// over the batch size, times local epochs) keeps large honest hospitals from standing out.
    public var relativeNorm: Double
    /// Updates pointing further than this from the coordinate-wise median fail. Off (−1) by
    /// default: under label skew honest hospitals of opposite classes send nearly opposite
    /// updates (we measured cosines of −0.99 between honest hospitals on the default demo
    /// protocol), so direction cannot tell an attacker from a minority-class hospital.
    public var minimumCosine: Double
    /// An update whose validation loss exceeds `lossFactor ×` the round's median loss fails.
    /// Off (∞) by default: the checker's validation data share its own label skew (on the demo
    /// protocol one hospital holds a single class), so an honest update from a hospital of the
    /// other class raises that loss several-fold. The loss is still computed and reported.
    public var lossFactor: Double

    public init(normBound: Double, relativeNorm: Double = 4, minimumCosine: Double = -1, lossFactor: Double = .infinity) {
        self.normBound = normBound
        self.relativeNorm = relativeNorm
        self.minimumCosine = minimumCosine
        self.lossFactor = lossFactor
    }

    /// Checks every update of a round. `steps[i]` is the number of local SGD steps behind update
    /// i; `validationLoss(i)` evaluates global + update i on the checker's validation data (pass
    /// nil to skip that check).
    public func check(_ updates: [[Float]], steps: [Int], validationLoss: ((Int) -> Double)?) -> [UpdateCheck] {
        guard let count = updates.first?.count else { return [] }
        var median = [Float](repeating: 0, count: count)
        var column = [Float](repeating: 0, count: updates.count)
        for i in 0..<count {
            for k in updates.indices { column[k] = updates[k][i] }
            column.sort()
            let m = column.count / 2
            median[i] = column.count % 2 == 1 ? column[m] : (column[m - 1] + column[m]) / 2
        }
        let medianVectorNorm = norm(median)
        let perStep = updates.indices.map { norm(updates[$0]) / Double(max(steps[$0], 1)) }
        let sortedPerStep = perStep.sorted()
        let m = sortedPerStep.count / 2
        let medianPerStep = sortedPerStep.count % 2 == 1 ? sortedPerStep[m] : (sortedPerStep[m - 1] + sortedPerStep[m]) / 2
        let losses = updates.indices.map { k in validationLoss?(k) }
        let known = losses.compactMap { $0 }.sorted()
        let medianLoss = known.isEmpty ? nil : known[known.count / 2]
        return updates.indices.map { k in
            let n = norm(updates[k])
            let cos = (n == 0 || medianVectorNorm == 0) ? 1 : dot(updates[k], median) / (n * medianVectorNorm)
            var reasons: [String] = []
            if n > normBound { reasons.append("norm \(Int(n * 1000) / 1000) exceeds bound \(normBound)") }
            if updates.count >= 3, medianPerStep > 0, perStep[k] > relativeNorm * medianPerStep {
                reasons.append("norm per step \(Int(perStep[k] * 10000) / 10000) is over \(relativeNorm)× the round median \(Int(medianPerStep * 10000) / 10000)")
            }
            if cos < minimumCosine { reasons.append("cosine \(Int(cos * 1000) / 1000) to the median below \(minimumCosine)") }
            if let loss = losses[k], let medianLoss, loss > lossFactor * medianLoss {
                reasons.append("validation loss \(Int(loss * 1000) / 1000) above \(lossFactor)× the round median")
            }
            return UpdateCheck(norm: n, cosine: cos, validationLoss: losses[k], passed: reasons.isEmpty,
                               reason: reasons.joined(separator: "; "))
        }
    }

    func norm(_ v: [Float]) -> Double { dot(v, v).squareRoot() }

    func dot(_ a: [Float], _ b: [Float]) -> Double {
        var s = 0.0
        for i in a.indices { s += Double(a[i]) * Double(b[i]) }
        return s
    }
}
