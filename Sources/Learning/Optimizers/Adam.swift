#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba 2015) with bias correction, matching PyTorch's `Adam(lr, betas, eps,
/// weight_decay)` update rule (weight decay as L2 added to the gradient).
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    private var m: [[Float]] = []
    private var v: [[Float]] = []
    private var t = 0

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        if m.count != parameters.count {
            m = parameters.map { [Float](repeating: 0, count: $0.count) }
            v = m
            t = 0
        }
        t += 1
        let c1 = 1 - powf(beta1, Float(t)), c2 = 1 - powf(beta2, Float(t))
        let b1 = beta1, b2 = beta2, lr = learningRate, eps = epsilon, wd = weightDecay
        let c2Root = c2.squareRoot()
        for (index, p) in parameters.enumerated() {
            p.value.withUnsafeMutableBufferPointer { w in
                p.gradient.withUnsafeBufferPointer { g in
                    m[index].withUnsafeMutableBufferPointer { mi in
                        v[index].withUnsafeMutableBufferPointer { vi in
                            for i in 0..<w.count {
                                let gi = g[i] + wd * w[i]
                                mi[i] = b1 * mi[i] + (1 - b1) * gi
                                vi[i] = b2 * vi[i] + (1 - b2) * gi * gi
                                // PyTorch: w −= lr/c1 · m / (√v/√c2 + eps)
                                w[i] -= (lr / c1) * mi[i] / (vi[i].squareRoot() / c2Root + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
