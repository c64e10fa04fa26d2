import DataSets
import Learning
import Privacy
import Tensor

/// One hospital's local training in a round: start from the committed global model, train with
/// the task's client optimiser, return the new parameters.
public struct LocalTraining {
    public let config: FederatedTaskConfig
    public let workers: Int

    public init(config: FederatedTaskConfig, workers: Int = Parallel.coreCount) {
        self.config = config
        self.workers = workers
    }

    /// The client recipe, shared by every arm of an experiment (local-only, federated, pooled).
    public func configuration(epochs: Int, seed: UInt64) -> TrainingConfiguration {
        TrainingConfiguration(epochs: epochs, batchSize: config.batchSize,
                              optimizer: .sgd(learningRate: config.learningRate, momentum: config.momentum),
                              seed: seed)
    }

    /// Trains `model` (already holding the global parameters) on `data` for the task's local
    /// epochs; the optimiser state starts fresh each round. FedProx adds μ·(w − w_global) to the
    /// gradient.
    public func run(model: Sequential, global: [Float], data: LabeledData, seed: UInt64) {
        let trainer = Trainer(model: model, configuration: configuration(epochs: config.localEpochs, seed: seed))
        if config.proximalMu > 0 {
            let mu = config.proximalMu
            trainer.gradientTransform = { model in
                var offset = 0
                for p in model.parameters {
                    p.gradient.withUnsafeMutableBufferPointer { g in
                        p.value.withUnsafeBufferPointer { w in
                            for i in 0..<g.count { g[i] += mu * (w[i] - global[offset + i]) }
                        }
                    }
                    offset += p.count
                }
            }
        }
        trainer.fit(train: data)
    }

    /// The seed of participant `index`'s local training in round `r` (every node derives the
    /// same one from the task's seed, so a run repeats).
    public func seed(round r: Int, participant index: Int) -> UInt64 {
        config.seed &+ UInt64(r) &* 1_000_003 &+ UInt64(index) &* 7919
    }

    /// Loads `global` into `model`, trains on `data` (`run`) and returns the delta local − global.
    public func delta(model: Sequential, global: [Float], data: LabeledData, seed: UInt64) throws -> [Float] {
        try model.loadFlatParameters(global)
        run(model: model, global: global, data: data, seed: seed)
        return zip(model.flatParameters(), global).map { $0 - $1 }
    }

    /// Sample-level DP: loads `global` into `model`, trains on `data` with DP-SGD (per-example
    /// clipping to the task's C, Gaussian noise of multiplier `noiseMultiplier`) and returns the
    /// delta local − global. `noiseSeed` nil draws the noise from the system's generator, as a
    /// deployment must; a seed makes a simulation repeat and voids the guarantee.
    public func privateDelta(model: Sequential, global: [Float], data: LabeledData, seed: UInt64,
                             noiseMultiplier: Double, noiseSeed: UInt64?) throws -> [Float] {
        try model.loadFlatParameters(global)
        let dp = DPSGDConfiguration(clippingNorm: config.privacy.clipNorm, noise: .multiplier(noiseMultiplier),
                                    delta: config.privacy.delta, noiseSeed: noiseSeed)
        let trainer = try PrivateTrainer(model: model, configuration: configuration(epochs: config.localEpochs, seed: seed),
                                         privacy: dp, datasetSize: data.count)
        trainer.fit(train: data)
        return zip(model.flatParameters(), global).map { $0 - $1 }
    }
}
