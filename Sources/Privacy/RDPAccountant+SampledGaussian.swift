import Foundation

extension RDPAccountant {
    /// RDP of one step of the Poisson-subsampled Gaussian mechanism at each order.
    ///
    /// q = 0 costs nothing; σ = 0 is not private (+∞); q = 1 is the plain Gaussian mechanism,
    /// α / (2σ²); otherwise log(A_α) / (α − 1) with A_α from the series of Mironov et al. 2019.
    public static func sampledGaussianRDP(samplingRate q: Double, noiseMultiplier sigma: Double,
                                          orders: [Double]) throws(PrivacyError) -> [Double] {
        guard q >= 0, q <= 1 else {
            throw PrivacyError(.invalidParameter, "sampling rate must be in [0, 1]; got \(q)")
        }
        guard sigma >= 0, sigma.isFinite else {
            throw PrivacyError(.invalidParameter, "noise multiplier must be non-negative and finite; got \(sigma)")
        }
        return orders.map { alpha in
            if q == 0 { return 0 }
            if alpha.isInfinite || sigma == 0 { return .infinity }
            if q == 1 { return alpha / (2 * sigma * sigma) }
            return logA(q: q, sigma: sigma, alpha: alpha) / (alpha - 1)
        }
    }

    static func logA(q: Double, sigma: Double, alpha: Double) -> Double {
        if alpha == alpha.rounded() && alpha < 1e6 {
            return logAInteger(q: q, sigma: sigma, alpha: Int(alpha))
        }
        return logAFractional(q: q, sigma: sigma, alpha: alpha)
    }

    /// A_α = Σᵢ C(α, i) qⁱ (1 − q)^(α−i) exp((i² − i) / (2σ²)) for integer α, in log space.
    static func logAInteger(q: Double, sigma: Double, alpha: Int) -> Double {
        var logA = -Double.infinity
        let logQ = log(q), log1mq = log1p(-q)
        let a = Double(alpha)
        for i in 0...alpha {
            let x = Double(i)
            let term = logBinomial(a, x) + x * logQ + (a - x) * log1mq + (x * x - x) / (2 * sigma * sigma)
            logA = logAdd(logA, term)
        }
        return logA
    }

    /// The fractional-order series of Mironov et al. 2019 §3.3, split at
    /// z₀ = σ² log(1/q − 1) + 1/2, with dp-accounting's termination rule: stop when both
    /// partial terms decrease and are e^30 below the total; give up (+∞, so the order is
    /// ignored) after 1000 terms.
    static func logAFractional(q: Double, sigma: Double, alpha: Double) -> Double {
        var logA0 = -Double.infinity, logA1 = -Double.infinity
        let z0 = sigma * sigma * log(1 / q - 1) + 0.5
        let logQ = log(q), log1mq = log1p(-q)
        let scale = 2.0.squareRoot() * sigma
        var lastS0 = -Double.infinity, lastS1 = -Double.infinity
        for step in 0..<1000 {
            let i = Double(step)
            let logCoefficient = logBinomial(alpha, i)
            let j = alpha - i
            let logT0 = logCoefficient + i * logQ + j * log1mq
            let logT1 = logCoefficient + j * logQ + i * log1mq
            let logE0 = log(0.5) + logErfc((i - z0) / scale)
            let logE1 = log(0.5) + logErfc((z0 - j) / scale)
            let logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0
            let logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1
            logA0 = logAdd(logA0, logS0)
            logA1 = logAdd(logA1, logS1)
            let total = logAdd(logA0, logA1)
            if logS0 < lastS0 && logS1 < lastS1 && max(logS0, logS1) < total - 30 {
                return total
            }
            lastS0 = logS0
            lastS1 = logS1
        }
        return .infinity
    }

    /// log |C(n, k)| through log-gamma (real n, as for fractional orders).
    static func logBinomial(_ n: Double, _ k: Double) -> Double {
        logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1)
    }

    /// log |Γ(x)|; at the poles (non-positive integers) +∞, as scipy's `gammaln`.
    static func logGamma(_ x: Double) -> Double {
        if x <= 0 && x == x.rounded() { return .infinity }
        return lgamma(x)
    }

    /// log(eˣ + eʸ) without overflow.
    static func logAdd(_ x: Double, _ y: Double) -> Double {
        let (a, b) = (min(x, y), max(x, y))
        if a == -.infinity { return b }
        if b == .infinity { return .infinity }
        return log1p(exp(a - b)) + b
    }

    /// log(erfc(x)), accurate far into the tail where erfc underflows.
    static func logErfc(_ x: Double) -> Double {
        if x < 20 { return log(erfc(x)) }
        // Asymptotic expansion: erfc(x) = e^(−x²)/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + …).
        let inverse = 1 / (x * x)
        var series = 1.0, term = 1.0
        for k in 1...6 {
            term *= -Double(2 * k - 1) / 2 * inverse
            series += term
        }
        return -x * x - log(x) - 0.5 * log(Double.pi) + log(series)
    }
}
