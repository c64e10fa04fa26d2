import Testing
@testable import Tensor

/// Direct definition of cross-correlation with zero padding, the independent truth for
/// im2col + GEMM.
func directConvolution(_ x: [Float], _ w: [Float], g: ConvolutionGeometry, outChannels: Int) -> [Float] {
    var y = [Float](repeating: 0, count: outChannels * g.outputPixels)
    for o in 0..<outChannels {
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                var sum = 0.0
                for c in 0..<g.channels {
                    for i in 0..<g.kernelHeight {
                        for j in 0..<g.kernelWidth {
                            let iy = oy * g.stride - g.padding + i, ix = ox * g.stride - g.padding + j
                            guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                            let wv = w[((o * g.channels + c) * g.kernelHeight + i) * g.kernelWidth + j]
                            sum += Double(wv) * Double(x[(c * g.height + iy) * g.width + ix])
                        }
                    }
                }
                y[(o * g.outputHeight + oy) * g.outputWidth + ox] = Float(sum)
            }
        }
    }
    return y
}

struct ConvolutionTests {
    static let geometries: [ConvolutionGeometry] = [
        .init(channels: 1, height: 28, width: 28, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1),
        .init(channels: 3, height: 7, width: 6, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1),
        .init(channels: 2, height: 5, width: 9, kernelHeight: 2, kernelWidth: 4, stride: 1, padding: 0),
        .init(channels: 2, height: 4, width: 4, kernelHeight: 3, kernelWidth: 3, stride: 3, padding: 2),
    ]

    @Test(arguments: geometries)
    func im2colTimesWeightsEqualsDirectConvolution(g: ConvolutionGeometry) {
        var rng = SeededGenerator(seed: 11)
        let outChannels = 4
        let x = (0..<(g.channels * g.inputPixels)).map { _ in Float(rng.normal()) }
        let w = (0..<(outChannels * g.patchSize)).map { _ in Float(rng.normal()) }
        var col = [Float](repeating: .nan, count: g.patchSize * g.outputPixels)
        col.withUnsafeMutableBufferPointer { Im2col.lower(g, image: x, into: $0.baseAddress!, ld: g.outputPixels) }
        var y = [Float](repeating: 0, count: outChannels * g.outputPixels)
        y.withUnsafeMutableBufferPointer { yp in
            Gemm.multiply(m: outChannels, n: g.outputPixels, k: g.patchSize, a: w, lda: g.patchSize,
                          b: col, ldb: g.outputPixels, c: yp.baseAddress!, ldc: g.outputPixels)
        }
        let expected = directConvolution(x, w, g: g, outChannels: outChannels)
        #expect(zip(y, expected).allSatisfy { abs($0 - $1) <= 1e-4 })
    }

    /// col2im is the adjoint of im2col: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for all x, c.
    @Test(arguments: geometries)
    func col2imIsTheAdjointOfIm2col(g: ConvolutionGeometry) {
        var rng = SeededGenerator(seed: 12)
        let x = (0..<(g.channels * g.inputPixels)).map { _ in Float(rng.normal()) }
        let c = (0..<(g.patchSize * g.outputPixels)).map { _ in Float(rng.normal()) }
        var col = [Float](repeating: 0, count: c.count)
        col.withUnsafeMutableBufferPointer { Im2col.lower(g, image: x, into: $0.baseAddress!, ld: g.outputPixels) }
        var back = [Float](repeating: 0, count: x.count)
        back.withUnsafeMutableBufferPointer { Im2col.accumulate(g, columns: c, ld: g.outputPixels, into: $0.baseAddress!) }
        let lhs = zip(col, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(lhs - rhs) <= 1e-3 * max(1, abs(lhs)))
    }

    @Test func outputSizesFollowPyTorch() {
        let g = ConvolutionGeometry(channels: 1, height: 28, width: 28, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1)
        #expect(g.outputHeight == 14 && g.outputWidth == 14)
        let p = ConvolutionGeometry(channels: 1, height: 7, width: 7, kernelHeight: 2, kernelWidth: 2, stride: 2)
        #expect(p.outputHeight == 3)  // floor((7 − 2)/2) + 1
    }
}

struct MaxPoolingTests {
    static let geometries: [ConvolutionGeometry] = [
        .init(channels: 3, height: 28, width: 28, kernelHeight: 2, kernelWidth: 2, stride: 2),
        .init(channels: 2, height: 7, width: 7, kernelHeight: 2, kernelWidth: 2, stride: 2),
        .init(channels: 2, height: 9, width: 8, kernelHeight: 3, kernelWidth: 3, stride: 2),
    ]

    @Test(arguments: geometries)
    func maximaAndWinnersMatchTheDefinition(g: ConvolutionGeometry) {
        var rng = SeededGenerator(seed: 5)
        // Quantised values make ties common: the first maximum in row-major order must win.
        let x = (0..<(g.channels * g.inputPixels)).map { _ in Float(rng.integer(below: 4)) }
        var y = [Float](repeating: 0, count: g.channels * g.outputPixels)
        var arg = [Int32](repeating: -1, count: y.count)
        y.withUnsafeMutableBufferPointer { yp in arg.withUnsafeMutableBufferPointer { ap in
            MaxPooling.forward(g, image: x, output: yp.baseAddress!, argmax: ap.baseAddress!)
        } }
        for c in 0..<g.channels {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    var best = -1
                    for i in 0..<g.kernelHeight {
                        for j in 0..<g.kernelWidth {
                            let at = (c * g.height + oy * g.stride + i) * g.width + ox * g.stride + j
                            if best < 0 || x[at] > x[best] { best = at }
                        }
                    }
                    let o = (c * g.outputHeight + oy) * g.outputWidth + ox
                    #expect(y[o] == x[best] && Int(arg[o]) == best)
                }
            }
        }
        // Backward sends each output gradient to its winner and nothing elsewhere.
        let dy = (0..<y.count).map { Float($0 + 1) }
        var dx = [Float](repeating: .nan, count: x.count)
        dx.withUnsafeMutableBufferPointer { dp in
            MaxPooling.backward(g, outputGradient: dy, argmax: arg, inputGradient: dp.baseAddress!)
        }
        var expected = [Float](repeating: 0, count: x.count)
        for (o, a) in arg.enumerated() { expected[Int(a)] += dy[o] }
        #expect(dx == expected)
    }
}

extension ConvolutionGeometry: CustomTestStringConvertible {
    public var testDescription: String {
        "\(channels)×\(height)×\(width) k\(kernelHeight)×\(kernelWidth) s\(stride) p\(padding)"
    }
}

struct SeededGeneratorTests {
    @Test func sameSeedSameStreamAndUniformInRange() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xs = (0..<100).map { _ in a.next() }
        #expect(xs == (0..<100).map { _ in b.next() })
        #expect(xs != (0..<100).map { _ in c.next() })
        for _ in 0..<1000 {
            let u = a.uniform()
            #expect(u >= 0 && u < 1)
            #expect((0..<7).contains(a.integer(below: 7)))
        }
    }

    @Test func normalSamplesHaveUnitMomentsAndPermutationsArePermutations() {
        var rng = SeededGenerator(seed: 1)
        let n = 20_000
        let xs = (0..<n).map { _ in rng.normal() }
        let mean = xs.reduce(0, +) / Double(n)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
        // Standard errors: 1/√n ≈ 0.007 for the mean, √(2/n) ≈ 0.01 for the variance.
        #expect(abs(mean) < 0.04 && abs(variance - 1) < 0.05)
        #expect(rng.permutation(50).sorted() == Array(0..<50))
    }
}
