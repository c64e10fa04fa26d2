/// How a task protects the hospitals' data: differential privacy, homomorphic encryption of
/// the updates, and partial sharing (only a fraction of the parameters leaves each hospital).
public struct PrivacyPolicy: Hashable, Sendable, Codable {
    public enum Mode: UInt8, Sendable, Codable, CaseIterable {
        /// No differential privacy.
        case none = 0
        /// Each hospital clips and noises its own update (DP-SGD), ε accounted per dataset.
        case local = 1
        /// The aggregator adds noise to the aggregate.
        case central = 2

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            let name = try container.decode(String.self)
            guard let mode = Mode.allCases.first(where: { "\($0)" == name }) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "DP mode must be none, local or central, got \"\(name)\"")
            }
            self = mode
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode("\(self)")
        }
    }

    public var mode: Mode
    /// ε a round may spend per dataset (0 when `mode` is `.none`).
    public var epsilonPerRound: Epsilon
    public var delta: Double
    /// L2 clipping norm applied to each update before it leaves a hospital.
    public var clippingNorm: Double
    public var homomorphicEncryption: Bool
    /// Fraction of parameters shared each round, in (0, 1].
    public var partialFraction: Double

    public init(mode: Mode = .none, epsilonPerRound: Epsilon = .zero, delta: Double = 0, clippingNorm: Double = 0,
                homomorphicEncryption: Bool = false, partialFraction: Double = 1) {
        self.mode = mode
        self.epsilonPerRound = epsilonPerRound
        self.delta = delta
        self.clippingNorm = clippingNorm
        self.homomorphicEncryption = homomorphicEncryption
        self.partialFraction = partialFraction
    }

    func validateFields() throws(TransactionRejection) {
        try FieldRules.finite(delta, "privacy.delta", atLeast: 0)
        guard delta < 1 else { throw .invalidField(field: "privacy.delta", reason: "must be < 1") }
        try FieldRules.finite(clippingNorm, "privacy.clippingNorm", atLeast: 0)
        try FieldRules.finite(partialFraction, "privacy.partialFraction")
        guard partialFraction > 0, partialFraction <= 1 else {
            throw .invalidField(field: "privacy.partialFraction", reason: "must be in (0, 1]")
        }
        if mode == .none, epsilonPerRound != .zero {
            throw .invalidField(field: "privacy.epsilonPerRound", reason: "must be 0 when the DP mode is none")
        }
        if mode != .none, epsilonPerRound == .zero {
            throw .invalidField(field: "privacy.epsilonPerRound", reason: "must be > 0 with differential privacy")
        }
    }
}

extension PrivacyPolicy: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(mode.rawValue); writer.write(epsilonPerRound); writer.write(delta)
        writer.write(clippingNorm); writer.write(homomorphicEncryption); writer.write(partialFraction)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        let raw = try reader.readUInt8("privacy mode")
        guard let mode = Mode(rawValue: raw) else { throw reader.fail("unknown DP mode \(raw)") }
        self.mode = mode
        epsilonPerRound = try Epsilon(from: &reader)
        delta = try reader.readDouble("delta")
        clippingNorm = try reader.readDouble("clippingNorm")
        homomorphicEncryption = try reader.readBool("homomorphicEncryption")
        partialFraction = try reader.readDouble("partialFraction")
    }
}
