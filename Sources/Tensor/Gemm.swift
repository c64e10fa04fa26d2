/// Single-precision general matrix multiply on row-major matrices:
/// `C ← alpha · op(A) · op(B) + beta · C`, where `op(X)` is `X` or its transpose.
///
/// The algorithm follows the BLIS structure: `B` is packed into `kc × nc` blocks of 16-column
/// panels (fits L2/L3), `A` into `mc × kc` blocks of 6-row panels (fits L2), and a 6×16
/// register-blocked micro-kernel of AVX2 fused multiply-adds does the arithmetic. Packing makes
/// every operand access in the kernel contiguous whatever the transposition.
///
/// - Complexity: 2·m·n·k floating-point operations; O(m·k + k·n) packing traffic per block.
public enum Gemm {
    static let mr = 6
    static let nr = 16
    static let kc = 256
    static let mc = 96
    static let nc = 2048

    /// Multiplies with raw pointers (BLAS `sgemm` semantics, row-major).
    ///
    /// - Parameters:
    ///   - transA: `A` is stored as `k × m` (leading dimension `lda`) and used transposed.
    ///   - transB: `B` is stored as `n × k` and used transposed.
    ///   - beta: when `0`, `C` is write-only (its old contents may be garbage or NaN).
    ///   - threads: how many workers split the columns of `C`; use 1 inside already-parallel code.
    public static func multiply(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        workspace: GemmWorkspace? = nil,
        threads: Int = 1
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 || alpha == 0 {
            scale(c, rows: m, cols: n, ldc: ldc, by: beta)
            return
        }
        let operands = Operands(transA: transA, transB: transB, a: a, lda: lda, b: b, ldb: ldb)
        // Split the larger output dimension when several workers are requested and the work
        // amortises the fork (≈ 2 MFLOP or more).
        if threads > 1 && m * n * k >= 1 << 20 {
            if n >= m {
                let parts = Parallel.ranges(n, parts: threads, alignment: nr)
                Parallel.forEach(parts.count) { p in
                    let r = parts[p]
                    let ws = GemmWorkspace()
                    run(operands.shifted(col: r.lowerBound), m: m, n: r.count, k: k, alpha: alpha,
                        beta: beta, c: c + r.lowerBound, ldc: ldc, ws: ws)
                }
            } else {
                let parts = Parallel.ranges(m, parts: threads, alignment: mr)
                Parallel.forEach(parts.count) { p in
                    let r = parts[p]
                    let ws = GemmWorkspace()
                    run(operands.shifted(row: r.lowerBound), m: r.count, n: n, k: k, alpha: alpha,
                        beta: beta, c: c + r.lowerBound * ldc, ldc: ldc, ws: ws)
                }
            }
            return
        }
        run(operands, m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc,
            ws: workspace ?? GemmWorkspace())
    }

    /// The operands, with an accessor that hides transposition from the packing routines.
    struct Operands {
        var transA: Bool, transB: Bool
        var a: UnsafePointer<Float>, lda: Int
        var b: UnsafePointer<Float>, ldb: Int

        /// The operands of the sub-problem that starts at output row `row`.
        func shifted(row: Int) -> Operands {
            var o = self
            o.a = transA ? a + row : a + row * lda
            return o
        }

        /// The operands of the sub-problem that starts at output column `col`.
        func shifted(col: Int) -> Operands {
            var o = self
            o.b = transB ? b + col * ldb : b + col
            return o
        }
    }

