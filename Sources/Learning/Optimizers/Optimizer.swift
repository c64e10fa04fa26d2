/// Updates parameters from their gradients.
public protocol Optimizer: AnyObject {
    /// Applies one update to every parameter using its current `gradient`.
    func step(_ parameters: [Parameter])
}

/// An optimiser and its hyper-parameters as data (for task specs, CLI flags and JSON).
public enum OptimizerSpec: Codable, Sendable, Equatable {
    /// PyTorch `torch.optim.SGD` (dampening 0): `v ← μ·v + (g + λ·w)`, `w ← w − η·v`.
    case sgd(learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0)
    /// PyTorch `torch.optim.Adam` (L2 weight decay added to the gradient), bias-corrected.
    case adam(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
              weightDecay: Float = 0)

    public func makeOptimizer() -> any Optimizer {
        switch self {
        case let .sgd(lr, momentum, wd): SGD(learningRate: lr, momentum: momentum, weightDecay: wd)
        case let .adam(lr, b1, b2, eps, wd): Adam(learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd)
        }
    }

    public var learningRate: Float {
        switch self {
        case let .sgd(lr, _, _): lr
        case let .adam(lr, _, _, _, _): lr
        }
    }
}
