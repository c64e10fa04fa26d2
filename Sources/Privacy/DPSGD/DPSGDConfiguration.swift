import Foundation

/// The privacy side of a DP-SGD run: clipping norm C, noise (σ or a target ε), δ and the
/// source of the noise.
///
/// ```swift
/// let privacy = DPSGDConfiguration(clippingNorm: 1, noise: .targetEpsilon(8), delta: 1e-5)
/// let trainer = try PrivateTrainer(model: model, configuration: training, privacy: privacy,
///                                  datasetSize: train.count)
/// ```
public struct DPSGDConfiguration: Sendable, Equatable {
    /// How much noise to add.
    public enum Noise: Sendable, Equatable {
        /// A fixed noise multiplier σ: each step adds N(0, σ²C²) to every coordinate of the sum.
        case multiplier(Double)
        /// The ε the whole planned run (all epochs) should spend; σ is solved for it with
        /// ``NoiseCalibration``.
        case targetEpsilon(Double)
    }

    /// L2 bound C on each example's gradient.
    public var clippingNorm: Double
    public var noise: Noise
    /// δ of the (ε, δ) guarantee; see ``defaultDelta(datasetSize:)``.
    public var delta: Double
    /// Seeds the noise and the Poisson sampling. `nil` (the default) draws a fresh seed from the
    /// system's cryptographic random source and never reveals it. A seed that anyone else knows
    /// or can guess **voids the privacy guarantee** (the noise can be subtracted); set it only
    /// for reproducible simulations and tests.
    public var noiseSeed: UInt64?

    public init(clippingNorm: Double = 1, noise: Noise, delta: Double, noiseSeed: UInt64? = nil) {
        self.clippingNorm = clippingNorm
        self.noise = noise
        self.delta = delta
        self.noiseSeed = noiseSeed
    }

    /// The DP-SGD settings of a `sample-level` ``PrivacyPolicy``.
    /// - Throws: ``PrivacyError/Code/invalidPolicy`` for any other mode.
    public init(policy: PrivacyPolicy, noiseSeed: UInt64? = nil) throws(PrivacyError) {
        guard policy.mode == .sampleLevel, let clippingNorm = policy.clippingNorm, let delta = policy.delta else {
            throw PrivacyError(.invalidPolicy, "DP-SGD needs a privacy policy with mode \"sample-level\"; got \"\(policy.mode.rawValue)\"")
        }
        let noise: Noise = if let sigma = policy.noiseMultiplier { .multiplier(sigma) } else { .targetEpsilon(policy.targetEpsilon!) }
        self.init(clippingNorm: clippingNorm, noise: noise, delta: delta, noiseSeed: noiseSeed)
    }

    /// δ for a dataset of `datasetSize` records: the largest power of ten strictly below
    /// 1/N, and at most 10⁻⁵. (δ must be well below 1/N: a mechanism that publishes one random
    /// record outright is (0, 1/N)-DP.)
    public static func defaultDelta(datasetSize: Int) -> Double {
        guard datasetSize > 0 else { return 1e-5 }
        let exponent = Int(log10(Double(datasetSize)).rounded(.down)) + 1
        return min(1e-5, pow(10, -Double(exponent)))
    }

    /// Checks every field, naming the one that is wrong.
    public func validate() throws(PrivacyError) {
        guard clippingNorm > 0, clippingNorm.isFinite else {
            throw PrivacyError(.invalidParameter, "DP-SGD clipping norm must be positive and finite; got \(clippingNorm)")
        }
        switch noise {
        case .multiplier(let sigma):
            guard sigma > 0, sigma.isFinite else {
                throw PrivacyError(.invalidParameter, "DP-SGD noise multiplier must be positive and finite; got \(sigma) (without noise there is no privacy: train without DP instead)")
            }
        case .targetEpsilon(let epsilon):
            guard epsilon > 0, epsilon.isFinite else {
                throw PrivacyError(.invalidParameter, "DP-SGD target epsilon must be positive and finite; got \(epsilon)")
            }
        }
        guard delta > 0, delta < 1 else {
            throw PrivacyError(.invalidParameter, "DP-SGD delta must be in (0, 1); got \(delta)")
        }
    }
}
