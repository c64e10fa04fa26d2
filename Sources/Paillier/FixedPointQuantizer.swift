/// Maps floats in [−range, range] to unsigned b-bit integers and sums of them back.
///
/// Packing needs non-negative slot values, so the quantiser shifts by `range`:
/// q(x) = round((clamp(x) + range) / (2·range) · (2^b − 1)). A sum of K quantised values
/// S = Σ q(xᵢ) decodes to Σ xᵢ ≈ S · 2·range / (2^b − 1) − K·range, with an error of at most
/// K · range / (2^b − 1) (half a step per party). Rounding is deterministic (to nearest, ties
/// away from zero), so every validator that re-quantises the same floats gets the same integers.
public struct FixedPointQuantizer: Sendable, Hashable, Codable {
    /// Bits per value, b.
    public let bits: Int
    /// Values are clamped to [−range, range]; typically the clipping norm or a per-layer bound.
    public let range: Double

    public init(bits: Int, range: Double) throws(PaillierError) {
        guard (1...62).contains(bits) else {
            throw PaillierError(.invalidPacking, "quantiser bits must be in 1...62; got \(bits)")
        }
        guard range > 0, range.isFinite else {
            throw PaillierError(.outOfRange, "quantiser range must be positive and finite; got \(range)")
        }
        self.bits = bits
        self.range = range
    }

    /// 2^b − 1, the largest quantised value.
    public var levels: Double { Double((UInt64(1) << UInt64(bits)) - 1) }

    /// The width of one quantisation step.
    public var step: Double { 2 * range / levels }

    /// Quantises one value; NaN maps to the midpoint (zero).
    public func quantize(_ value: Float) -> UInt64 {
        let x = value.isNaN ? 0 : min(max(Double(value), -range), range)
        return UInt64(((x + range) / (2 * range) * levels).rounded(.toNearestOrAwayFromZero))
    }

    public func quantize(_ values: [Float]) -> [UInt64] { values.map(quantize) }

    /// Decodes a sum of `parties` quantised values to the sum of the original floats.
    public func dequantizeSum(_ sum: UInt64, parties: Int) -> Double {
        Double(sum) * step - Double(parties) * range
    }

    public func dequantizeSums(_ sums: [UInt64], parties: Int) -> [Float] {
        sums.map { Float(dequantizeSum($0, parties: parties)) }
    }
}
