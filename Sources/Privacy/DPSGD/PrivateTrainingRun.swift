import DataSets
import Learning

/// The `medchain train --dp-…` job: `TrainingRun` with DP-SGD instead of plain SGD.
///
/// Loading, the model, the validation threshold, test metrics and saving are `TrainingRun`'s;
/// only the training loop (``PrivateTrainer``) and the privacy report are added.
public struct PrivateTrainingRun {
    public struct Options: Sendable {
        /// Data, architecture and training configuration; `batchSize` is the *expected* batch
        /// size qN.
        public var training: TrainingRun.Options
        public var clippingNorm: Double
        public var noise: DPSGDConfiguration.Noise
        /// δ; `nil` uses ``DPSGDConfiguration/defaultDelta(datasetSize:)`` of the train split.
        public var delta: Double?
        /// See ``DPSGDConfiguration/noiseSeed``: a known seed voids privacy.
        public var noiseSeed: UInt64?

        public init(training: TrainingRun.Options, clippingNorm: Double = 1, noise: DPSGDConfiguration.Noise,
                    delta: Double? = nil, noiseSeed: UInt64? = nil) {
            self.training = training
            self.clippingNorm = clippingNorm
            self.noise = noise
            self.delta = delta
            self.noiseSeed = noiseSeed
        }
    }

    /// The privacy part of the report: what was spent, with what, and how it grew.
    public struct PrivacyReport: Encodable, Sendable {
        public var spent: PrivacySpent
        /// The requested ε when σ was solved for it.
        public var targetEpsilon: Double?
        /// The share of drawn examples whose gradient was clipped.
        public var clippedFraction: Double
        /// ε after each epoch.
        public var epsilonPerEpoch: [Double]
        /// True when the noise seed was given explicitly: the run is reproducible and **not
        /// private** against anyone who knows the seed.
        public var noiseSeedGiven: Bool

        enum CodingKeys: String, CodingKey {
            case targetEpsilon = "target_epsilon"
            case clippedFraction = "clipped_fraction"
            case epsilonPerEpoch = "epsilon_per_epoch"
            case noiseSeedGiven = "noise_seed_given"
        }

        public func encode(to encoder: any Encoder) throws {
            try spent.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(targetEpsilon, forKey: .targetEpsilon)
            try container.encode(clippedFraction, forKey: .clippedFraction)
            try container.encode(epsilonPerEpoch, forKey: .epsilonPerEpoch)
            try container.encode(noiseSeedGiven, forKey: .noiseSeedGiven)
        }
    }

    /// `TrainingRun.Report`'s keys plus `"privacy"`.
    public struct Report: Encodable, Sendable {
        public var training: TrainingRun.Report
        public var privacy: PrivacyReport

        enum CodingKeys: String, CodingKey { case privacy }

        public func encode(to encoder: any Encoder) throws {
            try training.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(privacy, forKey: .privacy)
        }
    }

    public let options: Options
    public var base: TrainingRun { TrainingRun(options: options.training) }

    public init(options: Options) { self.options = options }

    /// Loads the data and builds the model (as `TrainingRun.prepare`).
    public func prepare() throws -> (splits: DatasetSplits, model: Sequential) {
        try base.prepare()
    }

    /// The trainer for these splits: plans q, the steps and σ (solving for a target ε), so the
    /// caller can show the plan before training.
    public func makeTrainer(splits: DatasetSplits, model: Sequential) throws(PrivacyError) -> PrivateTrainer {
        let n = splits.train.count
        let privacy = DPSGDConfiguration(clippingNorm: options.clippingNorm, noise: options.noise,
                                         delta: options.delta ?? DPSGDConfiguration.defaultDelta(datasetSize: n),
                                         noiseSeed: options.noiseSeed)
        return try PrivateTrainer(model: model, configuration: options.training.configuration, privacy: privacy, datasetSize: n)
    }

    /// Trains with DP-SGD (validating each epoch), then evaluates, saves and reports as
    /// `TrainingRun` does; a saved model carries its privacy figures in its metadata
    /// (`medchain.dp_epsilon`, `medchain.dp_delta`, …).
    public func run(splits: DatasetSplits, trainer: PrivateTrainer, progress: (any TrainingProgress)?,
                    outputPath: String?) throws -> Report {
        trainer.progress = progress
        let epochs = trainer.fit(train: splits.train, validation: splits.validation)
        let spent = try trainer.privacySpent()
        var perStep = RDPAccountant()
        try perStep.compose(samplingRate: trainer.samplingRate, noiseMultiplier: trainer.noiseMultiplier)
        let perEpoch = try (1...epochs.count).map { e throws(PrivacyError) in
            try RDPAccountant.epsilon(orders: perStep.orders, rdp: perStep.rdp.map { $0 * Double(e * trainer.stepsPerEpoch) },
                                      delta: spent.delta).epsilon
        }
        let metadata = [
            "medchain.dp_epsilon": String(spent.epsilon), "medchain.dp_delta": String(spent.delta),
            "medchain.dp_noise_multiplier": String(spent.noiseMultiplier),
            "medchain.dp_sampling_rate": String(spent.samplingRate), "medchain.dp_steps": String(spent.steps),
            "medchain.dp_clipping_norm": String(spent.clippingNorm),
        ]
        let training = try base.finish(splits: splits, model: trainer.model, epochs: epochs, outputPath: outputPath,
                                       extraMetadata: metadata)
        let target: Double? = if case .targetEpsilon(let e) = options.noise { e } else { nil }
        return Report(training: training, privacy: PrivacyReport(
            spent: spent, targetEpsilon: target, clippedFraction: trainer.clippedFraction,
            epsilonPerEpoch: perEpoch, noiseSeedGiven: options.noiseSeed != nil))
    }
}
