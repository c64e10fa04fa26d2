/// How the master applies the aggregated delta to the global model (Reddi et al. 2021,
/// "Adaptive Federated Optimization"): plain FedAvg, server momentum (FedAvgM) or server Adam
/// (FedAdam). The state is a deterministic function of the committed aggregates, so any
/// validator that replays the rounds holds the same state.
public enum ServerOptimizer: Sendable, Equatable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// `w ← w + η·Δ`.
    case fedAvg(learningRate: Float)
    /// `m ← β·m + Δ`, `w ← w + η·m`.
    case fedAvgM(learningRate: Float, momentum: Float)
    /// `m ← β1·m + (1−β1)·Δ`, `v ← β2·v + (1−β2)·Δ²`, `w ← w + η·m/(√v + τ)`.
    case fedAdam(learningRate: Float, beta1: Float, beta2: Float, tau: Float)

    /// Parses `fedavg`, `fedavgm`, `fedadam` with their default settings.
    public init?(_ text: String) {
        switch text.lowercased() {
        case "fedavg": self = .fedAvg(learningRate: 1)
        case "fedavgm": self = .fedAvgM(learningRate: 1, momentum: 0.9)
        case "fedadam": self = .fedAdam(learningRate: 0.003, beta1: 0.9, beta2: 0.99, tau: 1e-3)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .fedAvg: "fedavg"
        case .fedAvgM: "fedavgm"
        case .fedAdam: "fedadam"
        }
    }

    /// The optimiser's running vectors.
    public struct State: Sendable, Equatable {
        public var momentum: [Float]
        public var variance: [Float]

        public init(count: Int) {
            momentum = [Float](repeating: 0, count: count)
            variance = [Float](repeating: 0, count: count)
        }
    }

    /// The weights and state after applying `delta`, written into new arrays (the inputs are
    /// kept: a node caches the previous model).
    ///
    /// The loops run over raw buffers so they vectorise; each element sees the same IEEE
    /// operations in the same order as the formulas above, so every node gets the same bits.
    public func applied(delta: [Float], to weights: [Float], state: State) -> (weights: [Float], state: State) {
        precondition(delta.count == weights.count && state.momentum.count == weights.count)
        let n = weights.count
        /// A new array of `n` values, `value(i)` each, the inputs read through raw buffers.
        func fresh(_ a: [Float], _ b: [Float], _ value: (Float, Float) -> Float) -> [Float] {
            [Float](unsafeUninitializedCapacity: n) { out, initialized in
                a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        for i in 0..<n { out[i] = value(a[i], b[i]) }
                    }
                }
                initialized = n
            }
        }
        var next = state
        switch self {
        case let .fedAvg(lr):
            return (fresh(weights, delta) { w, d in w + lr * d }, state)
        case let .fedAvgM(lr, beta):
            next.momentum = fresh(state.momentum, delta) { m, d in beta * m + d }
            return (fresh(weights, next.momentum) { w, m in w + lr * m }, next)
        case let .fedAdam(lr, b1, b2, tau):
            next.momentum = fresh(state.momentum, delta) { m, d in b1 * m + (1 - b1) * d }
            next.variance = fresh(state.variance, delta) { v, d in b2 * v + (1 - b2) * d * d }
            let step = fresh(next.momentum, next.variance) { m, v in lr * m / (v.squareRoot() + tau) }
            return (fresh(weights, step) { w, s in w + s }, next)
        }
    }

    /// Applies `delta` to `weights` in place, updating `state` (`applied`).
    public func apply(delta: [Float], to weights: inout [Float], state: inout State) {
        (weights, state) = applied(delta: delta, to: weights, state: state)
    }
}
