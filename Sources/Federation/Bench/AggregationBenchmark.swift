import Foundation
import Learning
import Tensor

/// Release-build timings of what every validator recomputes for a plaintext round
/// (`AggregateVerifier`): the FedAvg integer sum and division, the server optimiser and the
/// model's CID (hashed as validators do, without encoding the blob), and for comparison the
/// whole safetensors blob's encoding. Reported by `medchain bench aggregate`.
public enum AggregationBenchmark {
    /// Median seconds of each step over `repetitions` timed runs after one warm-up.
    public struct Result: Sendable, Encodable {
        public var parameters: Int
        public var updates: Int
        public var weightedMean: Double
        public var serverOptimizer: Double
        public var cid: Double
        /// The three steps back to back: the whole recomputation.
        public var total: Double
        /// Encoding the blob the master stores (not part of a validator's check).
        public var encode: Double
    }

    /// Times the recomputation of one round of the reference CNN (or `spec`): `updates`
    /// dense 16-bit updates with demo-like sample counts, FedAvgM on the server.
    public static func run(spec: ModelSpec, updates count: Int = 4, repetitions: Int = 30) throws -> Result {
        let config = FederatedTaskConfig(modelSpec: spec)
        var global = try GlobalModel.initial(config)
        let n = global.parameters.count
        var rng = SeededGenerator(seed: 7)
        let limit = config.codec.maxLevel
        let updates = (0..<count).map { k in
            WeightedUpdate(update: ModelUpdate(codec: config.codec, parameterCount: n,
                                               values: (0..<n).map { _ in Int32(rng.next() % UInt64(2 * limit + 1)) - limit }),
                           sampleCount: 26 + 67 * k)
        }
        let clock = ContinuousClock()
        var steps: [[Double]] = Array(repeating: [], count: 5)
        for r in 0...repetitions {
            let t0 = clock.now
            let delta = try Aggregator.aggregate(updates, rule: config.aggregation).delta
            let t1 = clock.now
            let next = global.applying(delta: delta, config: config)
            let t2 = clock.now
            _ = try next.cid(spec: spec)
            let t3 = clock.now
            _ = try next.blob(spec: spec)
            let t4 = clock.now
            if r > 0 {
                for (i, d) in [t1 - t0, t2 - t1, t3 - t2, t3 - t0, t4 - t3].enumerated() { steps[i].append(d.seconds) }
            }
            global = next
        }
        let m = steps.map(TrainingBenchmark.median)
        return Result(parameters: n, updates: count, weightedMean: m[0], serverOptimizer: m[1], cid: m[2], total: m[3], encode: m[4])
    }
}
