/// Stochastic gradient descent with heavy-ball momentum and L2 weight decay, matching PyTorch's
/// `SGD(lr, momentum, weight_decay)` update rule exactly.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    private var velocity: [[Float]] = []

    public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        if velocity.count != parameters.count {
            velocity = parameters.map { [Float](repeating: 0, count: $0.count) }
        }
        let lr = learningRate, mu = momentum, wd = weightDecay
        for (index, p) in parameters.enumerated() {
            p.value.withUnsafeMutableBufferPointer { w in
                p.gradient.withUnsafeBufferPointer { g in
                    velocity[index].withUnsafeMutableBufferPointer { v in
                        for i in 0..<w.count {
                            let d = g[i] + wd * w[i]
                            let vi = mu * v[i] + d
                            v[i] = vi
                            w[i] -= lr * vi
                        }
                    }
                }
            }
        }
    }
}
