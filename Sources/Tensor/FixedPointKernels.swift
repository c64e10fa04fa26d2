/// Loops over fixed-point integer vectors (quantised model updates), compiled with the numeric
/// kernels' AVX2 code generation so they run on packed integers.
///
/// Integer arithmetic is exact, so a vectorised loop gives the same bits as a scalar one; the
/// float conversions are single IEEE operations per element, which packed instructions round
/// identically.
///
/// Each public entry point only calls a private loop. Release builds optimise across modules:
/// a public function whose body can be serialised is copied into the calling module (inlined,
/// or specialised as a clone) and compiled for that module's baseline CPU target, SSE2 in
/// place of AVX2 (`nm` showed such clones for all three). A body that calls a private function
/// cannot be serialised, so every caller runs the code compiled here.
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

private func accumulateLoop(_ values: UnsafePointer<Int32>, _ weight: Int32, _ sum: UnsafeMutablePointer<Int64>, _ count: Int) {
    let w = Int64(weight)
    for i in 0..<count { sum[i] &+= w &* Int64(values[i]) }
}

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

private func dequantizeLoop(_ values: UnsafePointer<Int32>, _ step: Double, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count { out[i] = Float(Double(values[i]) * step) }
}
