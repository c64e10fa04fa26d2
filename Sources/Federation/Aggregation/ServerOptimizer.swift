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
    /// One pass over raw buffers writes every output array, so the loop vectorises and each
    /// input is read once; each element sees the same IEEE operations in the same order as the
    /// formulas above, so every node gets the same bits.
    public func applied(delta: [Float], to weights: [Float], state: State) -> (weights: [Float], state: State) {
        precondition(delta.count == weights.count && state.momentum.count == weights.count)
        let n = weights.count
        switch self {
        case let .fedAvg(lr):
            let next = fresh(n) { w in
                weights.withUnsafeBufferPointer { old in
                    delta.withUnsafeBufferPointer { d in
                        for i in 0..<n { w[i] = old[i] + lr * d[i] }
                    }
                }
            }
            return (next, state)
        case let .fedAvgM(lr, beta):
            var momentum: [Float] = []
            let next = fresh(n) { w in
                momentum = fresh(n) { m in
                    weights.withUnsafeBufferPointer { old in
                        state.momentum.withUnsafeBufferPointer { oldM in
                            delta.withUnsafeBufferPointer { d in
                                for i in 0..<n {
                                    let mi = beta * oldM[i] + d[i]
                                    m[i] = mi
                                    w[i] = old[i] + lr * mi
                                }
                            }
                        }
                    }
                }
            }
            var nextState = state
            nextState.momentum = momentum
            return (next, nextState)
        case let .fedAdam(lr, b1, b2, tau):
            var momentum: [Float] = [], variance: [Float] = []
            let next = fresh(n) { w in
                momentum = fresh(n) { m in
                    variance = fresh(n) { v in
                        weights.withUnsafeBufferPointer { old in
                            state.momentum.withUnsafeBufferPointer { oldM in
                                state.variance.withUnsafeBufferPointer { oldV in
                                    delta.withUnsafeBufferPointer { d in
                                        for i in 0..<n {
                                            let mi = b1 * oldM[i] + (1 - b1) * d[i]
                                            let vi = b2 * oldV[i] + (1 - b2) * d[i] * d[i]
                                            m[i] = mi
                                            v[i] = vi
                                            w[i] = old[i] + lr * mi / (vi.squareRoot() + tau)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var nextState = state
            (nextState.momentum, nextState.variance) = (momentum, variance)
            return (next, nextState)
        }
    }

    /// A new array of `n` values that `fill` writes through a raw buffer.
    private func fresh(_ n: Int, _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            fill(buffer)
            initialized = n
        }
    }

    /// Applies `delta` to `weights` in place, updating `state` (`applied`).
    public func apply(delta: [Float], to weights: inout [Float], state: inout State) {
        (weights, state) = applied(delta: delta, to: weights, state: state)
    }
}
