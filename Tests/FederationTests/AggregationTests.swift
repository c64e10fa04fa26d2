import Foundation
import Testing
@testable import Federation

struct FixedPointCodecTests {
    @Test func valuesRoundToTheNearestStepAndClampAtTheRange() {
        let codec = FixedPointCodec(bits: 8, range: 1)  // 127 levels per unit
        #expect(codec.maxLevel == 127)
        #expect(codec.encode([0, 1, -1, 0.5, 2, -7, .nan, .infinity]) == [0, 127, -127, 64, 127, -127, 0, 127])
        // 0.5·127 = 63.5 rounds away from zero → 64; decode(64) = 64/127.
        #expect(abs(codec.decode(64) - 64.0 / 127) < 1e-7)
    }

    @Test func decodingIsWithinHalfAStepOfTheInput() {
        let codec = FixedPointCodec(bits: 16, range: 0.25)
        let xs: [Float] = (0..<1000).map { Float($0 - 500) / 2000 }
        for (x, back) in zip(xs, codec.decode(codec.encode(xs))) {
            #expect(abs(Double(x) - Double(back)) <= codec.step / 2 + 1e-9)
        }
    }
}

struct ModelUpdateTests {
    @Test func blobsRoundTripDenseAndSparse() throws {
        let codec = FixedPointCodec(bits: 16, range: 0.25)
        let dense = ModelUpdate(codec: codec, parameterCount: 4, values: [1, -2, 32767, -32767])
        #expect(try ModelUpdate(decoding: dense.encoded()) == dense)
        let sparse = ModelUpdate(codec: codec, parameterCount: 10, indices: [0, 3, 9], values: [5, -6, 7])
        #expect(try ModelUpdate(decoding: sparse.encoded()) == sparse)
        #expect(sparse.denseValues() == [5, 0, 0, -6, 0, 0, 0, 0, 0, 7])
    }

    @Test func malformedBlobsAreRejected() {
        let codec = FixedPointCodec(bits: 16, range: 0.25)
        let good = ModelUpdate(codec: codec, parameterCount: 3, indices: [0, 2], values: [1, 2]).encoded()
        #expect(throws: UpdateFormatError.self) { try ModelUpdate(decoding: good.prefix(good.count - 1)) }
        #expect(throws: UpdateFormatError.self) { try ModelUpdate(decoding: Data("XXXX".utf8) + good.dropFirst(4)) }
        // Indices out of order: swap the two index words (bytes 30..<34 and 34..<38).
        // (Header: magic 4, version 1, encoding 1, bits 4, range 4, counts 8 + 8 = 30 bytes.)
        var swapped = [UInt8](good)
        let a = Array(swapped[30..<34]), b = Array(swapped[34..<38])
        swapped.replaceSubrange(30..<38, with: b + a)
        #expect(throws: UpdateFormatError.self) { try ModelUpdate(decoding: Data(swapped)) }
        // A value beyond the declared range: a 12-bit codec allows ±2047, stored in 2 bytes.
        var forged = [UInt8](ModelUpdate(codec: FixedPointCodec(bits: 12, range: 1), parameterCount: 1, values: [5]).encoded())
        forged.replaceSubrange(30..<32, with: [0xFF, 0x0F])  // 4095
        #expect(throws: UpdateFormatError.self) { try ModelUpdate(decoding: Data(forged)) }
    }

    @Test func valuesUseTheNarrowestWholeByteWidth() throws {
        let codec16 = FixedPointCodec(bits: 16, range: 1)
        let u = ModelUpdate(codec: codec16, parameterCount: 3, values: [-32767, 0, 32767])
        #expect(u.encoded().count == 30 + 3 * 2)
        #expect(try ModelUpdate(decoding: u.encoded()) == u)
        let codec20 = FixedPointCodec(bits: 20, range: 1)
        let w = ModelUpdate(codec: codec20, parameterCount: 2, values: [-524_287, 524_287])
        #expect(w.encoded().count == 30 + 2 * 3)
        #expect(try ModelUpdate(decoding: w.encoded()) == w)
    }
}

struct AggregatorTests {
    let codec = FixedPointCodec(bits: 8, range: 127)  // step 1: integers are real values

