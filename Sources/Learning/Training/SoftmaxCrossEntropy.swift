/// Softmax followed by the negative log-likelihood of the true class, computed stably with the
/// log-sum-exp shift: `loss = log Σ exp(z_j − max z) − (z_y − max z)`.
public enum SoftmaxCrossEntropy {
    /// Returns the summed loss over `count` rows and writes `scale · (softmax(z) − onehot(y))`
    /// to `gradient` (use `scale = 1/N` for the gradient of the mean loss over N examples).
    public static func lossAndGradient(logits: UnsafePointer<Float>, labels: UnsafePointer<Int>,
                                       count: Int, classes: Int, scale: Float,
                                       gradient: UnsafeMutablePointer<Float>) -> Double {
        var total = 0.0
        for i in 0..<count {
            let z = logits + i * classes
            let g = gradient + i * classes
            var top = z[0]
            for j in 1..<classes where z[j] > top { top = z[j] }
            var sum = 0.0
            for j in 0..<classes {
                let e = expf(z[j] - top)
                g[j] = e
                sum += Double(e)
            }
            let y = labels[i]
            total += Double.log(sum) - Double(z[y] - top)
            let inv = Float(1 / sum)
            for j in 0..<classes { g[j] = g[j] * inv * scale }
            g[y] -= scale
        }
        return total
    }

    /// Writes the softmax probabilities of `count` rows of logits to `probabilities`.
    public static func probabilities(logits: UnsafePointer<Float>, count: Int, classes: Int,
                                     into probabilities: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let z = logits + i * classes
            let p = probabilities + i * classes
            var top = z[0]
            for j in 1..<classes where z[j] > top { top = z[j] }
            var sum = Float(0)
            for j in 0..<classes {
                p[j] = expf(z[j] - top)
                sum += p[j]
            }
            for j in 0..<classes { p[j] /= sum }
        }
    }

    /// The loss of each row given precomputed probabilities (for evaluation).
    public static func loss(probability: Float) -> Double {
        -Double.log(Double(max(probability, Float.leastNormalMagnitude)))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Double {
    static func log(_ x: Double) -> Double {
        #if canImport(Glibc)
        Glibc.log(x)
        #else
        Darwin.log(x)
        #endif
    }
}
