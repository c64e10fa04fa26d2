/// Rescales gradients so that their global L2 norm is at most `maxNorm` (PyTorch
/// `clip_grad_norm_`: scale `maxNorm / (norm + 1e-6)` applied only when it is below 1).
///
/// - Returns: the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var sumSquares = 0.0
    for p in parameters {
        p.gradient.withUnsafeBufferPointer { g in
            var acc = Float(0)
            for x in g { acc += x * x }
            sumSquares += Double(acc)
        }
    }
    let norm = Float(sumSquares.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for p in parameters {
            p.gradient.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count { g[i] *= scale }
            }
        }
    }
    return norm
}
