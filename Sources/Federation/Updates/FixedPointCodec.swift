import Tensor

/// Turns a model update (a vector of Float deltas) into signed fixed-point integers and back.
///
/// Each value is clamped to `±range` and mapped to an integer in `±(2^(bits−1) − 1)` by rounding
/// half away from zero, so a quantised update is an exact, platform-independent integer vector.
/// Aggregating integers (sums, medians) is then exact and every validator recomputes the same
/// aggregate bit for bit; the same integers are what Paillier packing encrypts.
public struct FixedPointCodec: Codable, Sendable, Equatable {
    /// Bits per value including the sign.
    public var bits: Int
    /// The largest magnitude represented; larger values are clamped.
    public var range: Float

    public init(bits: Int = 16, range: Float = 0.25) {
        precondition((2...31).contains(bits), "fixed-point bits must be in 2...31")
        precondition(range > 0 && range.isFinite, "fixed-point range must be positive")
        self.bits = bits
        self.range = range
    }

    /// The largest integer magnitude, `2^(bits−1) − 1`.
    public var maxLevel: Int32 { Int32((1 << (bits - 1)) - 1) }

    /// The value of one integer step.
    public var step: Double { Double(range) / Double(maxLevel) }

    /// Quantises `values` (NaN becomes 0; ±∞ and out-of-range values clamp).
    public func encode(_ values: [Float]) -> [Int32] {
        let scale = Double(maxLevel) / Double(range)
        let top = Double(maxLevel)
        return values.map { v in
            guard !v.isNaN else { return 0 }
            let scaled = (Double(v) * scale).rounded(.toNearestOrAwayFromZero)
            return Int32(min(max(scaled, -top), top))
        }
    }

    /// The real value of one integer.
    public func decode(_ q: Int32) -> Float { Float(Double(q) * step) }

    /// The real values of a vector of integers.
    public func decode(_ q: [Int32]) -> [Float] {
        guard !q.isEmpty else { return [] }
        return [Float](unsafeUninitializedCapacity: q.count) { out, initialized in
            q.withUnsafeBufferPointer { FixedPointKernels.dequantize($0.baseAddress!, step: step, into: out.baseAddress!, count: q.count) }
            initialized = q.count
        }
    }
}
