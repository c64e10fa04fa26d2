import DataSets
import Foundation
import Learning
import Tensor
import Testing
@testable import Privacy

/// DP-SGD: Poisson sampling, the noise added to the clipped sum, the accounting of a run and
/// that a private run still learns.
struct PrivateTrainerTests {
    /// Two Gaussian blobs in 4-D, linearly separable.
    static func blobs(_ n: Int, seed: UInt64) -> LabeledData {
        var rng = SeededGenerator(seed: seed)
        var x = [Float](), y = [Int]()
        for i in 0..<n {
            let label = i % 2
            for _ in 0..<4 { x.append(Float(rng.normal()) * 0.5 + (label == 1 ? 1.5 : -1.5)) }
            y.append(label)
        }
        return LabeledData(features: Tensor(shape: [n, 4], storage: x), labels: y, classCount: 2)
    }

    /// Sample mean, standard deviation and kurtosis.
    static func moments(_ values: [Float]) -> (mean: Double, sd: Double, kurtosis: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0.0) { $0 + Double($1) } / n
        var m2 = 0.0, m4 = 0.0
        for v in values {
            let d = Double(v) - mean
            m2 += d * d
            m4 += d * d * d * d
        }
        return (mean, (m2 / (n - 1)).squareRoot(), (m4 / n) / ((m2 / n) * (m2 / n)))
    }

    @Test func poissonSamplingIncludesEachExampleIndependentlyWithProbabilityQ() {
        let n = 200, q = 0.05, draws = 4000
        var sampler = PoissonSampler(samplingRate: q, generator: SeededGenerator(seed: 5))
        var sizes = [Double](), hits = [Int](repeating: 0, count: n)
        for _ in 0..<draws {
            let batch = sampler.nextBatch(from: n)
            #expect(batch == batch.sorted() && Set(batch).count == batch.count)
            sizes.append(Double(batch.count))
            for i in batch { hits[i] += 1 }
        }
        // Batch size ~ Binomial(200, 0.05): mean 10, variance 9.5; 5 standard errors each.
        let mean = sizes.reduce(0, +) / Double(draws)
        let variance = sizes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws - 1)
        let expectedVariance = Double(n) * q * (1 - q)
        #expect(abs(mean - Double(n) * q) < 5 * (expectedVariance / Double(draws)).squareRoot())
        #expect(abs(variance - expectedVariance) < 5 * expectedVariance * (2 / Double(draws - 1)).squareRoot())
        // Every example ~ Binomial(4000, 0.05); Pearson χ² with 200 degrees of freedom (mean
        // 200, sd 20) must be within 5 sd: no example is favoured.
        let expected = Double(draws) * q
        let chiSquare = hits.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) } / (expected * (1 - q))
        #expect(abs(chiSquare - Double(n)) < 5 * (2 * Double(n)).squareRoot())
        // Small data: empty batches occur at rate (1 − q)^N and are not skipped.
        var small = PoissonSampler(samplingRate: 0.05, generator: SeededGenerator(seed: 6))
        let empty = (0..<4000).filter { _ in small.nextBatch(from: 20).isEmpty }.count
        let p = pow(0.95, 20.0)
        #expect(abs(Double(empty) / 4000 - p) < 5 * (p * (1 - p) / 4000).squareRoot())
    }

    @Test func noiseOnAnEmptyBatchHasStandardDeviationSigmaCOverQN() throws {
        // The reference CNN: 205,890 coordinates of pure noise N(0, (σC/(qN))²).
        let model = try Sequential(spec: .referenceCNN(), seed: 1)
        let privacy = DPSGDConfiguration(clippingNorm: 0.7, noise: .multiplier(1.3), delta: 1e-5, noiseSeed: 42)
        let trainer = try PrivateTrainer(model: model, configuration: TrainingConfiguration(epochs: 1, batchSize: 50),
                                         privacy: privacy, datasetSize: 1000)
        #expect(trainer.expectedBatchSize == 50)
        let expectedSD = 1.3 * 0.7 / 50
        #expect(abs(trainer.gradientNoiseStandardDeviation - expectedSD) < 1e-15)
        func emptyStep() -> [Float] {
            [Float]().withUnsafeBufferPointer { x in [Int]().withUnsafeBufferPointer { y in
                _ = trainer.computePrivateGradient(inputs: x.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                   labels: y.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: 0)
            } }
            return model.flatGradients()
        }
        let first = emptyStep()
        let n = Double(first.count)
        let (mean, sd, kurtosis) = Self.moments(first)
        // 5 standard errors: mean σ/√n, sd σ/√(2n), kurtosis √(24/n).
        #expect(abs(mean) < 5 * expectedSD / n.squareRoot())
        #expect(abs(sd - expectedSD) < 5 * expectedSD / (2 * n).squareRoot(), "noise sd \(sd), expected \(expectedSD)")
        #expect(abs(kurtosis - 3) < 5 * (24 / n).squareRoot())
        // Fresh noise on every call, uncorrelated with the previous draw.
        let second = emptyStep()
        let correlation = zip(first, second).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / (n * expectedSD * expectedSD)
        #expect(abs(correlation) < 5 / n.squareRoot())
        // An explicit seed reproduces the noise; another seed does not.
        func firstNoise(seed: UInt64?) throws -> [Float] {
            let other = try PrivateTrainer(model: model, configuration: TrainingConfiguration(epochs: 1, batchSize: 50),
                                           privacy: DPSGDConfiguration(clippingNorm: 0.7, noise: .multiplier(1.3), delta: 1e-5, noiseSeed: seed),
                                           datasetSize: 1000)
            [Float]().withUnsafeBufferPointer { x in [Int]().withUnsafeBufferPointer { y in
                _ = other.computePrivateGradient(inputs: x.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                 labels: y.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: 0)
            } }
            return model.flatGradients()
        }
        #expect(try firstNoise(seed: 42) == first)
        #expect(try firstNoise(seed: 43) != first)
        #expect(try firstNoise(seed: nil) != first)  // from the system random source
    }

    @Test func theNoisyGradientIsTheClippedSumPlusNoiseOverTheExpectedBatchSize() throws {
        // 100 → 200 → 2 MLP: 20,602 coordinates.
        let model = try Sequential(spec: .mlp(features: 100, hidden: 200, classCount: 2), seed: 3)
        let (c, sigma) = (0.5, 0.9)
        let trainer = try PrivateTrainer(model: model, configuration: TrainingConfiguration(epochs: 1, batchSize: 16),
                                         privacy: DPSGDConfiguration(clippingNorm: c, noise: .multiplier(sigma), delta: 1e-5, noiseSeed: 7),
                                         datasetSize: 400)
        var rng = SeededGenerator(seed: 9)
        let count = 13
        let inputs = (0..<(count * 100)).map { _ in Float(rng.normal()) }
        let labels = (0..<count).map { _ in rng.integer(below: 2) }
        let (sum, noisy) = inputs.withUnsafeBufferPointer { x in labels.withUnsafeBufferPointer { y in
            _ = model.computeClippedGradientSum(inputs: x.baseAddress!, labels: y.baseAddress!, count: count, clipNorm: c, rngSeed: 4)
            let sum = model.flatGradients()
            let result = trainer.computePrivateGradient(inputs: x.baseAddress!, labels: y.baseAddress!, count: count, rngSeed: 4)
            #expect(result.count == count)
            return (sum, model.flatGradients())
        } }
        let noise = zip(noisy, sum).map { Float(Double($0) * 16 - Double($1)) }
        let n = Double(noise.count)
        let (mean, sd, _) = Self.moments(noise)
        #expect(abs(mean) < 5 * sigma * c / n.squareRoot())
        #expect(abs(sd - sigma * c) < 5 * sigma * c / (2 * n).squareRoot(), "noise sd \(sd), expected σC = \(sigma * c)")
        #expect(trainer.examplesSeen == count)
    }

    @Test func theReportedEpsilonIsTheAccountantsForTheRunsSamplingRateNoiseAndSteps() throws {
        // q = 10/100, σ = 2, 10 epochs × 10 steps, δ = 1e-5. dp-accounting 0.6.0 gives
        // ε = 2.5805709505045913 (Inputs/rdp_vectors.json, made by make_rdp_vectors.py).
        let train = Self.blobs(100, seed: 1)
        let model = try Sequential(spec: .logistic(features: 4), seed: 1)
        let trainer = try PrivateTrainer(
            model: model, configuration: TrainingConfiguration(epochs: 10, batchSize: 10, optimizer: .sgd(learningRate: 0.1), seed: 2),
            privacy: DPSGDConfiguration(clippingNorm: 1, noise: .multiplier(2), delta: 1e-5, noiseSeed: 3), datasetSize: 100)
        #expect(trainer.samplingRate == 0.1 && trainer.stepsPerEpoch == 10 && trainer.plannedSteps == 100)
        #expect(try trainer.privacySpent().epsilon == 0)
        let records = trainer.fit(train: train)
        #expect(records.count == 10)
        let spent = try trainer.privacySpent()
        #expect(spent.steps == 100 && trainer.stepCount == 100)
        #expect(spent.samplingRate == 0.1 && spent.noiseMultiplier == 2 && spent.delta == 1e-5 && spent.clippingNorm == 1)
        let accountant = try RDPAccountant.epsilon(samplingRate: 0.1, noiseMultiplier: 2, steps: 100, delta: 1e-5)
        #expect(spent.epsilon == accountant.epsilon && spent.optimalOrder == accountant.order)
        #expect(abs(spent.epsilon - 2.5805709505045913) < 1e-9 * 2.58)
        // About q·N examples per step were drawn.
        #expect(abs(Double(trainer.examplesSeen) - 1000) < 5 * (1000 * 0.9).squareRoot())
    }

    @Test func aTargetEpsilonIsMetExactlyByThePlannedRun() throws {
        let train = Self.blobs(120, seed: 4)
        let model = try Sequential(spec: .logistic(features: 4), seed: 1)
        let privacy = DPSGDConfiguration(clippingNorm: 1, noise: .targetEpsilon(3), delta: 1e-4, noiseSeed: 1)
        let trainer = try PrivateTrainer(model: model, configuration: TrainingConfiguration(epochs: 3, batchSize: 30, seed: 1),
                                         privacy: privacy, datasetSize: 120)
        #expect(trainer.samplingRate == 0.25 && trainer.stepsPerEpoch == 4)
        let sigma = try NoiseCalibration.noiseMultiplier(targetEpsilon: 3, samplingRate: 0.25, steps: 12, delta: 1e-4)
        #expect(trainer.noiseMultiplier == sigma)
        trainer.fit(train: train)
        let spent = try trainer.privacySpent()
        #expect(spent.steps == 12)
        #expect(spent.epsilon <= 3 && spent.epsilon > 3 * (1 - 1e-4))
    }

    @Test func dpsgdStillLearnsASeparableProblemAtModerateEpsilon() throws {
        let train = Self.blobs(1000, seed: 11), validation = Self.blobs(400, seed: 12)
        let model = try Sequential(spec: .mlp(features: 4, hidden: 8), seed: 1)
        let trainer = try PrivateTrainer(
            model: model,
            configuration: TrainingConfiguration(epochs: 4, batchSize: 50, optimizer: .sgd(learningRate: 0.5, momentum: 0.5), seed: 1),
            privacy: DPSGDConfiguration(clippingNorm: 1, noise: .targetEpsilon(2), delta: DPSGDConfiguration.defaultDelta(datasetSize: 1000),
                                        noiseSeed: 5),
            datasetSize: 1000)
        let records = trainer.fit(train: train, validation: validation)
        let spent = try trainer.privacySpent()
        #expect(spent.epsilon <= 2 && spent.delta == 1e-5)
        #expect(records.last!.validationAccuracy! >= 0.95, "validation accuracy \(records.last!.validationAccuracy!)")
        #expect(records.last!.validationAUC! >= 0.98)
    }

    @Test func sameNoiseSeedGivesBitIdenticalModels() throws {
        func run(_ seed: UInt64) throws -> [Float] {
            let model = try Sequential(spec: .mlp(features: 4, hidden: 8), seed: 1, workerCount: 2)
            let trainer = try PrivateTrainer(
                model: model, configuration: TrainingConfiguration(epochs: 2, batchSize: 8, optimizer: .adam(learningRate: 0.01)),
                privacy: DPSGDConfiguration(noise: .multiplier(1), delta: 1e-5, noiseSeed: seed), datasetSize: 64)
            trainer.fit(train: Self.blobs(64, seed: 3))
            return model.flatParameters()
        }
        #expect(try run(7) == run(7))
        #expect(try run(7) != run(8))
    }

    @Test func defaultDeltaIsAPowerOfTenBelowOneOverTheDatasetSize() {
        #expect(DPSGDConfiguration.defaultDelta(datasetSize: 10) == 1e-5)
        #expect(DPSGDConfiguration.defaultDelta(datasetSize: 2428) == 1e-5)
        #expect(DPSGDConfiguration.defaultDelta(datasetSize: 100_000) == 1e-6)
        #expect(DPSGDConfiguration.defaultDelta(datasetSize: 999_999) == 1e-6)
        #expect(DPSGDConfiguration.defaultDelta(datasetSize: 1_000_000) == 1e-7)
        for n in [1, 7, 99, 1000, 54_321, 3_000_000] {
            #expect(DPSGDConfiguration.defaultDelta(datasetSize: n) < 1 / Double(n))
        }
    }

    @Test func invalidSettingsAreRejectedWithTheirName() throws {
        let model = try Sequential(spec: .logistic(features: 4), seed: 1)
        let config = TrainingConfiguration(epochs: 1, batchSize: 10)
        func message(_ privacy: DPSGDConfiguration, size: Int = 100) -> String? {
            do {
                _ = try PrivateTrainer(model: model, configuration: config, privacy: privacy, datasetSize: size)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(message(DPSGDConfiguration(clippingNorm: 0, noise: .multiplier(1), delta: 1e-5))?.contains("clipping norm") == true)
        #expect(message(DPSGDConfiguration(noise: .multiplier(0), delta: 1e-5))?.contains("noise multiplier") == true)
        #expect(message(DPSGDConfiguration(noise: .targetEpsilon(-1), delta: 1e-5))?.contains("target epsilon") == true)
        #expect(message(DPSGDConfiguration(noise: .multiplier(1), delta: 1))?.contains("delta") == true)
        #expect(message(DPSGDConfiguration(noise: .multiplier(1), delta: 1e-5), size: 0)?.contains("training set") == true)
        #expect(message(DPSGDConfiguration(noise: .targetEpsilon(1e-5), delta: 1e-5))?.contains("no noise multiplier") == true)
        let fedAvg = try PrivacyPolicy(mode: .clientLevel, clippingNorm: 1, noiseMultiplier: 1, delta: 1e-5, epsilonBudget: 5)
        #expect(throws: PrivacyError.self) { try DPSGDConfiguration(policy: fedAvg) }
        let sample = try PrivacyPolicy(mode: .sampleLevel, clippingNorm: 0.5, targetEpsilon: 4, delta: 1e-6, epsilonBudget: 5)
        #expect(try DPSGDConfiguration(policy: sample) == DPSGDConfiguration(clippingNorm: 0.5, noise: .targetEpsilon(4), delta: 1e-6))
    }
}
