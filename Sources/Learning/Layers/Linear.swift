import Tensor

/// A fully connected layer `y = x·Wᵀ + b` with PyTorch's layout: weight `[out, in]`, bias `[out]`.
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let inFeatures: Int
    public let outFeatures: Int
    public var parameters: [Parameter] { [weight, bias] }
    public var inputShape: [Int] { [inFeatures] }
    public var outputShape: [Int] { [outFeatures] }

    public init(inFeatures: Int, outFeatures: Int, rng: inout SeededGenerator) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(role: "weight", shape: [outFeatures, inFeatures],
                           value: uniformInitialisation(count: outFeatures * inFeatures, fanIn: inFeatures, rng: &rng))
        bias = Parameter(role: "bias", shape: [outFeatures],
                         value: uniformInitialisation(count: outFeatures, fanIn: inFeatures, rng: &rng))
    }

    public func makeScratch(batch: Int) -> LayerScratch { scratch() }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
                        scratch: LayerScratch, training: Bool) {
        bias.value.withUnsafeBufferPointer { b in
            for i in 0..<batch { (y + i * outFeatures).update(from: b.baseAddress!, count: outFeatures) }
        }
        weight.value.withUnsafeBufferPointer { w in
            Gemm.multiply(transB: true, m: batch, n: outFeatures, k: inFeatures, a: x, lda: inFeatures,
                          b: w.baseAddress!, ldb: inFeatures, beta: 1, c: y, ldc: outFeatures,
                          workspace: scratch.gemm)
        }
    }

    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                         _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch) {
        let gemm = scratch.gemm
        scratch.gradients[0].withUnsafeMutableBufferPointer { dw in
            // dW [out × in] = dYᵀ [out × batch] · X [batch × in]
            Gemm.multiply(transA: true, m: outFeatures, n: inFeatures, k: batch, a: dy, lda: outFeatures,
                          b: x, ldb: inFeatures, beta: 0, c: dw.baseAddress!, ldc: inFeatures, workspace: gemm)
        }
        scratch.gradients[1].withUnsafeMutableBufferPointer { db in
            db.update(repeating: 0)
            for i in 0..<batch {
                let row = dy + i * outFeatures
                for j in 0..<outFeatures { db[j] += row[j] }
            }
        }
        guard let dx else { return }
        propagate(dy, dx, batch: batch, scratch: scratch)
    }

    /// Example i's weight gradient is the outer product dy_i x_iᵀ, whose squared Frobenius norm
    /// is exactly ‖dy_i‖²·‖x_i‖²; its bias gradient is dy_i. No per-example matrix is formed.
    public func backwardPerExampleNorms(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                        _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                                        squaredNorms: UnsafeMutablePointer<Double>) {
        for i in 0..<batch {
            let dy2 = squaredNorm(dy + i * outFeatures, outFeatures)
            let x2 = squaredNorm(x + i * inFeatures, inFeatures)
            squaredNorms[i] += dy2 * x2 + dy2
        }
        guard let dx else { return }
        propagate(dy, dx, batch: batch, scratch: scratch)
    }

    private func propagate(_ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, batch: Int,
                           scratch: LayerScratch) {
        weight.value.withUnsafeBufferPointer { w in
            // dX [batch × in] = dY [batch × out] · W [out × in]
            Gemm.multiply(m: batch, n: inFeatures, k: outFeatures, a: dy, lda: outFeatures,
                          b: w.baseAddress!, ldb: inFeatures, beta: 0, c: dx, ldc: inFeatures, workspace: scratch.gemm)
        }
    }
}
