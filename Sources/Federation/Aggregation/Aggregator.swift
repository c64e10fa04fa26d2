import Ledger
import Tensor

/// One hospital's update with the weight it carries in FedAvg (its sample count).
public struct WeightedUpdate: Sendable {
    public var update: ModelUpdate
    public var sampleCount: Int

    public init(update: ModelUpdate, sampleCount: Int) {
        self.update = update
        self.sampleCount = sampleCount
    }
}

/// The aggregate of one round.
public struct AggregateResult: Sendable, Equatable {
    /// The averaged model delta in real units, one value per parameter.
    public var delta: [Float]
    /// Positions (in the input order) of the updates that entered the average.
    public var included: [Int]
}

/// What went wrong aggregating.
public struct AggregationError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Deterministic aggregation of quantised updates.
public enum Aggregator {
    /// Bounds that keep every weighted integer sum inside `Int64`: |q| < 2^30 (codecs have at
    /// most 31 bits), n ≤ 2^24, so n·q < 2^54, and at most 2^9 of them are added. A claim
    /// beyond them is refused rather than allowed to overflow (a trap would stop the node).
    public static let maximumSampleCount = Int(SubmitUpdate.maximumSampleCount)
    public static let maximumUpdates = 1 << 9

    /// Aggregates `updates` with `rule`.
    ///
    /// All updates must share one codec and parameter count. Integer sums are exact (`Int64`);
    /// the only rounding is the final division and conversion to `Float`, done in the same order
    /// on every machine.
    /// - Parameter workers: threads for the FedAvg sum (1 keeps it on the calling thread, as
    ///   work at idle priority must be); the result is the same for any number.
    public static func aggregate(_ updates: [WeightedUpdate], rule: AggregationRule,
                                 workers: Int = Parallel.coreCount) throws(AggregationError) -> AggregateResult {
        guard let first = updates.first else { throw AggregationError("no updates to aggregate") }
        let codec = first.update.codec, count = first.update.parameterCount
        for u in updates {
            guard u.update.codec == codec, u.update.parameterCount == count else {
                throw AggregationError("updates disagree on the fixed-point codec or parameter count")
            }
            guard u.sampleCount > 0 else { throw AggregationError("an update has no samples") }
            guard u.sampleCount <= maximumSampleCount else {
                throw AggregationError("an update claims \(u.sampleCount) samples; at most \(maximumSampleCount) are accepted")
            }
        }
        guard updates.count <= maximumUpdates else {
            throw AggregationError("\(updates.count) updates in one aggregate; at most \(maximumUpdates)")
        }
        switch rule {
        case .fedAvg:
            return AggregateResult(delta: weightedMean(updates, codec: codec, count: count, workers: workers),
                                   included: Array(updates.indices))
        case .median:
            return AggregateResult(delta: orderStatistic(updates, codec: codec, count: count, trim: nil),
                                   included: Array(updates.indices))
        case let .trimmedMean(trim):
            guard trim >= 0, updates.count > 2 * trim else {
                throw AggregationError("trimmed mean drops \(2 * trim) of \(updates.count) updates; need more updates")
            }
            return AggregateResult(delta: orderStatistic(updates, codec: codec, count: count, trim: trim),
                                   included: Array(updates.indices))
        case let .multiKrum(f, m):
            let n = updates.count
            guard f >= 0, n - f - 2 >= 1 else {
                throw AggregationError("Multi-Krum with f = \(f) needs at least \(f + 3) updates, got \(n)")
            }
            let chosen = krumSelection(updates.map { $0.update.denseValues() }, byzantine: f, selected: m ?? (n - f))
            let kept = chosen.map { updates[$0] }
            return AggregateResult(delta: weightedMean(kept, codec: codec, count: count, workers: workers), included: chosen)
        }
    }

