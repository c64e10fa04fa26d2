import Testing
import Tensor
@testable import Learning

/// Per-example clipping (the DP-SGD gradient) against the independent truth of gradients
/// computed one example at a time with `computeGradients(count: 1)`.
struct PerExampleClippingTests {
    /// Every layer type: conv with stride 2 and padding, both max-pool paths, dropout, flatten,
    /// linear; an MLP fed images through a leading flatten; the MLP and logistic regression of
    /// tables; the reference CNN on small images.
    static let specs: [ModelSpec] = GradientCheckTests.specs + [
        ModelSpec(architecture: "custom", inputShape: [1, 5, 5], classCount: 2,
                  layers: [.flatten, .linear(outFeatures: 6), .relu, .dropout(probability: 0.5), .linear(outFeatures: 2)]),
        .referenceCNN(inputShape: [1, 8, 8], classCount: 3),
    ]

    struct Batch {
        var inputs: [Float]
        var labels: [Int]
        var count: Int { labels.count }
    }

    /// Random inputs; example `huge`'s input is multiplied by 1000 (and mislabelled) so its
    /// gradient dwarfs the rest.
    static func batch(for model: Sequential, count: Int, seed: UInt64, huge: Int? = nil, rngSeed: UInt64 = 0) -> Batch {
        var rng = SeededGenerator(seed: seed)
        var inputs = (0..<(count * model.inputCount)).map { _ in Float(rng.normal()) }
        if let huge {
            for j in 0..<model.inputCount { inputs[huge * model.inputCount + j] *= 1000 }
        }
        var batch = Batch(inputs: inputs, labels: (0..<count).map { _ in rng.integer(below: model.classCount) })
        if let huge {
            // A saturated softmax has a vanishing gradient when it is right: give the scaled
            // example the label whose loss gradient is largest (same dropout mask as the tests).
            let norms = (0..<model.classCount).map { label in
                batch.labels[huge] = label
                return norm(singleGradient(model, batch, huge, rngSeed: rngSeed))
            }
            batch.labels[huge] = norms.indices.max { norms[$0] < norms[$1] }!
        }
        return batch
    }

    /// Example i's gradient of its own loss, computed alone (dropout seeded as worker i of a
    /// model with one worker per example).
    static func singleGradient(_ model: Sequential, _ batch: Batch, _ i: Int, rngSeed: UInt64) -> [Double] {
        batch.inputs.withUnsafeBufferPointer { x in batch.labels.withUnsafeBufferPointer { y in
            _ = model.computeGradients(inputs: x.baseAddress! + i * model.inputCount, labels: y.baseAddress! + i,
                                       count: 1, rngSeed: rngSeed &+ UInt64(i))
        } }
        return model.flatGradients().map(Double.init)
    }

    static func clippedSum(_ model: Sequential, _ batch: Batch, clipNorm: Double, rngSeed: UInt64,
                           range: Range<Int>? = nil) -> (ClippedGradientSum, [Double]) {
        let r = range ?? 0..<batch.count
        let result = batch.inputs.withUnsafeBufferPointer { x in batch.labels.withUnsafeBufferPointer { y in
            model.computeClippedGradientSum(inputs: x.baseAddress! + r.lowerBound * model.inputCount,
                                            labels: y.baseAddress! + r.lowerBound, count: r.count,
                                            clipNorm: clipNorm, rngSeed: rngSeed)
        } }
        return (result, model.flatGradients().map(Double.init))
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    static func distance(_ a: [Double], _ b: [Double]) -> Double { norm(zip(a, b).map { $0 - $1 }) }

    @Test(arguments: specs.indices)
    func perExampleNormsEqualNormsOfSingleExampleGradients(index: Int) throws {
        let spec = Self.specs[index]
        let batchSize = 6, rngSeed: UInt64 = 31
        let truthModel = try Sequential(spec: spec, seed: 5, workerCount: 1)
        let batch = Self.batch(for: truthModel, count: batchSize, seed: 11, huge: 2, rngSeed: rngSeed)
        let truth = (0..<batchSize).map { Self.norm(Self.singleGradient(truthModel, batch, $0, rngSeed: rngSeed)) }
        // One worker per example reproduces the single-example dropout masks exactly.
        let model = try Sequential(spec: spec, seed: 5, workerCount: batchSize)
        let (result, _) = Self.clippedSum(model, batch, clipNorm: 1, rngSeed: rngSeed)
        #expect(result.count == batchSize)
        for i in 0..<batchSize {
            #expect(abs(result.norms[i] - truth[i]) <= 1e-3 * truth[i],
                    "spec \(index) example \(i): pass-1 norm \(result.norms[i]), single-example norm \(truth[i])")
        }
        #expect(truth[2] > 100 * truth[0], "the scaled example should have a far larger gradient")
        let hasDropout = spec.layers.contains { if case .dropout = $0 { true } else { false } }
        if !hasDropout {
            // Without dropout the split of the batch across workers cannot matter.
            let twoWorkers = try Sequential(spec: spec, seed: 5, workerCount: 2)
            let (split, _) = Self.clippedSum(twoWorkers, batch, clipNorm: 1, rngSeed: rngSeed)
            for i in 0..<batchSize { #expect(abs(split.norms[i] - truth[i]) <= 1e-3 * truth[i]) }
        }
    }

    @Test(arguments: specs.indices)
    func clippedSumEqualsTheSumOfClippedSingleExampleGradients(index: Int) throws {
        let spec = Self.specs[index]
        let batchSize = 6, rngSeed: UInt64 = 8
        let truthModel = try Sequential(spec: spec, seed: 2, workerCount: 1)
        let batch = Self.batch(for: truthModel, count: batchSize, seed: 4, huge: 4, rngSeed: rngSeed)
        let singles = (0..<batchSize).map { Self.singleGradient(truthModel, batch, $0, rngSeed: rngSeed) }
        let norms = singles.map(Self.norm)
        // C at the median norm: about half the examples are clipped, the huge one certainly.
        let clipNorm = norms.sorted()[batchSize / 2]
        var expected = [Double](repeating: 0, count: truthModel.parameterCount)
        for (g, n) in zip(singles, norms) {
            let c = min(1, clipNorm / (n + 1e-6))
            for j in expected.indices { expected[j] += c * g[j] }
        }
        let model = try Sequential(spec: spec, seed: 2, workerCount: batchSize)
        let (result, sum) = Self.clippedSum(model, batch, clipNorm: clipNorm, rngSeed: rngSeed)
        #expect(Self.distance(sum, expected) <= 1e-4 * Self.norm(expected) + 1e-6,
                "spec \(index): ‖clipped sum − Σ cᵢgᵢ‖ = \(Self.distance(sum, expected)), ‖Σ cᵢgᵢ‖ = \(Self.norm(expected))")
        #expect(result.clippedCount == norms.filter { $0 + 1e-6 > clipNorm }.count)
        #expect(Self.norm(sum) <= Double(batchSize) * clipNorm * (1 + 1e-5))
    }

