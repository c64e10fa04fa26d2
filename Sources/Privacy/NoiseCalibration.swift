/// Finds the noise multiplier σ that meets a target ε (the inverse of the accountant).
public enum NoiseCalibration {
    /// The smallest σ (to a relative `tolerance`) whose ε after `steps` steps at sampling rate
    /// q is at most `targetEpsilon` for this δ.
    ///
    /// ε is decreasing in σ, so the solver brackets the root by doubling from σ = 1 (or halving
    /// towards 0) and then bisects. The returned σ always satisfies ε(σ) ≤ target: it is the
    /// upper end of the final bracket.
    /// - Throws: ``PrivacyError/Code/unreachableTarget`` when even σ = 10⁴ cannot reach the
    ///   target (for example q = 0 is free, and δ too small for any ε), or
    ///   ``PrivacyError/Code/invalidParameter`` for parameters out of range.
    public static func noiseMultiplier(targetEpsilon: Double, samplingRate q: Double, steps: Int, delta: Double,
                                       orders: [Double] = RDPAccountant.defaultOrders,
                                       tolerance: Double = 1e-7) throws(PrivacyError) -> Double {
        guard targetEpsilon > 0, targetEpsilon.isFinite else {
            throw PrivacyError(.invalidParameter, "target epsilon must be positive and finite; got \(targetEpsilon)")
        }
        guard delta > 0, delta < 1 else {
            throw PrivacyError(.invalidParameter, "delta must be in (0, 1); got \(delta)")
        }
        guard steps >= 1 else {
            throw PrivacyError(.invalidParameter, "steps must be at least 1; got \(steps)")
        }
        func epsilon(_ sigma: Double) throws(PrivacyError) -> Double {
            try RDPAccountant.epsilon(samplingRate: q, noiseMultiplier: sigma, steps: steps, delta: delta, orders: orders).epsilon
        }
        if q == 0 { return 0 }
        var high = 1.0
        var low = 0.0
        if try epsilon(high) > targetEpsilon {
            while try epsilon(high) > targetEpsilon {
                low = high
                high *= 2
                if high > 1e4 {
                    throw PrivacyError(.unreachableTarget, "no noise multiplier up to 10000 reaches epsilon \(targetEpsilon) with q = \(q), \(steps) steps, delta = \(delta); raise the target or lower q or the step count")
                }
            }
        } else {
            // Shrink towards 0 while the target still holds, to bracket from below.
            while high > 1e-6 {
                let candidate = high / 2
                if try epsilon(candidate) > targetEpsilon {
                    low = candidate
                    break
                }
                high = candidate
            }
        }
        while high - low > tolerance * high {
            let middle = (low + high) / 2
            if try epsilon(middle) > targetEpsilon { low = middle } else { high = middle }
        }
        return high
    }
}
