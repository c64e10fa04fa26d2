import Testing
@testable import Tensor

/// Straightforward triple loop in Double: the independent truth for the blocked kernel.
func referenceGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                   a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int) -> [Float] {
    var out = c
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let x = transA ? a[p * lda + i] : a[i * lda + p]
                let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(x) * Double(y)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            out[i * ldc + j] = Float(Double(alpha) * sum + old)
        }
    }
    return out
}

struct GemmTests {
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (6, 16, 1), (7, 17, 3), (13, 33, 300), (96, 2048, 8), (100, 50, 257), (32, 144, 196),
        (5, 300, 2),
    ]

    @Test(arguments: shapes)
    func blockedProductMatchesTheTripleLoopForEveryTransposition(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = SeededGenerator(seed: UInt64(m * 1000 + n * 10 + k))
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            for (alpha, beta) in [(Float(1), Float(0)), (Float(0.5), Float(1)), (Float(-2), Float(0.25))] {
                let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2
                let a = (0..<((transA ? k : m) * lda)).map { _ in Float(rng.uniform() * 2 - 1) }
                let b = (0..<((transB ? n : k) * ldb)).map { _ in Float(rng.uniform() * 2 - 1) }
                let c = (0..<(m * ldc)).map { _ in Float(rng.uniform() * 2 - 1) }
                let expected = referenceGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                             a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
                for threads in [1, 2] {
                    var got = c
                    got.withUnsafeMutableBufferPointer { cp in
                        Gemm.multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                      a: a, lda: lda, b: b, ldb: ldb, beta: beta,
                                      c: cp.baseAddress!, ldc: ldc, threads: threads)
                    }
                    let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
                    #expect(worst <= 1e-4 * Float(max(k, 1)).squareRoot() * 4,
                            "m=\(m) n=\(n) k=\(k) tA=\(transA) tB=\(transB) threads=\(threads)")
                }
            }
        }
    }

    @Test func betaZeroIgnoresGarbageInTheOutput() {
        let a: [Float] = [1, 2, 3, 4]  // 2×2
        let b: [Float] = [1, 0, 0, 1]
        var c: [Float] = [.nan, .nan, .infinity, .nan]
        c.withUnsafeMutableBufferPointer { cp in
            Gemm.multiply(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, beta: 0, c: cp.baseAddress!, ldc: 2)
        }
        #expect(c == [1, 2, 3, 4])
    }

    @Test func largeMultiplySplitAcrossWorkersMatchesSingleWorker() {
        let m = 130, n = 260, k = 70
        var rng = SeededGenerator(seed: 9)
        let a = (0..<(m * k)).map { _ in Float(rng.uniform()) }
        let b = (0..<(k * n)).map { _ in Float(rng.uniform()) }
        var one = [Float](repeating: 0, count: m * n), two = one
        one.withUnsafeMutableBufferPointer {
            Gemm.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: $0.baseAddress!, ldc: n, threads: 1)
        }
        two.withUnsafeMutableBufferPointer {
            Gemm.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: $0.baseAddress!, ldc: n, threads: 2)
        }
        // Each output element is computed by exactly one worker in the same order: bit-identical.
        #expect(one == two)
    }
}
