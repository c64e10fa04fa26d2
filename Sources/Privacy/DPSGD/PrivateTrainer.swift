import DataSets
import Foundation
import Learning
import Tensor

/// Trains a `Sequential` model with DP-SGD (Abadi et al. 2016, "Deep Learning with
/// Differential Privacy"), accounted with ``RDPAccountant``.
///
/// Each step:
/// 1. Poisson sampling: every example joins independently with probability q = batch size / N
///    (``PoissonSampler``); a batch may be empty;
/// 2. each example's gradient gᵢ is clipped to L2 norm C and the clipped gradients are summed
///    (`Sequential.computeClippedGradientSum`, two backward passes, no per-example copies);
/// 3. N(0, σ²C²) noise is added to every coordinate of the sum, which is divided by the
///    *expected* batch size qN, as Opacus does (a fixed denominator, so one example moves the
///    mean by at most C/(qN) before noise; an empty batch still adds noise and steps);
/// 4. the optional `gradientTransform` and global clipping (post-processing, free of privacy
///    cost) and the optimiser step.
///
/// An epoch is round(1/q) steps, so it visits N examples in expectation. σ is fixed or solved
/// from a target ε for the planned `epochs × stepsPerEpoch` steps.
///
/// The reported train loss and accuracy are computed on the sampled private examples and are
/// not themselves protected: they are local diagnostics for the data owner.
public final class PrivateTrainer {
    public let model: Sequential
    public let configuration: TrainingConfiguration
    public let privacy: DPSGDConfiguration
    public let optimizer: any Optimizer
    /// N, the number of training examples the accounting is for.
    public let datasetSize: Int
    /// q = min(1, batch size / N).
    public let samplingRate: Double
    /// round(1/q).
    public let stepsPerEpoch: Int
    /// σ, fixed or solved from the target ε.
    public let noiseMultiplier: Double
    /// Called after the noisy gradient is formed and before clipping and the update.
    public var gradientTransform: ((Sequential) -> Void)?
    /// Receives progress; `nil` trains silently.
    public var progress: (any TrainingProgress)?
    /// Steps taken so far: what ε is accounted for.
    public private(set) var stepCount = 0
    /// Examples drawn and examples whose gradient was clipped, over all steps.
    public private(set) var examplesSeen = 0
    public private(set) var examplesClipped = 0

    private var sampler: PoissonSampler
    private let noiseRoot: SeededGenerator
    private var noiseDraws: UInt64 = 0
    private var noise: [Float] = []

    /// - Parameters:
    ///   - configuration: epochs, the *expected* batch size, optimiser and seed (for dropout
    ///     masks; initialisation is seeded where the model is built).
    ///   - datasetSize: N, the size of the training set `fit` and `trainEpoch` will get.
    /// - Throws: ``PrivacyError`` for invalid parameters or an unreachable target ε.
    public init(model: Sequential, configuration: TrainingConfiguration, privacy: DPSGDConfiguration,
                datasetSize: Int) throws(PrivacyError) {
        try privacy.validate()
        guard datasetSize > 0 else {
            throw PrivacyError(.invalidParameter, "DP-SGD needs a non-empty training set; got \(datasetSize) examples")
        }
        guard configuration.batchSize > 0, configuration.epochs > 0 else {
            throw PrivacyError(.invalidParameter, "DP-SGD needs a positive batch size and epoch count; got \(configuration.batchSize) and \(configuration.epochs)")
        }
        let plan = Self.plan(datasetSize: datasetSize, batchSize: configuration.batchSize)
        switch privacy.noise {
        case .multiplier(let sigma):
            noiseMultiplier = sigma
        case .targetEpsilon(let epsilon):
            noiseMultiplier = try NoiseCalibration.noiseMultiplier(
                targetEpsilon: epsilon, samplingRate: plan.samplingRate,
                steps: plan.stepsPerEpoch * configuration.epochs, delta: privacy.delta)
        }
        self.model = model
        self.configuration = configuration
        self.privacy = privacy
        self.optimizer = configuration.optimizer.makeOptimizer()
        self.datasetSize = datasetSize
        self.samplingRate = plan.samplingRate
        self.stepsPerEpoch = plan.stepsPerEpoch
        // The system generator is the OS CSPRNG (getrandom on Linux); its seed is never stored.
        let root = SeededGenerator(seed: privacy.noiseSeed ?? UInt64.random(in: .min ... .max))
        noiseRoot = root.derived(0)
        sampler = PoissonSampler(samplingRate: plan.samplingRate, generator: root.derived(1))
    }

