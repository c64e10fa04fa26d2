/// The differential-privacy settings a training task carries.
///
/// JSON (snake_case keys), e.g. DP-SGD with a fixed noise multiplier:
///
///     {"mode": "sample-level", "clipping_norm": 1.0, "noise_multiplier": 1.1,
///      "delta": 1e-5, "epsilon_budget": 8.0}
///
/// or DP-FedAvg with σ solved from a target ε over the planned rounds:
///
///     {"mode": "client-level", "clipping_norm": 0.5, "target_epsilon": 4.0,
///      "delta": 1e-3, "epsilon_budget": 10.0}
///
/// - `sample-level`: DP-SGD; each example's gradient is clipped to C and N(0, σ²C²) noise is
///   added to every batch sum. q = batch size / examples, steps = local steps in total.
/// - `client-level`: DP-FedAvg; each client's update is clipped to C and the server adds
///   N(0, σ²C²) to the sum. q = clients per round / clients, steps = rounds.
/// - `none`: no clipping, no noise, no accounting.
///
/// Decoding validates, so a policy that exists is consistent.
public struct PrivacyPolicy: Sendable, Equatable, Hashable, Codable {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case none
        case sampleLevel = "sample-level"
        case clientLevel = "client-level"
    }

    public let mode: Mode
    /// L2 clipping norm C (per example or per client update).
    public let clippingNorm: Double?
    /// Noise standard deviation as a multiple of C; exclusive with ``targetEpsilon``.
    public let noiseMultiplier: Double?
    /// The ε the whole planned training should reach; σ is then solved for.
    public let targetEpsilon: Double?
    /// δ of the (ε, δ) guarantee; choose δ well below 1 / (number of examples or clients).
    public let delta: Double?
    /// The total ε the data owner allows; training must stop before spending more.
    public let epsilonBudget: Double?

    enum CodingKeys: String, CodingKey {
        case mode
        case clippingNorm = "clipping_norm"
        case noiseMultiplier = "noise_multiplier"
        case targetEpsilon = "target_epsilon"
        case delta
        case epsilonBudget = "epsilon_budget"
    }

    /// No differential privacy.
    public static let none = PrivacyPolicy(unchecked: .none, clippingNorm: nil, noiseMultiplier: nil,
                                           targetEpsilon: nil, delta: nil, epsilonBudget: nil)

    private init(unchecked mode: Mode, clippingNorm: Double?, noiseMultiplier: Double?,
                 targetEpsilon: Double?, delta: Double?, epsilonBudget: Double?) {
        self.mode = mode
        self.clippingNorm = clippingNorm
        self.noiseMultiplier = noiseMultiplier
        self.targetEpsilon = targetEpsilon
        self.delta = delta
        self.epsilonBudget = epsilonBudget
    }

    /// A DP policy with a fixed noise multiplier σ.
    public init(mode: Mode, clippingNorm: Double, noiseMultiplier: Double, delta: Double,
                epsilonBudget: Double) throws(PrivacyError) {
        self.init(unchecked: mode, clippingNorm: clippingNorm, noiseMultiplier: noiseMultiplier,
                  targetEpsilon: nil, delta: delta, epsilonBudget: epsilonBudget)
        try validate()
    }

    /// A DP policy whose σ is solved from a target ε for the planned training.
    public init(mode: Mode, clippingNorm: Double, targetEpsilon: Double, delta: Double,
                epsilonBudget: Double) throws(PrivacyError) {
        self.init(unchecked: mode, clippingNorm: clippingNorm, noiseMultiplier: nil,
                  targetEpsilon: targetEpsilon, delta: delta, epsilonBudget: epsilonBudget)
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(unchecked: try container.decode(Mode.self, forKey: .mode),
                  clippingNorm: try container.decodeIfPresent(Double.self, forKey: .clippingNorm),
                  noiseMultiplier: try container.decodeIfPresent(Double.self, forKey: .noiseMultiplier),
                  targetEpsilon: try container.decodeIfPresent(Double.self, forKey: .targetEpsilon),
                  delta: try container.decodeIfPresent(Double.self, forKey: .delta),
                  epsilonBudget: try container.decodeIfPresent(Double.self, forKey: .epsilonBudget))
        try validate()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mode, forKey: .mode)
        try container.encodeIfPresent(clippingNorm, forKey: .clippingNorm)
        try container.encodeIfPresent(noiseMultiplier, forKey: .noiseMultiplier)
        try container.encodeIfPresent(targetEpsilon, forKey: .targetEpsilon)
        try container.encodeIfPresent(delta, forKey: .delta)
        try container.encodeIfPresent(epsilonBudget, forKey: .epsilonBudget)
    }

    /// Whether the policy adds noise and spends ε.
    public var isPrivate: Bool { mode != .none }

    /// Checks that the fields fit the mode.
    public func validate() throws(PrivacyError) {
        if mode == .none {
            guard clippingNorm == nil, noiseMultiplier == nil, targetEpsilon == nil, delta == nil, epsilonBudget == nil else {
                throw PrivacyError(.invalidPolicy, "privacy policy with mode \"none\" must not set clipping_norm, noise_multiplier, target_epsilon, delta or epsilon_budget")
            }
            return
        }
        guard let clippingNorm else {
            throw PrivacyError(.invalidPolicy, "privacy policy mode \"\(mode.rawValue)\" needs clipping_norm (the L2 bound C)")
        }
        guard clippingNorm > 0, clippingNorm.isFinite else {
            throw PrivacyError(.invalidPolicy, "privacy policy clipping_norm must be positive and finite; got \(clippingNorm)")
        }
        switch (noiseMultiplier, targetEpsilon) {
        case (nil, nil):
            throw PrivacyError(.invalidPolicy, "privacy policy needs either noise_multiplier or target_epsilon")
        case (.some, .some):
            throw PrivacyError(.invalidPolicy, "privacy policy sets both noise_multiplier and target_epsilon; keep one (sigma is solved from the target)")
        case (let sigma?, nil):
            guard sigma > 0, sigma.isFinite else {
                throw PrivacyError(.invalidPolicy, "privacy policy noise_multiplier must be positive and finite; got \(sigma)")
            }
        case (nil, let target?):
            guard target > 0, target.isFinite else {
                throw PrivacyError(.invalidPolicy, "privacy policy target_epsilon must be positive and finite; got \(target)")
            }
        }
        guard let delta else {
            throw PrivacyError(.invalidPolicy, "privacy policy needs delta (for example 1e-5, below 1 / number of records)")
        }
        guard delta > 0, delta < 1 else {
            throw PrivacyError(.invalidPolicy, "privacy policy delta must be in (0, 1); got \(delta)")
        }
        guard let epsilonBudget else {
            throw PrivacyError(.invalidPolicy, "privacy policy needs epsilon_budget (the total epsilon the data owner allows)")
        }
        guard epsilonBudget > 0, epsilonBudget.isFinite else {
            throw PrivacyError(.invalidPolicy, "privacy policy epsilon_budget must be positive and finite; got \(epsilonBudget)")
        }
        if let targetEpsilon, targetEpsilon > epsilonBudget {
            throw PrivacyError(.invalidPolicy, "privacy policy target_epsilon \(targetEpsilon) exceeds epsilon_budget \(epsilonBudget)")
        }
    }

    /// σ for a training plan: the fixed one, or the smallest that meets ``targetEpsilon``
    /// after `steps` steps at sampling rate q. Nil when the policy is not private.
    public func resolvedNoiseMultiplier(samplingRate q: Double, steps: Int) throws(PrivacyError) -> Double? {
        guard isPrivate else { return nil }
        if let noiseMultiplier { return noiseMultiplier }
        return try NoiseCalibration.noiseMultiplier(targetEpsilon: targetEpsilon!, samplingRate: q, steps: steps, delta: delta!)
    }

    /// ε spent after `steps` steps at sampling rate q (0 when not private).
    public func epsilon(samplingRate q: Double, steps: Int) throws(PrivacyError) -> Double {
        guard isPrivate, let sigma = try resolvedNoiseMultiplier(samplingRate: q, steps: steps) else { return 0 }
        return try RDPAccountant.epsilon(samplingRate: q, noiseMultiplier: sigma, steps: steps, delta: delta!).epsilon
    }

    /// Whether spending `epsilon` in total stays within the budget.
    public func allows(totalEpsilon epsilon: Double) -> Bool {
        guard let epsilonBudget else { return true }
        return epsilon <= epsilonBudget
    }
}
