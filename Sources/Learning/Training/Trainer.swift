import DataSets
import Tensor

/// Trains a `Sequential` model with mini-batch gradient descent.
///
/// Each epoch visits the training set in a seeded random order (a permutation derived from
/// `configuration.seed` and the epoch number), so a run is reproducible bit for bit for a given
/// seed and worker count. Steps: gather a batch, compute the mean-loss gradient on all cores,
/// apply `gradientTransform` (e.g. a FedProx proximal term), clip, and update.
public final class Trainer {
    public let model: Sequential
    public let configuration: TrainingConfiguration
    public let optimizer: any Optimizer
    /// Called after each gradient computation and before clipping and the update.
    public var gradientTransform: ((Sequential) -> Void)?
    /// Receives progress; `nil` trains silently.
    public var progress: (any TrainingProgress)?
    /// Steps taken so far; with the seed it determines dropout masks.
    public private(set) var stepCount = 0

    public init(model: Sequential, configuration: TrainingConfiguration) {
        self.model = model
        self.configuration = configuration
        self.optimizer = configuration.optimizer.makeOptimizer()
    }

    /// Runs `configuration.epochs` epochs, evaluating on `validation` after each.
    @discardableResult
    public func fit(train: LabeledData, validation: LabeledData? = nil) -> [EpochRecord] {
        var records: [EpochRecord] = []
        for epoch in 1...max(1, configuration.epochs) {
            let (loss, accuracy, rate) = trainEpoch(train, epoch: epoch)
            var record = EpochRecord(epoch: epoch, trainLoss: loss, trainAccuracy: accuracy,
                                     examplesPerSecond: rate)
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

    /// One pass over `data`; returns mean loss, accuracy and examples per second.
    public func trainEpoch(_ data: LabeledData, epoch: Int) -> (loss: Double, accuracy: Double, examplesPerSecond: Double) {
        precondition(data.exampleShape.reduce(1, *) == model.inputCount, "data does not fit the model input")
        let n = data.count
        guard n > 0 else { return (0, 0, 0) }
        var rng = SeededGenerator(seed: configuration.seed).derived(UInt64(epoch))
        let order = rng.permutation(n)
        let batch = max(1, configuration.batchSize)
        let width = model.inputCount
        var inputs = [Float](repeating: 0, count: batch * width)
        var labels = [Int](repeating: 0, count: batch)
        var lossSum = 0.0, correct = 0
        let steps = (n + batch - 1) / batch
        let clock = ContinuousClock()
        let start = clock.now
        data.features.storage.withUnsafeBufferPointer { source in
            for s in 0..<steps {
                let lo = s * batch, count = min(batch, n - lo)
                inputs.withUnsafeMutableBufferPointer { dst in
                    for j in 0..<count {
                        let i = order[lo + j]
                        (dst.baseAddress! + j * width).update(from: source.baseAddress! + i * width, count: width)
                        labels[j] = data.labels[i]
                    }
                }
                let result = inputs.withUnsafeBufferPointer { x in
                    labels.withUnsafeBufferPointer { y in
                        model.computeGradients(inputs: x.baseAddress!, labels: y.baseAddress!, count: count,
                                               rngSeed: configuration.seed &+ UInt64(stepCount) &* 0x9E37_79B9)
                    }
                }
                lossSum += result.lossSum
                correct += result.correct
                gradientTransform?(model)
                if let clip = configuration.clipNorm { clipGradientNorm(model.parameters, maxNorm: clip) }
                optimizer.step(model.parameters)
                stepCount += 1
                progress?.stepFinished(step: s + 1, of: steps, epoch: epoch, runningLoss: lossSum / Double(lo + count))
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (lossSum / Double(n), Double(correct) / Double(n), Double(n) / max(seconds, 1e-9))
    }
}
