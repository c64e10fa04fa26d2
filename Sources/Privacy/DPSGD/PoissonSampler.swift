import Tensor

/// Poisson sampling for DP-SGD: each of N examples joins a batch independently with
/// probability q, so batch sizes vary (mean qN, variance qN(1 − q)) and may be empty.
///
/// This is the sampling that ``RDPAccountant`` analyses (the sampled Gaussian mechanism of
/// Mironov, Talwar & Zhang 2019), so the ε it reports is the ε of the run, with no gap between
/// the proof and the code. Shuffled fixed-size batches would need a different accountant.
///
/// Which examples were drawn must stay secret as well: the amplification by subsampling that
/// makes ε small assumes nobody knows whether a given record was in a step.
public struct PoissonSampler: Sendable {
    public let samplingRate: Double
    private var generator: SeededGenerator

    /// - Parameters:
    ///   - samplingRate: q in [0, 1].
    ///   - generator: a generator seeded from a secret.
    public init(samplingRate: Double, generator: SeededGenerator) {
        precondition(samplingRate >= 0 && samplingRate <= 1, "sampling rate in [0, 1]")
        self.samplingRate = samplingRate
        self.generator = generator
    }

    /// The indices (ascending) of the examples in the next batch, drawing one uniform per
    /// example.
    public mutating func nextBatch(from count: Int) -> [Int] {
        var batch: [Int] = []
        batch.reserveCapacity(Int(Double(count) * samplingRate * 1.5) + 8)
        for i in 0..<count where generator.uniform() < samplingRate { batch.append(i) }
        return batch
    }
}
