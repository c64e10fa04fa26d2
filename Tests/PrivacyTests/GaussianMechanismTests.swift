import Foundation
import Tensor
import Testing
@testable import Privacy

struct GaussianMechanismTests {
    func randomVector(_ count: Int, scale: Float, generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in Float(generator.normal()) * scale }
    }

    @Test func clippingBoundsEveryContributionAndLeavesSmallOnesAlone() {
        var generator = SeededGenerator(seed: 7)
        let c = 1.5
        for trial in 0..<200 {
            let scale = Float(trial % 10) * 0.1 + 0.001
            let original = randomVector(1 + trial * 7, scale: scale, generator: &generator)
            let (clipped, norm) = GaussianMechanism.clipped(original, toNorm: c)
            #expect(GaussianMechanism.norm(clipped) <= c)
            #expect(abs(norm - GaussianMechanism.norm(original)) < 1e-12)
            if norm <= c {
                #expect(clipped == original)
            } else {
                // Same direction: clipped = original × (C / ‖original‖) up to Float rounding.
                let factor = c / norm
                for (a, b) in zip(clipped, original) { #expect(abs(Double(a) - Double(b) * factor) <= 1e-6 * c) }
                #expect(GaussianMechanism.norm(clipped) > c * (1 - 1e-5))
            }
        }
    }

    @Test func oneClientMovesTheClippedSumByAtMostC() {
        // The L2 sensitivity the accountant assumes: removing any one client's clipped update
        // changes the sum by its own norm, which clipping keeps ≤ C, however large it was.
        var generator = SeededGenerator(seed: 11)
        let c = 0.25
        let updates = (0..<20).map { k in randomVector(500, scale: Float(k) * 0.05, generator: &generator) }
        let clipped = updates.map { GaussianMechanism.clipped($0, toNorm: c).vector }
        let total = (0..<500).map { i in clipped.reduce(0.0) { $0 + Double($1[i]) } }
        for k in clipped.indices {
            let without = (0..<500).map { i in total[i] - Double(clipped[k][i]) }
            let difference = zip(total, without).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            #expect(difference <= c * (1 + 1e-9))
        }
    }

    @Test func noiseHasMeanZeroAndTheRequestedStandardDeviation() {
        // n = 200,000 draws of N(0, 2.5²): the sample mean is within 5 standard errors
        // (5 · 2.5 / √n ≈ 0.028), the sample standard deviation within 5 · σ/√(2n) (≈ 0.8 %),
        // and the share within ±σ within 5 binomial standard errors of 68.27 %.
        var generator = SeededGenerator(seed: 2024)
        let n = 200_000
        let sigma = 2.5
        var vector = [Float](repeating: 0, count: n)
        GaussianMechanism.addNoise(to: &vector, standardDeviation: sigma, generator: &generator)
        let mean = vector.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = vector.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n - 1)
        #expect(abs(mean) < 5 * sigma / Double(n).squareRoot())
        #expect(abs(variance.squareRoot() - sigma) < 5 * sigma / (2 * Double(n)).squareRoot())
        let within = Double(vector.filter { abs(Double($0)) <= sigma }.count) / Double(n)
        let p = 0.682689492137
        #expect(abs(within - p) < 5 * (p * (1 - p) / Double(n)).squareRoot())
        // Fourth moment of a normal is 3σ⁴ (kurtosis 3): rules out a uniform or Laplace source.
        let fourth = vector.reduce(0.0) { $0 + pow(Double($1) - mean, 4) } / Double(n)
        #expect(abs(fourth / (variance * variance) - 3) < 0.1)
    }

    @Test func dpFedAvgAddsNoiseOfScaleSigmaCToTheClippedSumOverExpectedClients() throws {
        let mechanism = try DPFedAvg(clippingNorm: 1.0, noiseMultiplier: 0.8)
        // Two clients whose updates are far above C: each contributes exactly C in its direction.
        let dimension = 50_000
        let a = [Float](repeating: 10, count: dimension)
        let b = [Float](repeating: -10, count: dimension)
        var generator = SeededGenerator(seed: 5)
        let average = try mechanism.aggregate([a, b], expectedClients: 2, generator: &generator)
        // The clipped updates cancel, so the result is pure noise / 2 with sd 0.8 · 1.0 / 2.
        let sd = (average.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(dimension)).squareRoot()
        #expect(abs(sd - 0.4) < 5 * 0.4 / (2 * Double(dimension)).squareRoot())
        // Without noise the aggregate is the mean of the clipped updates.
        let exact = try DPFedAvg(clippingNorm: 1.0, noiseMultiplier: 0)
        let plain = try exact.aggregate([a, a], expectedClients: 2, generator: &generator)
        let expected = Float(1.0 / Double(dimension).squareRoot())
        #expect(plain.allSatisfy { abs($0 - expected) < 1e-6 })
        #expect(throws: PrivacyError.self) { try exact.aggregate([a, [1]], expectedClients: 2, generator: &generator) }
        #expect(throws: PrivacyError.self) { try exact.aggregate([], expectedClients: 2, generator: &generator) }
    }

    @Test func aClientThatSkipsClippingIsClippedByTheServer() throws {
        let mechanism = try DPFedAvg(clippingNorm: 2, noiseMultiplier: 0)
        var honest: [Float] = [30, 40]
        mechanism.clip(&honest)
        var generator = SeededGenerator(seed: 1)
        let fromHonest = try mechanism.aggregate([honest], expectedClients: 1, generator: &generator)
        let fromCheater = try mechanism.aggregate([[30, 40]], expectedClients: 1, generator: &generator)
        #expect(abs(fromHonest[0] - 1.2) < 1e-6 && abs(fromHonest[1] - 1.6) < 1e-6, "\(fromHonest) \(honest)")
        #expect(fromCheater == fromHonest)
    }
}
