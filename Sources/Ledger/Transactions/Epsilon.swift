import Foundation

/// A differential-privacy ε amount in fixed point: an integer number of micro-ε (10⁻⁶).
///
/// Budgets and spending are compared and summed on every validator, so they must be exact:
/// integers give the same answer everywhere, where floating-point sums could round
/// differently and let a dataset spend past its budget by a rounding error.
public struct Epsilon: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let scale: UInt64 = 1_000_000
    public static let zero = Epsilon(micro: 0)

    public var micro: UInt64

    public init(micro: UInt64) { self.micro = micro }

    /// Rounds to the nearest micro-ε; nil for negative, non-finite or absurdly large values.
    public init?(_ value: Double) {
        guard value.isFinite, value >= 0, value < 1e12 else { return nil }
        micro = UInt64((value * Double(Epsilon.scale)).rounded())
    }

    public var value: Double { Double(micro) / Double(Epsilon.scale) }

    public static func < (a: Epsilon, b: Epsilon) -> Bool { a.micro < b.micro }

    /// Sum, or nil on overflow.
    public func adding(_ other: Epsilon) -> Epsilon? {
        let (sum, overflow) = micro.addingReportingOverflow(other.micro)
        return overflow ? nil : Epsilon(micro: sum)
    }

    public var description: String {
        let whole = micro / Epsilon.scale, fraction = micro % Epsilon.scale
        guard fraction != 0 else { return "\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}

extension Epsilon: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) { writer.write(micro) }
    public init(from reader: inout CanonicalReader) throws(EncodingError) { micro = try reader.readUInt64("epsilon") }
}

extension Epsilon: Codable {
    /// JSON form: a plain number of ε (e.g. `8.0`), rounded to 10⁻⁶.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Double.self)
        guard let epsilon = Epsilon(value) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "ε must be a finite number ≥ 0, got \(value)")
        }
        self = epsilon
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
