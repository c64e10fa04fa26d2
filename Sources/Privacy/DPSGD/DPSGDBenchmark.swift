import DataSets
import Learning
import Tensor

/// Release-build measurement of what DP-SGD costs in speed, reported by `medchain bench dpsgd`.
public enum DPSGDBenchmark {
    /// Training examples per second of the same model and data with the ordinary `Trainer` and
    /// with `PrivateTrainer` (σ = 1, C = 1), one warm-up epoch each, then `epochs` timed epochs
    /// of each **alternating**, so that load from other processes hits both alike.
    public static func throughput(spec: ModelSpec, data: LabeledData, batchSize: Int = 32, epochs: Int = 4,
                                  workers: Int = Parallel.coreCount) throws -> (plain: [Double], private: [Double]) {
        let configuration = TrainingConfiguration(epochs: epochs, batchSize: batchSize, seed: 0)
        let plainModel = try Sequential(spec: spec, seed: 0, workerCount: workers)
        let plain = Trainer(model: plainModel, configuration: configuration)
        let privateModel = try Sequential(spec: spec, seed: 0, workerCount: workers)
        let dp = try PrivateTrainer(model: privateModel, configuration: configuration,
                                    privacy: DPSGDConfiguration(clippingNorm: 1, noise: .multiplier(1), delta: 1e-5, noiseSeed: 0),
                                    datasetSize: data.count)
        var plainRates: [Double] = [], privateRates: [Double] = []
        for epoch in 0...epochs {
            let a = plain.trainEpoch(data, epoch: epoch).examplesPerSecond
            let b = dp.trainEpoch(data, epoch: epoch).examplesPerSecond
            if epoch > 0 {
                plainRates.append(a)
                privateRates.append(b)
            }
        }
        return (plainRates, privateRates)
    }
}