    static func scale(_ c: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ldc: Int, by beta: Float) {
        for i in 0..<rows {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: cols)
            } else if beta != 1 {
                for j in 0..<cols { row[j] *= beta }
            }
        }
    }

    static func run(_ o: Operands, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                    c: UnsafeMutablePointer<Float>, ldc: Int, ws: GemmWorkspace) {
        let kcMax = min(kc, k)
        let ncMax = min(nc, (n + nr - 1) / nr * nr)
        let mcMax = min(mc, (m + mr - 1) / mr * mr)
        ws.reserve(packedA: mcMax * kcMax, packedB: kcMax * ncMax)
        let packedA = ws.packedA, packedB = ws.packedB
        var jc = 0
        while jc < n {
            let nb = min(nc, n - jc)
            var pc = 0
            while pc < k {
                let kb = min(kc, k - pc)
                packB(o, rowOffset: pc, colOffset: jc, kb: kb, nb: nb, into: packedB)
                let betaNow: Float = pc == 0 ? beta : 1
                var ic = 0
                while ic < m {
                    let mb = min(mc, m - ic)
                    packA(o, rowOffset: ic, colOffset: pc, mb: mb, kb: kb, into: packedA)
                    var jr = 0
                    while jr < nb {
                        let cols = min(nr, nb - jr)
                        var ir = 0
                        while ir < mb {
                            let rows = min(mr, mb - ir)
                            microKernel(kb: kb, a: packedA + ir * kb, b: packedB + jr * kb,
                                        c: c + (ic + ir) * ldc + jc + jr, ldc: ldc,
                                        alpha: alpha, beta: betaNow, rows: rows, cols: cols)
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mc
                }
                pc += kc
            }
            jc += nc
        }
    }

    /// Packs rows `rowOffset..<rowOffset+mb`, columns `colOffset..<colOffset+kb` of op(A) into
    /// 6-row panels laid out `[panel][p][i]`, zero-padding the last panel.
    @inline(__always)
    static func packA(_ o: Operands, rowOffset: Int, colOffset: Int, mb: Int, kb: Int,
                      into dst: UnsafeMutablePointer<Float>) {
        var panel = 0
        while panel < mb {
            let rows = min(mr, mb - panel)
            let out = dst + panel * kb
            if o.transA {
                // A(i, p) = a[p * lda + i]: contiguous along i.
                for p in 0..<kb {
                    let src = o.a + (colOffset + p) * o.lda + rowOffset + panel
                    let d = out + p * mr
                    for i in 0..<rows { d[i] = src[i] }
                    for i in rows..<mr { d[i] = 0 }
                }
            } else {
                // A(i, p) = a[i * lda + p]: contiguous along p.
                for i in 0..<mr {
                    if i < rows {
                        let src = o.a + (rowOffset + panel + i) * o.lda + colOffset
                        for p in 0..<kb { out[p * mr + i] = src[p] }
                    } else {
                        for p in 0..<kb { out[p * mr + i] = 0 }
                    }
                }
            }
            panel += mr
        }
    }

    /// Packs rows `rowOffset..<rowOffset+kb`, columns `colOffset..<colOffset+nb` of op(B) into
    /// 16-column panels laid out `[panel][p][j]`, zero-padding the last panel.
    @inline(__always)
    static func packB(_ o: Operands, rowOffset: Int, colOffset: Int, kb: Int, nb: Int,
                      into dst: UnsafeMutablePointer<Float>) {
        var panel = 0
        while panel < nb {
            let cols = min(nr, nb - panel)
            let out = dst + panel * kb
            if o.transB {
                // B(p, j) = b[j * ldb + p]: contiguous along p.
                for j in 0..<nr {
                    if j < cols {
                        let src = o.b + (colOffset + panel + j) * o.ldb + rowOffset
                        for p in 0..<kb { out[p * nr + j] = src[p] }
                    } else {
                        for p in 0..<kb { out[p * nr + j] = 0 }
                    }
                }
            } else if cols == nr {
                for p in 0..<kb {
                    let src = UnsafeRawPointer(o.b + (rowOffset + p) * o.ldb + colOffset + panel)
                    let d = UnsafeMutableRawPointer(out + p * nr)
                    d.storeBytes(of: src.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                }
            } else {
                for p in 0..<kb {
                    let src = o.b + (rowOffset + p) * o.ldb + colOffset + panel
                    let d = out + p * nr
                    for j in 0..<cols { d[j] = src[j] }
                    for j in cols..<nr { d[j] = 0 }
                }
            }
            panel += nr
        }
    }

    /// The 6×16 register block: twelve 8-wide accumulators, one broadcast of A per row and two
    /// loads of B per step of k.
    @inline(__always)
    static func microKernel(kb: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int,
                            alpha: Float, beta: Float, rows: Int, cols: Int) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var ap = a
        var bp = UnsafeRawPointer(b)
        for _ in 0..<kb {
            let b0 = bp.load(as: V.self)
            let b1 = bp.load(fromByteOffset: 32, as: V.self)
            var x = V(repeating: ap[0]); c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = V(repeating: ap[1]); c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = V(repeating: ap[2]); c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = V(repeating: ap[3]); c30.addProduct(x, b0); c31.addProduct(x, b1)
            x = V(repeating: ap[4]); c40.addProduct(x, b0); c41.addProduct(x, b1)
            x = V(repeating: ap[5]); c50.addProduct(x, b0); c51.addProduct(x, b1)
            ap += mr
            bp += nr * 4
        }
        let acc = (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
        if rows == mr && cols == nr {
            store(acc, c: c, ldc: ldc, alpha: alpha, beta: beta)
        } else {
            // Edge tile: spill to a full tile on the stack, then copy the valid part.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { t in
                let tile = t.baseAddress!
                store(acc, c: tile, ldc: nr, alpha: alpha, beta: 0)
                for i in 0..<rows {
                    let dst = c + i * ldc
                    let src = tile + i * nr
                    if beta == 0 {
                        for j in 0..<cols { dst[j] = src[j] }
                    } else {
                        for j in 0..<cols { dst[j] = src[j] + beta * dst[j] }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func store(_ acc: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
                              SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
                              SIMD8<Float>, SIMD8<Float>),
                      c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        @inline(__always) func put(_ row: Int, _ lo: SIMD8<Float>, _ hi: SIMD8<Float>) {
            let p = UnsafeMutableRawPointer(c + row * ldc)
            var l = lo * alpha, h = hi * alpha
            if beta != 0 {
                l.addProduct(SIMD8(repeating: beta), p.loadUnaligned(as: SIMD8<Float>.self))
                h.addProduct(SIMD8(repeating: beta), p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
            }
            p.storeBytes(of: l, as: SIMD8<Float>.self)
            p.storeBytes(of: h, toByteOffset: 32, as: SIMD8<Float>.self)
        }
        put(0, acc.0, acc.1); put(1, acc.2, acc.3); put(2, acc.4, acc.5)
        put(3, acc.6, acc.7); put(4, acc.8, acc.9); put(5, acc.10, acc.11)
    }
}

/// Reusable packing buffers for `Gemm`, so repeated multiplies do not allocate.
///
/// Not thread-safe: give each worker its own. The buffers are 64-byte aligned.
public final class GemmWorkspace {
    private(set) var packedA: UnsafeMutablePointer<Float>
    private(set) var packedB: UnsafeMutablePointer<Float>
    private var capacityA = 0
    private var capacityB = 0

    public init() {
        packedA = Self.allocate(16)
        packedB = Self.allocate(16)
        capacityA = 16
        capacityB = 16
    }

    deinit {
        packedA.deallocate()
        packedB.deallocate()
    }

    func reserve(packedA a: Int, packedB b: Int) {
        if a > capacityA {
            packedA.deallocate()
            packedA = Self.allocate(a)
            capacityA = a
        }
        if b > capacityB {
            packedB.deallocate()
            packedB = Self.allocate(b)
            capacityB = b
        }
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }
}
