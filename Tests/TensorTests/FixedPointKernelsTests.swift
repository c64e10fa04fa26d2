import Testing
@testable import Tensor

/// The packed integer kernels against element-by-element arithmetic written out here, on
/// lengths that leave a ragged tail after the vector width and on the extreme values.
struct FixedPointKernelsTests {
    @Test(arguments: [0, 1, 7, 33, 4099])
    func accumulateAddsExactWeightedProducts(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count) + 1)
        var values = (0..<count).map { _ in Int32(truncatingIfNeeded: rng.next()) >> 1 }
        if count > 2 { values[0] = Int32.max >> 1; values[1] = -(Int32.max >> 1) }
        let weight: Int32 = 1 << 24
        var sum = (0..<count).map { Int64($0) - 5 }
        let expected = sum.indices.map { sum[$0] + Int64(weight) * Int64(values[$0]) }
        values.withUnsafeBufferPointer { v in
            sum.withUnsafeMutableBufferPointer { s in
                if count > 0 { FixedPointKernels.accumulate(v.baseAddress!, weight: weight, into: s.baseAddress!, count: count) }
            }
        }
        #expect(sum == expected)
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
