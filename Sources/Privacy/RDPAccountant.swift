import Foundation

/// Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism (DP-SGD, DP-FedAvg).
///
/// Each step releases a sum of contributions clipped to L2 norm C plus N(0, σ²C²) noise, where
/// every record (or client) is included independently with probability q. Its RDP at order α
/// is computed as in Mironov, Talwar & Zhang 2019 ("Rényi Differential Privacy of the Sampled
/// Gaussian Mechanism"), §3.3; T steps compose by adding RDP. The conversion to (ε, δ) is the
/// improved bound of Balle et al. 2020 / Canonne, Kamath & Steinke 2020:
///
///     ε = min over α of  RDP(α) + log1p(−1/α) − log(δ·α) / (α − 1)
///
/// which both Google's dp-accounting (`rdp_privacy_accountant.compute_epsilon`) and Opacus
/// (`get_privacy_spent`) use. The numerics follow dp-accounting 0.6.0 exactly — its order
/// grid, its series for fractional orders (absolute binomial terms, at most 1000 of them, an
/// order dropped when its series has not converged), and its KL shortcut for tiny RDP — so
/// results agree with it to floating-point rounding. See docs/privacy.md for how this relates
/// to Opacus.
///
/// ```swift
/// var accountant = RDPAccountant()
/// accountant.compose(samplingRate: 256.0 / 60_000, noiseMultiplier: 1.1, steps: 14_062)
/// accountant.epsilon(delta: 1e-5).epsilon   // 2.5966
/// ```
public struct RDPAccountant: Sendable, Codable, Equatable {
    /// dp-accounting's `DEFAULT_RDP_ORDERS`: 1.1 … 10.9 in steps of 0.1, 11 … 63, 128 … 1024.
    public static let defaultOrders: [Double] = {
        let fractional: [Double] = (1...99).map { 1 + Double($0) / 10 }
        let integral: [Double] = (11...63).map { Double($0) }
        return fractional + integral + [128, 256, 512, 1024]
    }()

    /// Opacus's `RDPAccountant.DEFAULT_ALPHAS`: 1.1 … 10.9 in steps of 0.1, then 12 … 63.
    public static let opacusOrders: [Double] = {
        let fractional: [Double] = (1...99).map { 1 + Double($0) / 10 }
        let integral: [Double] = (12...63).map { Double($0) }
        return fractional + integral
    }()

    /// The Rényi orders α (all > 1).
    public let orders: [Double]
    /// The accumulated RDP at each order (may be +∞ where an order is unusable).
    public private(set) var rdp: [Double]

    public init(orders: [Double] = RDPAccountant.defaultOrders) {
        precondition(!orders.isEmpty && orders.allSatisfy { $0 > 1 }, "RDP orders must be > 1")
        self.orders = orders
        self.rdp = [Double](repeating: 0, count: orders.count)
    }

    /// Adds `steps` steps of the sampled Gaussian mechanism.
    /// - Throws: ``PrivacyError/Code/invalidParameter`` for q ∉ [0, 1], σ < 0 or steps < 0.
    public mutating func compose(samplingRate q: Double, noiseMultiplier sigma: Double, steps: Int = 1) throws(PrivacyError) {
        let step = try Self.sampledGaussianRDP(samplingRate: q, noiseMultiplier: sigma, orders: orders)
        guard steps >= 0 else {
            throw PrivacyError(.invalidParameter, "steps must be non-negative; got \(steps)")
        }
        for i in rdp.indices where steps > 0 { rdp[i] += Double(steps) * step[i] }
    }

    /// The smallest ε over all orders for this δ, and the order that attains it.
    public func epsilon(delta: Double) throws(PrivacyError) -> (epsilon: Double, order: Double) {
        try Self.epsilon(orders: orders, rdp: rdp, delta: delta)
    }

    /// The ε of T steps with one call.
    public static func epsilon(samplingRate q: Double, noiseMultiplier sigma: Double, steps: Int,
                               delta: Double, orders: [Double] = defaultOrders) throws(PrivacyError) -> (epsilon: Double, order: Double) {
        var accountant = RDPAccountant(orders: orders)
        try accountant.compose(samplingRate: q, noiseMultiplier: sigma, steps: steps)
        return try accountant.epsilon(delta: delta)
    }

    // MARK: (ε, δ) conversion

    /// Converts RDP values to (ε, δ)-DP with the improved conversion (see the type's docs).
    public static func epsilon(orders: [Double], rdp: [Double], delta: Double) throws(PrivacyError) -> (epsilon: Double, order: Double) {
        guard delta >= 0, delta < 1 else {
            throw PrivacyError(.invalidParameter, "delta must be in [0, 1); got \(delta)")
        }
        precondition(orders.count == rdp.count)
        if delta == 0 {
            return rdp.allSatisfy { $0 == 0 } ? (0, 0) : (.infinity, 0)
        }
        var best = (epsilon: Double.infinity, order: orders[0])
        for (a, r) in zip(orders, rdp) {
            let epsilon: Double
            if r < 0 {
                epsilon = 0  // numerical noise from extreme parameters; dp-accounting does the same
            } else if delta * delta + expm1(-r) > 0 {
                epsilon = 0  // δ ≥ √(1 − e^(−KL)) already bounds the total variation
            } else if a > 1.01 {
                epsilon = r + log1p(-1 / a) - log(delta * a) / (a - 1)
            } else {
                epsilon = .infinity  // the bound is numerically unstable as α → 1
            }
            if epsilon < best.epsilon { best = (epsilon, a) }
        }
        return (max(0, best.epsilon), best.order)
    }
}
