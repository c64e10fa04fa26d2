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
    /// `sum[i] += weight × values[i]` for `i` in `0..<count`, in 64-bit integers.
    ///
    /// Wrapping operators: callers bound the weights and the number of terms so a sum cannot
    /// overflow, and the products of two 32-bit integers fit in 64 bits.
    public static func accumulate(_ values: UnsafePointer<Int32>, weight: Int32, into sum: UnsafeMutablePointer<Int64>,
                                  count: Int) {
        accumulateLoop(values, weight, sum, count)
    }

    /// Widens `count` little-endian 16-bit two's-complement integers at `source` (any
    /// alignment) to 32 bits, returning the smallest and largest value (`Int32.max`,
    /// `Int32.min` when `count` is 0).
    public static func widen16(_ source: UnsafeRawPointer, into out: UnsafeMutablePointer<Int32>,
                               count: Int) -> (min: Int32, max: Int32) {
        widen16Loop(source, out, count)
    }

    /// `out[i] = Float(Double(values[i]) × step)`: the real value of each integer level.
    public static func dequantize(_ values: UnsafePointer<Int32>, step: Double, into out: UnsafeMutablePointer<Float>,
                                  count: Int) {
        dequantizeLoop(values, step, out, count)
    }
}

@inline(never)
private func accumulateLoop(_ values: UnsafePointer<Int32>, _ weight: Int32, _ sum: UnsafeMutablePointer<Int64>, _ count: Int) {
    let w = Int64(weight)
    for i in 0..<count { sum[i] &+= w &* Int64(values[i]) }
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
