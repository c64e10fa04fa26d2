/// Loops over fixed-point integer vectors (quantised model updates), compiled with the numeric
/// kernels' AVX2 code generation so they run on packed integers.
///
/// Integer arithmetic is exact, so a vectorised loop gives the same bits as a scalar one; the
/// float conversions are single IEEE operations per element, which packed instructions round
/// identically.
///
/// Each public entry point only calls a loop that is a free function marked `@inline(never)`.
/// Release builds optimise across modules: a kernel body inlined into the calling module, or
/// cloned there by function-signature specialisation, is compiled for that module's baseline
/// CPU target, SSE2 in place of AVX2. Both happened (`nm` showed clones of the static
/// functions, whose unused metatype argument invites specialisation; `objdump` then showed
/// the loop inlined into `Aggregator.weightedMean`). A free function with nothing to
/// specialise, never inlined, runs the code compiled here: `objdump` shows the calls.
public enum FixedPointKernels {
    /// Widens `count` little-endian 16-bit two's-complement integers at `source` (any
    /// alignment) to 32 bits, returning the smallest and largest value (`Int32.max`,
    /// `Int32.min` when `count` is 0).
    public static func widen16(_ source: UnsafeRawPointer, into out: UnsafeMutablePointer<Int32>,
                               count: Int) -> (min: Int32, max: Int32) {
        widen16Loop(source, out, count)
    }

    /// `out[i] = Float(Double(Σₖ weights[k] × values[k][i]) / divisor × step)` for `i` in
    /// `0..<count`: the sample-weighted mean of `terms` fixed-point vectors, in real units.
    ///
    /// The sums are exact 64-bit integers (callers bound the weights and terms so they cannot
    /// overflow), formed a few hundred coordinates at a time in a buffer that stays in L1. Each
    /// sum becomes a `Double` exactly (the packed conversion below is exact while |sum| < 2⁵¹;
    /// a block with a larger sum takes the scalar conversion, which rounds as `Double(_:)`
    /// does), then is divided and multiplied once each: the same two roundings as the scalar
    /// formula, four lanes at a time.
    public static func weightedMean(_ values: UnsafePointer<UnsafePointer<Int32>>, weights: UnsafePointer<Int32>, terms: Int,
                                    divisor: Double, step: Double, into out: UnsafeMutablePointer<Float>, count: Int) {
        weightedMeanLoop(values, weights, terms, divisor, step, out, count)
    }

    /// `out[i] = Float(Double(values[i]) × step)`: the real value of each integer level.
    public static func dequantize(_ values: UnsafePointer<Int32>, step: Double, into out: UnsafeMutablePointer<Float>,
                                  count: Int) {
        dequantizeLoop(values, step, out, count)
    }
}

@inline(never)
private func widen16Loop(_ source: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int32>, _ count: Int) -> (min: Int32, max: Int32) {
    var low = Int32.max, high = Int32.min
    for k in 0..<count {
        let v = Int32(Int16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * k, as: Int16.self)))
        out[k] = v
        low = Swift.min(low, v)
        high = Swift.max(high, v)
    }
    return (low, high)
}

@inline(never)
private func dequantizeLoop(_ values: UnsafePointer<Int32>, _ step: Double, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count { out[i] = Float(Double(values[i]) * step) }
}

@inline(never)
private func weightedMeanLoop(_ values: UnsafePointer<UnsafePointer<Int32>>, _ weights: UnsafePointer<Int32>, _ terms: Int,
                              _ divisor: Double, _ step: Double, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
    let block = 512
    let sum = UnsafeMutablePointer<Int64>.allocate(capacity: block)
    defer { sum.deallocate() }
    // 1.5 × 2⁵²: adding an integer x with |x| < 2⁵¹ to its bit pattern gives the bits of
    // 1.5 × 2⁵² + x (same exponent, no carry), so subtracting the constant leaves x exactly.
    let magic = 6_755_399_441_055_744.0
    let magicBits = Int64(bitPattern: magic.bitPattern)
    let limit = Int64(1) << 51
    var start = 0
    while start < count {
        let n = min(block, count - start)
        sum.update(repeating: 0, count: n)
        for k in 0..<terms {
            let w = Int64(weights[k])
            let v = values[k] + start
            for i in 0..<n { sum[i] &+= w &* Int64(v[i]) }
        }
        var low = Int64.max, high = Int64.min
        for i in 0..<n {
            low = min(low, sum[i])
            high = max(high, sum[i])
        }
        let o = out + start
        if low > -limit, high < limit {
            for i in 0..<n {
                let exact = Double(bitPattern: UInt64(bitPattern: sum[i] &+ magicBits)) - magic
                o[i] = Float(exact / divisor * step)
            }
        } else {
            for i in 0..<n { o[i] = Float(Double(sum[i]) / divisor * step) }
        }
        start += n
    }
}
