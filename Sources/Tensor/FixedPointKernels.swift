/// Loops over fixed-point integer vectors (quantised model updates), compiled with the numeric
/// kernels' AVX2 code generation so they run on packed integers.
///
/// Integer arithmetic is exact, so a vectorised loop gives the same bits as a scalar one; the
/// float conversions are single IEEE operations per element, which packed instructions round
/// identically.
///
/// `@inline(never)`: release builds optimise across modules, and a kernel inlined into a
/// caller's module would be compiled for that module's (baseline) CPU target instead.
public enum FixedPointKernels {
    /// `sum[i] += weight × values[i]` for `i` in `0..<count`, in 64-bit integers.
    ///
    /// Wrapping operators: callers bound the weights and the number of terms so a sum cannot
    /// overflow, and the products of two 32-bit integers fit in 64 bits.
    @inline(never)
    public static func accumulate(_ values: UnsafePointer<Int32>, weight: Int32, into sum: UnsafeMutablePointer<Int64>,
                                  count: Int) {
        let w = Int64(weight)
        for i in 0..<count { sum[i] &+= w &* Int64(values[i]) }
    }

    /// Widens `count` little-endian 16-bit two's-complement integers at `source` (any
    /// alignment) to 32 bits, returning the smallest and largest value (`Int32.max`,
    /// `Int32.min` when `count` is 0).
    @inline(never)
    public static func widen16(_ source: UnsafeRawPointer, into out: UnsafeMutablePointer<Int32>,
                               count: Int) -> (min: Int32, max: Int32) {
        var low = Int32.max, high = Int32.min
        for k in 0..<count {
            let v = Int32(Int16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * k, as: Int16.self)))
            out[k] = v
            low = Swift.min(low, v)
            high = Swift.max(high, v)
        }
        return (low, high)
    }

    /// `out[i] = Float(Double(values[i]) × step)`: the real value of each integer level.
    @inline(never)
    public static func dequantize(_ values: UnsafePointer<Int32>, step: Double, into out: UnsafeMutablePointer<Float>,
                                  count: Int) {
        for i in 0..<count { out[i] = Float(Double(values[i]) * step) }
    }
}
