import Foundation
import Tensor
import Testing
@testable import Privacy

struct PartialSharingTests {
    @Test func topKPicksTheLargestChangesWithLowerIndexWinningTies() throws {
        let delta: [Float] = [0.1, -0.9, 0.5, 0.9, -0.05, 0.5]
        let update = try PartialSharing.topK(delta, count: 3)
        #expect(update.indices == [1, 2, 3])
        #expect(update.values == [-0.9, 0.5, 0.9])
        #expect(PartialSharing.count(forFraction: 0.1, dimension: 205_890) == 20_589)
        #expect(PartialSharing.count(forFraction: 0.001, dimension: 10) == 1)
        #expect(PartialSharing.count(forFraction: 0, dimension: 10) == 0)
    }

    @Test func randomSubsetsAreSeededUniformAndWithoutRepeats() throws {
        let delta = (0..<1000).map { Float($0) }
        var first = SeededGenerator(seed: 99)
        var second = SeededGenerator(seed: 99)
        let a = try PartialSharing.randomSubset(fraction: 0.1).encode(delta, generator: &first)
        let b = try PartialSharing.randomSubset(fraction: 0.1).encode(delta, generator: &second)
        #expect(a == b)
        #expect(a.indices.count == 100 && Set(a.indices).count == 100)
        #expect(a.values == a.indices.map { Float($0) })
        // Uniformity: over many draws every coordinate is chosen about k/n of the time.
        var counts = [Int](repeating: 0, count: 50)
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<4000 {
            for index in try PartialSharing.randomSubset([Float](repeating: 1, count: 50), count: 5, generator: &generator).indices {
                counts[Int(index)] += 1
            }
        }
        // Expected 400 each, binomial sd √(4000 · 0.1 · 0.9) ≈ 19: allow 5 sd.
        #expect(counts.allSatisfy { abs($0 - 400) < 95 })
    }

    /// Every unsent coordinate holds a random bit pattern; none of them may appear anywhere in
    /// what the encoder emits, and the message has room for the sent coordinates only.
    @Test(arguments: [PartialSharing.topK(fraction: 0.05), .randomSubset(fraction: 0.05)])
    func unsentCoordinatesNeverLeaveTheEncoder(strategy: PartialSharing) throws {
        let dimension = 4000
        var generator = SeededGenerator(seed: 17)
        // Small changes with random mantissas and exponents (|x| < 2^-10), ...
        var delta = (0..<dimension).map { _ in
            Float(bitPattern: UInt32(0x2000_0000 + generator.integer(below: 0x1A00_0000)) | (generator.integer(below: 2) == 0 ? 0 : 0x8000_0000))
        }
        // ... and large ones where top-k must look, so both strategies have a known target.
        for i in stride(from: 0, to: dimension, by: 20) { delta[i] = Float(i + 1) }
        let update = try strategy.encode(delta, generator: &generator)
        let sent = Set(update.indices.map(Int.init))
        #expect(update.indices.count == 200)
        if case .topK = strategy { #expect(sent == Set(stride(from: 0, to: dimension, by: 20))) }
        let bytes = update.serialized()
        #expect(bytes.count == 13 + 8 * update.indices.count)
        // Every 4-byte window of the message, aligned or not, against every unsent value's bits.
        let unsentPatterns = Set((0..<dimension).filter { !sent.contains($0) }.map { delta[$0].bitPattern })
        var leaks: [Int] = []
        for offset in 0...(bytes.count - 4) {
            let word = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            if unsentPatterns.contains(word) { leaks.append(offset) }
        }
        #expect(leaks.isEmpty, "unsent values found at byte offsets \(leaks.prefix(5))")
        // What arrives is exactly the sent coordinates with their values.
        let received = try SparseUpdate(serialized: bytes)
        #expect(received == update)
        #expect(zip(received.indices, received.values).allSatisfy { delta[Int($0)] == $1 })
    }

    @Test func sparseAggregationEqualsTheDenseComputationOnSentCoordinates() throws {
        let dimension = 3000
        let clients = 7
        var generator = SeededGenerator(seed: 23)
        var dense: [[Float]] = []
        var masks: [[Bool]] = []
        var updates: [SparseUpdate] = []
        let weights = (0..<clients).map { Double($0 + 1) * 10 }
        for k in 0..<clients {
            let delta = (0..<dimension).map { _ in Float(generator.normal()) }
            let strategy: PartialSharing = k % 2 == 0 ? .topK(fraction: 0.2) : .randomSubset(fraction: 0.3)
            let update = try strategy.encode(delta, generator: &generator)
            var mask = [Bool](repeating: false, count: dimension)
            for index in update.indices { mask[Int(index)] = true }
            dense.append(delta)
            masks.append(mask)
            updates.append(try SparseUpdate(serialized: update.serialized()))
        }
        let (values, contributors) = try SparseAggregator.average(updates, weights: weights)
        for i in 0..<dimension {
            // Dense reference: weighted mean over the clients whose mask includes i.
            var sum = 0.0, total = 0.0, count = 0
            for k in 0..<clients where masks[k][i] {
                sum += weights[k] * Double(dense[k][i])
                total += weights[k]
                count += 1
            }
            #expect(contributors[i] == count)
            #expect(values[i] == (count == 0 ? 0 : Float(sum / total)))
        }
        #expect(contributors.contains(0) && contributors.contains { $0 >= 3 })
    }

    @Test func malformedSparseUpdatesAreRejected() throws {
        #expect(throws: PrivacyError.self) { try SparseUpdate(dimension: 10, indices: [3, 3], values: [1, 2]) }
        #expect(throws: PrivacyError.self) { try SparseUpdate(dimension: 10, indices: [4, 2], values: [1, 2]) }
        #expect(throws: PrivacyError.self) { try SparseUpdate(dimension: 10, indices: [10], values: [1]) }
        #expect(throws: PrivacyError.self) { try SparseUpdate(dimension: 10, indices: [1], values: []) }
        #expect(throws: PrivacyError.self) { try SparseUpdate(serialized: [0x4D, 0x43]) }
        let good = try? SparseUpdate(dimension: 10, indices: [1, 5], values: [0.5, -1]).serialized()
        #expect(throws: PrivacyError.self) { try SparseUpdate(serialized: Array(good!.dropLast())) }
        #expect(throws: PrivacyError.self) {
            try SparseAggregator.average([SparseUpdate(dimension: 3, indices: [], values: []),
                                          SparseUpdate(dimension: 4, indices: [], values: [])])
        }
        #expect(try SparseUpdate(dimension: 10, indices: [1, 5], values: [0.5, -1]).densified() == [0, 0.5, 0, 0, 0, -1, 0, 0, 0, 0])
    }
}
