/// The (ε, δ) a DP-SGD run has spent, with the parameters the accountant was given.
///
/// JSON (as in `medchain train --json`): `{"epsilon", "delta", "optimal_order",
/// "noise_multiplier", "sampling_rate", "steps", "clipping_norm", "expected_batch_size"}`.
public struct PrivacySpent: Sendable, Codable, Equatable {
    /// ε from ``RDPAccountant`` for `steps` steps at rate q and noise multiplier σ.
    public var epsilon: Double
    public var delta: Double
    /// The Rényi order that gave the smallest ε.
    public var optimalOrder: Double
    /// σ: the noise standard deviation on each coordinate of the clipped sum is σ·C.
    public var noiseMultiplier: Double
    /// q: each example's probability of joining a step.
    public var samplingRate: Double
    public var steps: Int
    public var clippingNorm: Double
    /// q·N, the fixed denominator of the noisy mean gradient.
    public var expectedBatchSize: Double

    public init(epsilon: Double, delta: Double, optimalOrder: Double, noiseMultiplier: Double,
                samplingRate: Double, steps: Int, clippingNorm: Double, expectedBatchSize: Double) {
        self.epsilon = epsilon
        self.delta = delta
        self.optimalOrder = optimalOrder
        self.noiseMultiplier = noiseMultiplier
        self.samplingRate = samplingRate
        self.steps = steps
        self.clippingNorm = clippingNorm
        self.expectedBatchSize = expectedBatchSize
    }

    enum CodingKeys: String, CodingKey {
        case epsilon, delta, steps
        case optimalOrder = "optimal_order"
        case noiseMultiplier = "noise_multiplier"
        case samplingRate = "sampling_rate"
        case clippingNorm = "clipping_norm"
        case expectedBatchSize = "expected_batch_size"
    }
}
