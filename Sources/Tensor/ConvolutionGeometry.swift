/// The shape arithmetic of a 2-D convolution or pooling window over one image.
public struct ConvolutionGeometry: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var stride: Int
    public var padding: Int

    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                stride: Int = 1, padding: Int = 0) {
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
    }

    /// Output height: `⌊(H + 2·pad − kh) / stride⌋ + 1`, as PyTorch computes it.
    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the im2col matrix: one per (channel, kernel row, kernel column).
    public var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the im2col matrix: one per output pixel.
    public var outputPixels: Int { outputHeight * outputWidth }
    public var inputPixels: Int { height * width }
    /// Whether the window fits at least once.
    public var isValid: Bool {
        channels > 0 && height > 0 && width > 0 && kernelHeight > 0 && kernelWidth > 0 && stride > 0
            && padding >= 0 && outputHeight > 0 && outputWidth > 0
    }
}

/// im2col and its adjoint col2im, the lowering that turns convolution into one GEMM.
public enum Im2col {
    /// Writes the patches of one `C×H×W` image as a `patchSize × outputPixels` matrix whose rows
    /// are `ld` floats apart (so several images can sit side by side in one matrix).
    ///
    /// Row `(c·kh + i)·kw + j`, column `oh·OW + ow` holds `x[c, oh·s − p + i, ow·s − p + j]`, or 0
    /// outside the image: the same ordering as PyTorch's `[Cout, Cin, kh, kw]` weights flattened.
    public static func lower(_ g: ConvolutionGeometry, image x: UnsafePointer<Float>,
                             into col: UnsafeMutablePointer<Float>, ld: Int) {
        let oh = g.outputHeight, ow = g.outputWidth
        for c in 0..<g.channels {
            let plane = x + c * g.inputPixels
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let row = col + ((c * g.kernelHeight + ki) * g.kernelWidth + kj) * ld
                    for y in 0..<oh {
                        let iy = y * g.stride - g.padding + ki
                        let out = row + y * ow
                        if iy < 0 || iy >= g.height {
                            out.update(repeating: 0, count: ow)
                            continue
                        }
                        let line = plane + iy * g.width
                        if g.stride == 1 {
                            // Columns whose input x = ox − p + kj lies inside [0, W).
                            let lo = max(0, g.padding - kj)
                            let hi = min(ow, g.width + g.padding - kj)
                            if lo > 0 { out.update(repeating: 0, count: lo) }
                            if hi > lo { (out + lo).update(from: line + (lo - g.padding + kj), count: hi - lo) }
                            if hi < ow { (out + max(hi, lo)).update(repeating: 0, count: ow - max(hi, lo)) }
                        } else {
                            for xo in 0..<ow {
                                let ix = xo * g.stride - g.padding + kj
                                out[xo] = (ix >= 0 && ix < g.width) ? line[ix] : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds the patch-matrix gradient back onto the image gradient (the adjoint of `lower`).
    /// `dx` is accumulated into, so zero it first.
    public static func accumulate(_ g: ConvolutionGeometry, columns col: UnsafePointer<Float>, ld: Int,
                                  into dx: UnsafeMutablePointer<Float>) {
        let oh = g.outputHeight, ow = g.outputWidth
        for c in 0..<g.channels {
            let plane = dx + c * g.inputPixels
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let row = col + ((c * g.kernelHeight + ki) * g.kernelWidth + kj) * ld
                    for y in 0..<oh {
                        let iy = y * g.stride - g.padding + ki
                        if iy < 0 || iy >= g.height { continue }
                        let line = plane + iy * g.width
                        let src = row + y * ow
                        if g.stride == 1 {
                            let lo = max(0, g.padding - kj)
                            let hi = min(ow, g.width + g.padding - kj)
                            if hi > lo {
                                let dst = line + (lo - g.padding + kj)
                                for t in 0..<(hi - lo) { dst[t] += src[lo + t] }
                            }
                        } else {
                            for xo in 0..<ow {
                                let ix = xo * g.stride - g.padding + kj
                                if ix >= 0 && ix < g.width { line[ix] += src[xo] }
                            }
                        }
                    }
                }
            }
        }
    }
}
