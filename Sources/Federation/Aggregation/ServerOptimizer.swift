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

    /// Applies `delta` to `weights`, updating `state`.
    public func apply(delta: [Float], to weights: inout [Float], state: inout State) {
        precondition(delta.count == weights.count && state.momentum.count == weights.count)
        switch self {
        case let .fedAvg(lr):
            for i in weights.indices { weights[i] += lr * delta[i] }
        case let .fedAvgM(lr, beta):
            for i in weights.indices {
                state.momentum[i] = beta * state.momentum[i] + delta[i]
                weights[i] += lr * state.momentum[i]
            }
        case let .fedAdam(lr, b1, b2, tau):
            for i in weights.indices {
                state.momentum[i] = b1 * state.momentum[i] + (1 - b1) * delta[i]
                state.variance[i] = b2 * state.variance[i] + (1 - b2) * delta[i] * delta[i]
                weights[i] += lr * state.momentum[i] / (state.variance[i].squareRoot() + tau)
            }
        }
    }
}
