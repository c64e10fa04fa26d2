import DataSets
import Tensor

/// Release-build measurements of the learning core: GEMM throughput and reference-CNN training
/// throughput, reported by `medchain bench train`.
public enum TrainingBenchmark {
    /// GFLOP/s of an `n × n × n` single-precision multiply on `threads` workers: the median of
    /// `repetitions` timed runs after one warm-up.
    public static func gemmGFLOPS(size n: Int = 512, threads: Int = Parallel.coreCount, repetitions: Int = 15) -> Double {
        var rng = SeededGenerator(seed: 1)
        let a = (0..<(n * n)).map { _ in Float(rng.uniform()) }
        let b = (0..<(n * n)).map { _ in Float(rng.uniform()) }
        var c = [Float](repeating: 0, count: n * n)
        var rates: [Double] = []
        let clock = ContinuousClock()
        for r in 0...repetitions {
            let start = clock.now
            c.withUnsafeMutableBufferPointer { cp in
                Gemm.multiply(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: cp.baseAddress!, ldc: n, threads: threads)
            }
            let seconds = (clock.now - start).seconds
            if r > 0 { rates.append(2 * Double(n * n * n) / seconds / 1e9) }
        }
        return median(rates)
    }

    /// Training throughput in examples per second: one warm-up epoch, then the median of
    /// `epochs` timed epochs (as the PyTorch peer script measures it).
    public static func trainingThroughput(spec: ModelSpec, data: LabeledData, batchSize: Int = 32, epochs: Int = 4,
                                          workers: Int = Parallel.coreCount) throws -> (median: Double, all: [Double]) {
        let model = try Sequential(spec: spec, seed: 0, workerCount: workers)
        let trainer = Trainer(model: model, configuration: TrainingConfiguration(epochs: epochs, batchSize: batchSize, seed: 0))
        var rates: [Double] = []
        for epoch in 0...epochs {
            let rate = trainer.trainEpoch(data, epoch: epoch).examplesPerSecond
            if epoch > 0 { rates.append(rate) }
        }
        return (median(rates), rates)
    }

    /// The median of `values` (0 when empty): the figure every bench reports.
    public static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