    func update(_ v: [Int32], n: Int) -> WeightedUpdate {
        WeightedUpdate(update: ModelUpdate(codec: codec, parameterCount: v.count, values: v), sampleCount: n)
    }

    @Test func fedAvgWeightsBySampleCount() throws {
        // (1·10 + 4·30)/40 = 3.25 and (−2·10 + 2·30)/40 = 1
        let r = try Aggregator.aggregate([update([1, -2], n: 10), update([4, 2], n: 30)], rule: .fedAvg)
        #expect(r.delta == [3.25, 1])
        #expect(r.included == [0, 1])
    }

    /// Long enough for the sum to be split across cores: every coordinate is still
    /// Σ n_k q_k / Σ n_k × step, rounded as the formula says.
    @Test func fedAvgOverManyCoordinatesIsTheFormulaAtEveryCoordinate() throws {
        let codec = FixedPointCodec()
        let n = 70_001
        func level(_ i: Int, _ k: Int) -> Int32 { Int32((i * (7 + k) + k) % 65_535 - 32_767) }
        let levels: [[Int32]] = (0..<3).map { k in (0..<n).map { level($0, k) } }
        let counts = [13, 250, 7]
        let updates = zip(levels, counts).map {
            WeightedUpdate(update: ModelUpdate(codec: codec, parameterCount: n, values: $0), sampleCount: $1)
        }
        let mean = try Aggregator.aggregate(updates, rule: .fedAvg).delta
        let total = Double(counts.reduce(0, +))
        for i in [0, 1, 4095, 4096, 35_000, 65_535, 65_536, n - 1] {
            let sum = (0..<3).reduce(Int64(0)) { $0 + Int64(counts[$1]) * Int64(levels[$1][i]) }
            #expect(mean[i] == Float(Double(sum) / total * codec.step), "coordinate \(i)")
        }
        #expect(mean.count == n)
    }

    @Test func sparseFedAvgAveragesEachCoordinateOverItsSenders() throws {
        let a = WeightedUpdate(update: ModelUpdate(codec: codec, parameterCount: 3, indices: [0, 2], values: [6, 9]), sampleCount: 1)
        let b = WeightedUpdate(update: ModelUpdate(codec: codec, parameterCount: 3, indices: [0], values: [2]), sampleCount: 3)
        let r = try Aggregator.aggregate([a, b], rule: .fedAvg)
        // coordinate 0: (6 + 3·2)/4 = 3; 1: nobody → 0; 2: only a → 9
        #expect(r.delta == [3, 0, 9])
    }

    @Test func medianAndTrimmedMeanIgnoreOneWildValue() throws {
        let ups = [update([1, 10], n: 1), update([2, 20], n: 1), update([3, 30], n: 1), update([100, -100], n: 1)]
        #expect(try Aggregator.aggregate(ups, rule: .median).delta == [2.5, 15])
        // trim 1: coordinate 0 keeps {2, 3} → 2.5; coordinate 1 keeps {10, 20} → 15.
        #expect(try Aggregator.aggregate(ups, rule: .trimmedMean(trim: 1)).delta == [2.5, 15])
        #expect(throws: AggregationError.self) { try Aggregator.aggregate(ups, rule: .trimmedMean(trim: 2)) }
    }

    @Test func multiKrumDropsTheOutlier() throws {
        let ups = [update([1, 1], n: 1), update([2, 1], n: 1), update([1, 2], n: 1), update([2, 2], n: 1),
                   update([-100, 90], n: 1)]
        let r = try Aggregator.aggregate(ups, rule: .multiKrum(byzantine: 1, selected: nil))
        #expect(r.included == [0, 1, 2, 3])
        #expect(r.delta == [1.5, 1.5])
    }

    @Test func rulesParseFromText() {
        #expect(AggregationRule("fedavg") == .fedAvg)
        #expect(AggregationRule("trimmed-mean:2") == .trimmedMean(trim: 2))
        #expect(AggregationRule("multi-krum:1:3") == .multiKrum(byzantine: 1, selected: 3))
        #expect(AggregationRule("nonsense") == nil)
    }
}

