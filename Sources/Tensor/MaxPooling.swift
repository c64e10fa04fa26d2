/// Max pooling over windows of one `C×H×W` image, recording where each maximum came from.
public enum MaxPooling {
    /// Writes `C×OH×OW` maxima to `y` and, for each, the offset of its source within `x` to
    /// `argmax` (ties keep the first position in row-major order, as PyTorch does).
    public static func forward(_ g: ConvolutionGeometry, image x: UnsafePointer<Float>,
                               output y: UnsafeMutablePointer<Float>,
                               argmax: UnsafeMutablePointer<Int32>) {
        let oh = g.outputHeight, ow = g.outputWidth
        if g.kernelHeight == 2 && g.kernelWidth == 2 && g.stride == 2 && g.padding == 0 {
            forward2x2(g, image: x, output: y, argmax: argmax)
            return
        }
        for c in 0..<g.channels {
            let plane = c * g.inputPixels
            for yo in 0..<oh {
                for xo in 0..<ow {
                    var best = -1
                    var value = -Float.infinity
                    for i in 0..<g.kernelHeight {
                        let iy = yo * g.stride - g.padding + i
                        if iy < 0 || iy >= g.height { continue }
                        for j in 0..<g.kernelWidth {
                            let ix = xo * g.stride - g.padding + j
                            if ix < 0 || ix >= g.width { continue }
                            let at = plane + iy * g.width + ix
                            if best < 0 || x[at] > value { best = at; value = x[at] }
                        }
                    }
                    let out = (c * oh + yo) * ow + xo
                    y[out] = value
                    argmax[out] = Int32(best)
                }
            }
        }
    }

    /// The common 2×2/stride-2 window, eight outputs at a time: even and odd input columns of the
    /// two input rows are split with SIMD shuffles and compared in the same order as the scalar
    /// path (top-left, top-right, bottom-left, bottom-right; strict `>` keeps the first maximum).
    static func forward2x2(_ g: ConvolutionGeometry, image x: UnsafePointer<Float>,
                           output y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
        let oh = g.outputHeight, ow = g.outputWidth
        let lane = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
        for c in 0..<g.channels {
            let plane = c * g.inputPixels
            for yo in 0..<oh {
                let r0 = plane + 2 * yo * g.width
                let r1 = r0 + g.width
                let out = (c * oh + yo) * ow
                var xo = 0
                while xo + 8 <= ow && 2 * xo + 16 <= g.width {
                    let top = UnsafeRawPointer(x + r0 + 2 * xo).loadUnaligned(as: SIMD16<Float>.self)
                    let bottom = UnsafeRawPointer(x + r1 + 2 * xo).loadUnaligned(as: SIMD16<Float>.self)
                    let base0 = lane &+ SIMD8<Int32>(repeating: Int32(r0 + 2 * xo))
                    let base1 = lane &+ SIMD8<Int32>(repeating: Int32(r1 + 2 * xo))
                    let one = SIMD8<Int32>(repeating: 1)
                    var best: SIMD8<Float> = top.evenHalf
                    var index: SIMD8<Int32> = base0
                    var m: SIMDMask<SIMD8<Int32>> = top.oddHalf .> best
                    best.replace(with: top.oddHalf, where: m)
                    index.replace(with: base0 &+ one, where: m)
                    m = bottom.evenHalf .> best
                    best.replace(with: bottom.evenHalf, where: m)
                    index.replace(with: base1, where: m)
                    m = bottom.oddHalf .> best
                    best.replace(with: bottom.oddHalf, where: m)
                    index.replace(with: base1 &+ one, where: m)
                    UnsafeMutableRawPointer(y + out + xo).storeBytes(of: best, as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(argmax + out + xo).storeBytes(of: index, as: SIMD8<Int32>.self)
                    xo += 8
                }
                while xo < ow {
                    // Values stay in registers and selects replace branches: random data would
                    // mispredict about half of these comparisons.
                    let p = r0 + 2 * xo, q = r1 + 2 * xo
                    var bv = x[p], bi = p
                    let b = x[p + 1], c = x[q], d = x[q + 1]
                    bi = b > bv ? p + 1 : bi; bv = b > bv ? b : bv
                    bi = c > bv ? q : bi; bv = c > bv ? c : bv
                    bi = d > bv ? q + 1 : bi; bv = d > bv ? d : bv
                    y[out + xo] = bv
                    argmax[out + xo] = Int32(bi)
                    xo += 1
                }
            }
        }
    }

    /// Routes each output gradient to the input position that won the forward max.
    /// `dx` (`C×H×W`) is overwritten.
    public static func backward(_ g: ConvolutionGeometry, outputGradient dy: UnsafePointer<Float>,
                                argmax: UnsafePointer<Int32>, inputGradient dx: UnsafeMutablePointer<Float>) {
        dx.update(repeating: 0, count: g.channels * g.inputPixels)
        for o in 0..<(g.channels * g.outputPixels) {
            dx[Int(argmax[o])] += dy[o]
        }
    }
}