    /// q = min(1, batchSize / N) and round(1/q) steps per epoch.
    public static func plan(datasetSize: Int, batchSize: Int) -> (samplingRate: Double, stepsPerEpoch: Int) {
        let q = min(1, Double(batchSize) / Double(datasetSize))
        return (q, max(1, Int((1 / q).rounded())))
    }

    /// The steps `fit` takes: epochs × steps per epoch.
    public var plannedSteps: Int { stepsPerEpoch * configuration.epochs }
    /// qN, the denominator of the noisy mean.
    public var expectedBatchSize: Double { samplingRate * Double(datasetSize) }
    /// σ·C/(qN): the noise standard deviation on each coordinate of the gradient the optimiser
    /// sees.
    public var gradientNoiseStandardDeviation: Double {
        noiseMultiplier * privacy.clippingNorm / expectedBatchSize
    }

    /// What the steps taken so far have spent.
    public func privacySpent() throws(PrivacyError) -> PrivacySpent {
        let (epsilon, order) = try RDPAccountant.epsilon(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier,
                                                         steps: stepCount, delta: privacy.delta)
        return PrivacySpent(epsilon: epsilon, delta: privacy.delta, optimalOrder: order, noiseMultiplier: noiseMultiplier,
                            samplingRate: samplingRate, steps: stepCount, clippingNorm: privacy.clippingNorm,
                            expectedBatchSize: expectedBatchSize)
    }

    /// The share of drawn examples whose gradient was clipped (a hint for choosing C: Opacus
    /// users aim for most gradients being clipped).
    public var clippedFraction: Double { examplesSeen == 0 ? 0 : Double(examplesClipped) / Double(examplesSeen) }

    // MARK: Training

    /// Runs `configuration.epochs` epochs, evaluating on `validation` after each.
    @discardableResult
    public func fit(train: LabeledData, validation: LabeledData? = nil) -> [EpochRecord] {
        var records: [EpochRecord] = []
        for epoch in 1...configuration.epochs {
            let (loss, accuracy, rate) = trainEpoch(train, epoch: epoch)
            var record = EpochRecord(epoch: epoch, trainLoss: loss, trainAccuracy: accuracy, examplesPerSecond: rate)
            if let validation, validation.count > 0 {
                let e = model.evaluate(validation)
                record.validationLoss = e.loss
                record.validationAccuracy = e.accuracy
                record.validationAUC = e.auc
            }
            progress?.epochFinished(record, of: configuration.epochs)
            records.append(record)
        }
        return records
    }

