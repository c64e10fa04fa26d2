import Testing
@testable import Tensor

/// The packed integer kernels against element-by-element arithmetic written out here, on
/// lengths that leave a ragged tail after the vector width and on the extreme values.
struct FixedPointKernelsTests {
    /// Σₖ wₖ·vₖ[i] in exact integers, then the scalar formula's two roundings.
    static func weightedMeanByFormula(_ values: [[Int32]], _ weights: [Int32], divisor: Double, step: Double) -> [Float] {
        (0..<(values.first?.count ?? 0)).map { i in
            let sum = values.indices.reduce(Int64(0)) { $0 + Int64(weights[$1]) * Int64(values[$1][i]) }
            return Float(Double(sum) / divisor * step)
        }
    }

    static func weightedMean(_ values: [[Int32]], _ weights: [Int32], divisor: Double, step: Double) -> [Float] {
        let count = values[0].count
        var out = [Float](repeating: .nan, count: count)
        var pointers: [UnsafePointer<Int32>] = []
        func nest(_ k: Int) {
            guard k < values.count else {
                out.withUnsafeMutableBufferPointer { o in
                    FixedPointKernels.weightedMean(pointers, weights: weights, terms: values.count, divisor: divisor, step: step,
                                                   into: o.baseAddress!, count: count)
                }
                return
            }
            values[k].withUnsafeBufferPointer { pointers.append($0.baseAddress!); nest(k + 1) }
        }
        nest(0)
        return out
    }

    @Test(arguments: [1, 7, 33, 511, 512, 513, 4099])
    func weightedMeanMatchesTheScalarFormula(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count) + 1)
        // 16-bit levels and sample counts as the federation sends them, with the extremes.
        var values = (0..<4).map { _ in (0..<count).map { _ in Int32(truncatingIfNeeded: rng.next() % 65535) - 32767 } }
        values[0][0] = 32767; values[1][0] = 32767; values[2][0] = 32767; values[3][0] = 32767
        if count > 1 { for k in 0..<4 { values[k][count - 1] = -32767 } }
        let weights: [Int32] = [26, 159, 227, 1 << 24]
        let divisor = Double(weights.reduce(Int64(0)) { $0 + Int64($1) }), step = 0.25 / 32767
        let out = Self.weightedMean(values, weights, divisor: divisor, step: step)
        let expected = Self.weightedMeanByFormula(values, weights, divisor: divisor, step: step)
        #expect(out.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    /// Sums past 2⁵¹ (not reachable with the federation's bounds) take the scalar conversion,
    /// which rounds them to the nearest double as `Double(_:)` does.
    @Test func weightedMeanOfHugeSumsRoundsAsTheScalarConversion() {
        let values: [[Int32]] = [[Int32.max, Int32.min, 3, Int32.max], [Int32.max, Int32.min, -1, 1]]
        let weights: [Int32] = [Int32.max, Int32.max]
        let out = Self.weightedMean(values, weights, divisor: 3, step: 1e-9)
        let expected = Self.weightedMeanByFormula(values, weights, divisor: 3, step: 1e-9)
        #expect(out.map(\.bitPattern) == expected.map(\.bitPattern))
        // The fixture really reaches past 2⁵¹, so the scalar conversion ran.
        let largest = values[0].indices.map { i in abs(Int64(weights[0]) * Int64(values[0][i]) + Int64(weights[1]) * Int64(values[1][i])) }.max()!
        #expect(largest >= Int64(1) << 51)
    }

    @Test func widen16SignExtendsUnalignedLittleEndianValuesAndFindsTheRange() {
        let levels: [Int16] = [0, 1, -1, Int16.max, Int16.min, 1234, -4321, 7]
        // One leading byte puts every value at an odd address.
        var bytes: [UInt8] = [0xAA]
        for v in levels { bytes += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }
        var out = [Int32](repeating: 99, count: levels.count)
        let range = bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { FixedPointKernels.widen16(raw.baseAddress! + 1, into: $0.baseAddress!, count: levels.count) }
        }
        #expect(out == levels.map(Int32.init))
        #expect(range.min == Int32(Int16.min) && range.max == Int32(Int16.max))
    }

    @Test func widen16OfNothingReportsAnEmptyRange() {
        var out = [Int32](repeating: 0, count: 1)
        let range = [UInt8](repeating: 0, count: 2).withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { FixedPointKernels.widen16(raw.baseAddress!, into: $0.baseAddress!, count: 0) }
        }
        #expect(range.min == Int32.max && range.max == Int32.min)
    }

    @Test func dequantizeRoundsEachProductOnceToFloat() {
        let values: [Int32] = [0, 1, -1, 32767, -32767, 12345, Int32.max, Int32.min]
        let step = 0.25 / 32767
        var out = [Float](repeating: .nan, count: values.count)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { FixedPointKernels.dequantize(v.baseAddress!, step: step, into: $0.baseAddress!, count: values.count) }
        }
        #expect(out == values.map { Float(Double($0) * step) })
        #expect(out[3] == 0.25 && out[4] == -0.25)
    }
}