struct ServerOptimizerTests {
    @Test func fedAvgMAccumulatesMomentum() {
        var w: [Float] = [0], state = ServerOptimizer.State(count: 1)
        let opt = ServerOptimizer.fedAvgM(learningRate: 1, momentum: 0.5)
        opt.apply(delta: [1], to: &w, state: &state)  // m = 1, w = 1
        opt.apply(delta: [1], to: &w, state: &state)  // m = 1.5, w = 2.5
        #expect(w == [2.5])
    }

    /// Every element gets the documented formula's bits, computed here one scalar at a time,
    /// and the inputs (a cached previous model) are left as they were.
    @Test func appliedFollowsTheFormulasElementByElementAndKeepsItsInputs() {
        let n = 1_000
        let weights = (0..<n).map { Float(sin(Double($0))) }
        let delta = (0..<n).map { Float(cos(Double($0) * 0.7)) * 0.01 }
        var state = ServerOptimizer.State(count: n)
        state.momentum = (0..<n).map { Float($0 % 7) * 0.003 }
        state.variance = (0..<n).map { Float($0 % 5) * 0.0001 }
        let (lr, beta, b1, b2, tau): (Float, Float, Float, Float, Float) = (0.7, 0.9, 0.9, 0.99, 1e-3)
        var expected: [(w: [Float], m: [Float], v: [Float])] = [([], [], []), ([], [], []), ([], [], [])]
        for i in 0..<n {
            let (w, d, m, v) = (weights[i], delta[i], state.momentum[i], state.variance[i])
            expected[0].w.append(w + lr * d); expected[0].m.append(m); expected[0].v.append(v)
            let mM = beta * m + d
            expected[1].w.append(w + 1 * mM); expected[1].m.append(mM); expected[1].v.append(v)
            let mA = b1 * m + (1 - b1) * d
            let vA = b2 * v + (1 - b2) * d * d
            expected[2].w.append(w + 0.003 * mA / (vA.squareRoot() + tau)); expected[2].m.append(mA); expected[2].v.append(vA)
        }
        let optimizers = [ServerOptimizer.fedAvg(learningRate: lr), .fedAvgM(learningRate: 1, momentum: beta),
                          .fedAdam(learningRate: 0.003, beta1: b1, beta2: b2, tau: tau)]
        for (opt, want) in zip(optimizers, expected) {
            let out = opt.applied(delta: delta, to: weights, state: state)
            #expect(out.weights.map(\.bitPattern) == want.w.map(\.bitPattern), "\(opt)")
            #expect(out.state.momentum.map(\.bitPattern) == want.m.map(\.bitPattern), "\(opt)")
            #expect(out.state.variance.map(\.bitPattern) == want.v.map(\.bitPattern), "\(opt)")
            #expect(weights[1] == Float(sin(1.0)) && state.momentum[1] == 0.003)
        }
    }

    @Test func fedAdamMatchesTheHandComputation() {
        var w: [Float] = [0], state = ServerOptimizer.State(count: 1)
        ServerOptimizer.fedAdam(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 0.001).apply(delta: [2], to: &w, state: &state)
        // m = 0.2, v = 0.04, w = 0.1 · 0.2 / (0.2 + 0.001)
        #expect(abs(w[0] - Float(0.1 * 0.2 / 0.201)) < 1e-7)
    }
}

struct ReputationPolicyTests {
    @Test func failingDropsFastAndPassingRecoversSlowly() {
        let policy = ReputationPolicy(passWeight: 0.25, failWeight: 0.6)
        // From 500: a failure moves 60 % of the way to 0 → 200; a pass 25 % of the way to 1000 → 625.
        #expect(policy.change(from: 500, passed: false) == -300)
        #expect(policy.change(from: 500, passed: true) == 125)
        var points: Int64 = 200
        var rounds = 0
        while points < 300 { points += policy.change(from: points, passed: true); rounds += 1 }
        #expect(rounds == 1)  // 200 → 400
        // Scores stay within 0…1000 however long the streak.
        for _ in 0..<50 { points += policy.change(from: points, passed: true) }
        #expect(points <= 1000)
        for _ in 0..<50 { points += policy.change(from: points, passed: false) }
        #expect(points >= 0)
    }
}
