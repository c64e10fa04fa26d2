import Tensor

/// 2-D convolution (cross-correlation, as in PyTorch) with square kernels, stride and zero
/// padding. Weights are `[out, in, k, k]` (OIHW), bias `[out]`.
///
/// Lowered to one GEMM per image: `Y_i = W · im2col(X_i) + b`. The patch matrix of one image
/// (`patch × pixels`, ≈110 KB for the reference CNN) stays in L2; backward rebuilds it rather
/// than keeping the whole batch's (MBs) in memory, then computes `dW += dY_i · im2col(X_i)ᵀ`
/// and the input gradient `col2im(Wᵀ · dY_i)`.
public final class Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let geometry: ConvolutionGeometry
    public let outChannels: Int
    public var parameters: [Parameter] { [weight, bias] }
    public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
    public var outputShape: [Int] { [outChannels, geometry.outputHeight, geometry.outputWidth] }

    public init(geometry: ConvolutionGeometry, outChannels: Int, rng: inout SeededGenerator) {
        self.geometry = geometry
        self.outChannels = outChannels
        let fanIn = geometry.patchSize
        weight = Parameter(role: "weight",
                           shape: [outChannels, geometry.channels, geometry.kernelHeight, geometry.kernelWidth],
                           value: uniformInitialisation(count: outChannels * fanIn, fanIn: fanIn, rng: &rng))
        bias = Parameter(role: "bias", shape: [outChannels],
                         value: uniformInitialisation(count: outChannels, fanIn: fanIn, rng: &rng))
    }

    public func makeScratch(batch: Int) -> LayerScratch {
        // buffers[0]: one image's patch matrix; buffers[1]: its gradient.
        let size = geometry.patchSize * geometry.outputPixels
        return scratch(buffers: [[Float](repeating: 0, count: size), [Float](repeating: 0, count: size)])
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
                        scratch: LayerScratch, training: Bool) {
        let g = geometry, pixels = g.outputPixels, k = g.patchSize
        let inCount = inputCount, outCount = outputCount
        weight.value.withUnsafeBufferPointer { w in
            bias.value.withUnsafeBufferPointer { b in
                scratch.buffers[0].withUnsafeMutableBufferPointer { colBuffer in
                    let col = colBuffer.baseAddress!
                    for i in 0..<batch {
                        Im2col.lower(g, image: x + i * inCount, into: col, ld: pixels)
                        let out = y + i * outCount
                        for c in 0..<outChannels { (out + c * pixels).update(repeating: b[c], count: pixels) }
                        Gemm.multiply(m: outChannels, n: pixels, k: k, a: w.baseAddress!, lda: k,
                                      b: col, ldb: pixels, beta: 1, c: out, ldc: pixels, workspace: scratch.gemm)
                    }
                }
            }
        }
    }

    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                         _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch) {
        let g = geometry, pixels = g.outputPixels, k = g.patchSize
        let inCount = inputCount, outCount = outputCount
        let gemm = scratch.gemm
        weight.value.withUnsafeBufferPointer { w in
            scratch.buffers[0].withUnsafeMutableBufferPointer { colBuffer in
                scratch.buffers[1].withUnsafeMutableBufferPointer { dColBuffer in
                    scratch.gradients[0].withUnsafeMutableBufferPointer { dw in
                        let col = colBuffer.baseAddress!, dCol = dColBuffer.baseAddress!
                        for i in 0..<batch {
                            let dyi = dy + i * outCount
                            Im2col.lower(g, image: x + i * inCount, into: col, ld: pixels)
                            // dW (+)= dY_i [out × pixels] · col_iᵀ [pixels × patch]
                            Gemm.multiply(transB: true, m: outChannels, n: k, k: pixels, a: dyi, lda: pixels,
                                          b: col, ldb: pixels, beta: i == 0 ? 0 : 1, c: dw.baseAddress!, ldc: k,
                                          workspace: gemm)
                            guard let dx else { continue }
                            // dCol [patch × pixels] = Wᵀ [patch × out] · dY_i [out × pixels]
                            Gemm.multiply(transA: true, m: k, n: pixels, k: outChannels, a: w.baseAddress!, lda: k,
                                          b: dyi, ldb: pixels, beta: 0, c: dCol, ldc: pixels, workspace: gemm)
                            let dxi = dx + i * inCount
                            dxi.update(repeating: 0, count: inCount)
                            Im2col.accumulate(g, columns: dCol, ld: pixels, into: dxi)
                        }
                    }
                }
            }
        }
        scratch.gradients[1].withUnsafeMutableBufferPointer { db in
            for c in 0..<outChannels {
                var sum = Float(0)
                for i in 0..<batch { sum += Self.sum(dy + i * outCount + c * pixels, pixels) }
                db[c] = sum
            }
        }
    }

    /// Example i's weight gradient dY_i · col_iᵀ is formed in a small scratch matrix
    /// (`out × patch`, ≈18 KB for the reference CNN) with one GEMM, and its bias gradient is the
    /// row sums of dY_i; their squared norms are added. The input gradient is as in `backward`.
    public func backwardPerExampleNorms(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                        _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                                        squaredNorms: UnsafeMutablePointer<Double>) {
        let g = geometry, pixels = g.outputPixels, k = g.patchSize
        let inCount = inputCount, outCount = outputCount
        let gemm = scratch.gemm
        // Allocated on first use, so the non-private path never pays for it.
        if scratch.buffers.count < 3 { scratch.buffers.append([Float](repeating: 0, count: outChannels * k)) }
        weight.value.withUnsafeBufferPointer { w in
            scratch.buffers.withUnsafeMutableBufferPointer { buffers in
                buffers[0].withUnsafeMutableBufferPointer { colBuffer in
                    buffers[1].withUnsafeMutableBufferPointer { dColBuffer in
                        buffers[2].withUnsafeMutableBufferPointer { dwBuffer in
                            let col = colBuffer.baseAddress!, dCol = dColBuffer.baseAddress!, dw = dwBuffer.baseAddress!
                            for i in 0..<batch {
                                let dyi = dy + i * outCount
                                Im2col.lower(g, image: x + i * inCount, into: col, ld: pixels)
                                Gemm.multiply(transB: true, m: outChannels, n: k, k: pixels, a: dyi, lda: pixels,
                                              b: col, ldb: pixels, beta: 0, c: dw, ldc: k, workspace: gemm)
                                var norm = squaredNorm(dw, outChannels * k)
                                for c in 0..<outChannels {
                                    let db = Double(Self.sum(dyi + c * pixels, pixels))
                                    norm += db * db
                                }
                                squaredNorms[i] += norm
                                guard let dx else { continue }
                                Gemm.multiply(transA: true, m: k, n: pixels, k: outChannels, a: w.baseAddress!, lda: k,
                                              b: dyi, ldb: pixels, beta: 0, c: dCol, ldc: pixels, workspace: gemm)
                                let dxi = dx + i * inCount
                                dxi.update(repeating: 0, count: inCount)
                                Im2col.accumulate(g, columns: dCol, ld: pixels, into: dxi)
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        let raw = UnsafeRawPointer(p)
        while j + 8 <= n {
            acc += raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        var s = acc.sum()
        while j < n { s += p[j]; j += 1 }
        return s
    }
}