    /// `stepsPerEpoch` DP-SGD steps on Poisson batches of `data` (which must hold the N
    /// examples given at init); returns the mean loss and accuracy over the drawn examples and
    /// examples per second.
    public func trainEpoch(_ data: LabeledData, epoch: Int) -> (loss: Double, accuracy: Double, examplesPerSecond: Double) {
        precondition(data.exampleShape.reduce(1, *) == model.inputCount, "data does not fit the model input")
        precondition(data.count == datasetSize, "DP-SGD was planned for \(datasetSize) examples; got \(data.count)")
        let width = model.inputCount
        var inputs = [Float](repeating: 0, count: width * max(1, Int(expectedBatchSize * 1.5)))
        var labels = [Int](repeating: 0, count: inputs.count / width)
        var lossSum = 0.0, correct = 0, seen = 0
        let clock = ContinuousClock()
        let start = clock.now
        data.features.storage.withUnsafeBufferPointer { source in
            for s in 0..<stepsPerEpoch {
                let batch = sampler.nextBatch(from: data.count)
                if batch.count > labels.count {
                    inputs = [Float](repeating: 0, count: batch.count * width)
                    labels = [Int](repeating: 0, count: batch.count)
                }
                inputs.withUnsafeMutableBufferPointer { dst in
                    for (j, i) in batch.enumerated() {
                        (dst.baseAddress! + j * width).update(from: source.baseAddress! + i * width, count: width)
                        labels[j] = data.labels[i]
                    }
                }
                let result = inputs.withUnsafeBufferPointer { x in
                    labels.withUnsafeBufferPointer { y in
                        computePrivateGradient(inputs: x.baseAddress!, labels: y.baseAddress!, count: batch.count,
                                               rngSeed: configuration.seed &+ UInt64(stepCount) &* 0x9E37_79B9)
                    }
                }
                lossSum += result.lossSum
                correct += result.correct
                seen += batch.count
                gradientTransform?(model)
                if let clip = configuration.clipNorm { clipGradientNorm(model.parameters, maxNorm: clip) }
                optimizer.step(model.parameters)
                stepCount += 1
                progress?.stepFinished(step: s + 1, of: stepsPerEpoch, epoch: epoch,
                                       runningLoss: lossSum / Double(max(seen, 1)))
            }
        }
        let seconds = (clock.now - start).seconds
        let n = Double(max(seen, 1))
        return (lossSum / n, Double(correct) / n, Double(seen) / max(seconds, 1e-9))
    }

    /// Writes the private gradient of one batch into every `Parameter.gradient`:
    /// (Σᵢ clip_C(gᵢ) + N(0, σ²C²·I)) / (qN). Does not step the optimiser or count a step.
    ///
    /// Each call draws fresh noise. `count` may be 0: the result is then pure noise.
    @discardableResult
    public func computePrivateGradient(inputs: UnsafePointer<Float>, labels: UnsafePointer<Int>, count: Int,
                                       rngSeed: UInt64 = 0) -> ClippedGradientSum {
        let result = model.computeClippedGradientSum(inputs: inputs, labels: labels, count: count,
                                                     clipNorm: privacy.clippingNorm, rngSeed: rngSeed)
        examplesSeen += count
        examplesClipped += result.clippedCount
        addNoise()
        return result
    }

    /// Adds N(0, (σC)²) to each gradient coordinate and divides by qN.
    ///
    /// The noise vector is filled in chunks of 16,384 coordinates, chunk k drawn from its own
    /// generator derived from (this call, k), so all cores share the work and the values do
    /// not depend on the core count.
    private func addNoise() {
        let total = model.parameterCount
        if noise.count != total { noise = [Float](repeating: 0, count: total) }
        let standardDeviation = noiseMultiplier * privacy.clippingNorm
        let generator = noiseRoot.derived(noiseDraws)
        noiseDraws += 1
        let chunk = 16_384
        noise.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.forEach((total + chunk - 1) / chunk) { k in
                var g = generator.derived(UInt64(k))
                var j = k * chunk
                let end = min(total, j + chunk)
                while j < end {
                    let (a, b) = g.normalPair()
                    base[j] = Float(standardDeviation * a)
                    if j + 1 < end { base[j + 1] = Float(standardDeviation * b) }
                    j += 2
                }
            }
        }
        let scale = Float(1 / expectedBatchSize)
        var offset = 0
        noise.withUnsafeBufferPointer { n in
            for p in model.parameters {
                p.gradient.withUnsafeMutableBufferPointer { g in
                    for i in 0..<g.count { g[i] = (g[i] + n[offset + i]) * scale }
                }
                offset += p.count
            }
        }
    }
}

extension SeededGenerator {
    /// Two independent standard normal samples by Marsaglia's polar method: a point uniform in
    /// the unit disc (accepted with probability π/4), scaled by √(−2 ln s / s). Exact like
    /// Box–Muller, but without sin and cos, which made noise a quarter of a DP-SGD step.
    @inline(__always)
    mutating func normalPair() -> (Double, Double) {
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            guard s < 1, s > 0 else { continue }
            let f = (-2 * log(s) / s).squareRoot()
            return (u * f, v * f)
        }
    }
}