    @Test(arguments: specs.indices)
    func withoutClippingTheSumIsTheBatchGradientTimesTheBatchSize(index: Int) throws {
        let spec = Self.specs[index]
        let batchSize = 5, rngSeed: UInt64 = 3
        let model = try Sequential(spec: spec, seed: 9, workerCount: 2)
        let batch = Self.batch(for: model, count: batchSize, seed: 6)
        let plain = batch.inputs.withUnsafeBufferPointer { x in batch.labels.withUnsafeBufferPointer { y in
            model.computeGradients(inputs: x.baseAddress!, labels: y.baseAddress!, count: batchSize, rngSeed: rngSeed)
        } }
        let mean = model.flatGradients().map { Double($0) * Double(batchSize) }
        let (result, sum) = Self.clippedSum(model, batch, clipNorm: 1e30, rngSeed: rngSeed)
        #expect(result.clippedCount == 0)
        #expect(result.lossSum == plain.lossSum)
        #expect(result.correct == plain.correct)
        #expect(Self.distance(sum, mean) <= 1e-5 * Self.norm(mean) + 1e-7)
    }

    @Test(arguments: specs.indices)
    func clippingBoundsEveryExamplesContribution(index: Int) throws {
        let spec = Self.specs[index]
        let batchSize = 5, clipNorm = 0.5, rngSeed: UInt64 = 17
        let model = try Sequential(spec: spec, seed: 1, workerCount: 1)
        let batch = Self.batch(for: model, count: batchSize, seed: 21, huge: 1, rngSeed: rngSeed)
        var unclipped = 0
        for i in 0..<batchSize {
            // An example alone: its whole contribution is the gradient.
            let (alone, g) = Self.clippedSum(model, batch, clipNorm: clipNorm, rngSeed: rngSeed, range: i..<(i + 1))
            #expect(Self.norm(g) <= clipNorm * (1 + 1e-5), "spec \(index) example \(i): ‖cᵢgᵢ‖ = \(Self.norm(g)) > C")
            if alone.clippedCount == 0 {
                unclipped += 1
                #expect(abs(Self.norm(g) - alone.norms[0]) <= 1e-4 * alone.norms[0] + 1e-7)
            }
        }
        let hasDropout = spec.layers.contains { if case .dropout = $0 { true } else { false } }
        guard !hasDropout else { return }
        // Neighbouring batches (one example removed) differ by at most C: the sensitivity DP-SGD
        // relies on. Removing the huge example is the worst case for an unclipped sum.
        let (_, full) = Self.clippedSum(model, batch, clipNorm: clipNorm, rngSeed: rngSeed)
        for j in 0..<batchSize {
            var smaller = batch
            smaller.inputs.removeSubrange((j * model.inputCount)..<((j + 1) * model.inputCount))
            smaller.labels.remove(at: j)
            let (_, without) = Self.clippedSum(model, smaller, clipNorm: clipNorm, rngSeed: rngSeed)
            #expect(Self.distance(full, without) <= clipNorm * (1 + 1e-4),
                    "spec \(index): removing example \(j) moves the sum by \(Self.distance(full, without))")
        }
    }

    @Test func anEmptyBatchZeroesTheGradients() throws {
        let model = try Sequential(spec: .mlp(features: 3, hidden: 4), seed: 1)
        for p in model.parameters { p.gradient = [Float](repeating: 7, count: p.count) }
        let result = [Float]().withUnsafeBufferPointer { x in [Int]().withUnsafeBufferPointer { y in
            model.computeClippedGradientSum(inputs: x.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                            labels: y.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: 0, clipNorm: 1)
        } }
        #expect(result.count == 0 && result.lossSum == 0 && result.clippedFraction == 0)
        #expect(model.flatGradients().allSatisfy { $0 == 0 })
    }
}