    /// Σ n_k q_k / Σ n_k per coordinate, over the hospitals that sent the coordinate.
    static func weightedMean(_ updates: [WeightedUpdate], codec: FixedPointCodec, count: Int,
                             workers: Int = Parallel.coreCount) -> [Float] {
        if updates.allSatisfy({ $0.update.indices == nil }) {
            // Dense updates (the common case): one weight total for every coordinate. Same
            // arithmetic as `mean` below, without the per-coordinate denominators; the kernel
            // forms the exact Int64 sums a few hundred coordinates at a time, in cache.
            // Each core takes a contiguous run of coordinates; every coordinate gets the same
            // integer sum and the same two roundings whichever core forms it.
            let total = updates.reduce(Int64(0)) { $0 + Int64($1.sampleCount) }
            let step = codec.step, divisor = Double(total)
            // The bounds above rule out overflow and make each weight a 32-bit integer.
            let weights = updates.map { Int32($0.sampleCount) }
            let unit = 4096
            let parts = Parallel.ranges(count, parts: count >= 16 * unit ? workers : 1, alignment: unit)
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                nonisolated(unsafe) let output = out.baseAddress!
                withBasePointers(updates.map(\.update.values)) { pointers in
                    nonisolated(unsafe) let pointers = pointers
                    Parallel.forEach(parts.count) { p in
                        let range = parts[p]
                        let shifted = pointers.map { $0 + range.lowerBound }
                        shifted.withUnsafeBufferPointer { shifted in
                            weights.withUnsafeBufferPointer { weights in
                                FixedPointKernels.weightedMean(shifted.baseAddress!, weights: weights.baseAddress!,
                                                               terms: shifted.count, divisor: divisor, step: step,
                                                               into: output + range.lowerBound, count: range.count)
                            }
                        }
                    }
                }
                initialized = count
            }
        }
        let (numerator, denominator) = weightedSums(updates, count: count)
        return mean(numerator: numerator, denominator: denominator, codec: codec)
    }

    /// The exact integer sums behind FedAvg: Σ n_k q_k and Σ n_k per coordinate. Homomorphic
    /// aggregation produces the same numerators by decrypting a sum of ciphertexts.
    public static func weightedSums(_ updates: [WeightedUpdate], count: Int) -> (numerator: [Int64], denominator: [Int64]) {
        var numerator = [Int64](repeating: 0, count: count)
        var denominator = [Int64](repeating: 0, count: count)
        for u in updates {
            let w = Int64(u.sampleCount)
            if let indices = u.update.indices {
                for (i, v) in zip(indices, u.update.values) {
                    numerator[Int(i)] += w * Int64(v)
                    denominator[Int(i)] += w
                }
            } else {
                for (i, v) in u.update.values.enumerated() {
                    numerator[i] += w * Int64(v)
                    denominator[i] += w
                }
            }
        }
        return (numerator, denominator)
    }

    /// The real-valued mean from exact integer sums; the single rounding step of FedAvg.
    public static func mean(numerator: [Int64], denominator: [Int64], codec: FixedPointCodec) -> [Float] {
        let step = codec.step
        return numerator.indices.map { i in
            denominator[i] == 0 ? 0 : Float(Double(numerator[i]) / Double(denominator[i]) * step)
        }
    }

    /// The coordinate-wise median (`trim == nil`) or trimmed mean over the senders of each coordinate.
    static func orderStatistic(_ updates: [WeightedUpdate], codec: FixedPointCodec, count: Int, trim: Int?) -> [Float] {
        let dense = updates.map { u -> (values: [Int32], sent: [Bool]?) in
            guard let indices = u.update.indices else { return (u.update.values, nil) }
            var sent = [Bool](repeating: false, count: count)
            for i in indices { sent[Int(i)] = true }
            return (u.update.denseValues(), sent)
        }
        let step = codec.step
        var column = [Int32]()
        column.reserveCapacity(updates.count)
        var out = [Float](repeating: 0, count: count)
        for i in 0..<count {
            column.removeAll(keepingCapacity: true)
            for d in dense where d.sent?[i] ?? true { column.append(d.values[i]) }
            guard !column.isEmpty else { continue }
            column.sort()
            let value: Double
            if let trim {
                let t = min(trim, (column.count - 1) / 2)
                let kept = column[t..<(column.count - t)]
                value = Double(kept.reduce(Int64(0)) { $0 + Int64($1) }) / Double(kept.count)
            } else {
                let mid = column.count / 2
                value = column.count % 2 == 1 ? Double(column[mid]) : (Double(column[mid - 1]) + Double(column[mid])) / 2
            }
            out[i] = Float(value * step)
        }
        return out
    }

    /// Multi-Krum: indices (ascending) of the `selected` updates with the lowest Krum scores;
    /// ties go to the earlier update.
    static func krumSelection(_ vectors: [[Int32]], byzantine f: Int, selected m: Int) -> [Int] {
        let n = vectors.count
        var distance = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for a in 0..<n {
            for b in (a + 1)..<max(n, a + 1) where b < n {
                var s = 0.0
                for (x, y) in zip(vectors[a], vectors[b]) {
                    let d = Double(Int64(x) - Int64(y))
                    s += d * d
                }
                distance[a][b] = s
                distance[b][a] = s
            }
        }
        let neighbours = n - f - 2
        let scores = (0..<n).map { a -> Double in
            let others = (0..<n).filter { $0 != a }.map { distance[a][$0] }.sorted()
            return others.prefix(neighbours).reduce(0, +)
        }
        let order = (0..<n).sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }
        return Array(order.prefix(max(1, min(m, n)))).sorted()
    }
}

/// Calls `body` with the base address of each array, all valid for the call's duration.
func withBasePointers<R>(_ arrays: [[Int32]], _ body: ([UnsafePointer<Int32>]) throws -> R) rethrows -> R {
    func nest(_ index: Int, _ collected: inout [UnsafePointer<Int32>]) throws -> R {
        guard index < arrays.count else { return try body(collected) }
        return try arrays[index].withUnsafeBufferPointer { buffer in
            collected.append(buffer.baseAddress!)
            return try nest(index + 1, &collected)
        }
    }
    var collected: [UnsafePointer<Int32>] = []
    collected.reserveCapacity(arrays.count)
    return try nest(0, &collected)
}
