import Testing
import Tensor
@testable import DataSets

struct GammaSamplingTests {
    /// Gamma(a, 1) has mean a and variance a. With 20,000 draws the sample mean's relative
    /// standard error is 1/√(20000 a) (2.2 % at a = 0.1) and the variance's about
    /// √((2 + 6/a)/20000) (5.6 % at a = 0.1); the bounds allow several of those.
    @Test(arguments: [0.1, 0.5, 1.0, 2.5, 9.0])
    func sampleMeanAndVarianceMatchTheShape(shape: Double) {
        var generator = SeededGenerator(seed: 11)
        let n = 20_000
        let samples = (0..<n).map { _ in generator.gamma(shape: shape) }
        let mean = samples.reduce(0, +) / Double(n)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        #expect(abs(mean - shape) < 0.08 * shape)
        #expect(abs(variance - shape) < 0.25 * shape)
        #expect(samples.allSatisfy { $0 >= 0 && $0.isFinite })
    }

    @Test func dirichletWeightsSumToOneWithMeansProportionalToConcentrations() {
        var generator = SeededGenerator(seed: 5)
        let alphas = [0.5, 1.0, 2.5]
        var sums = [0.0, 0.0, 0.0]
        let n = 10_000
        for _ in 0..<n {
            let weights = generator.dirichlet(alphas)
            #expect(abs(weights.reduce(0, +) - 1) < 1e-12)
            for i in 0..<3 { sums[i] += weights[i] }
        }
        for i in 0..<3 { #expect(abs(sums[i] / Double(n) - alphas[i] / 4) < 0.01) }
    }

    @Test func tinyConcentrationsStillGiveValidWeights() {
        // Gamma(0.001) draws underflow to 0 almost always; the log-space form must not divide 0 by 0.
        var generator = SeededGenerator(seed: 9)
        var concentrated = 0
        for _ in 0..<100 {
            let weights = generator.dirichlet(Array(repeating: 0.001, count: 4))
            #expect(weights.allSatisfy { $0.isFinite && $0 >= 0 })
            #expect(abs(weights.reduce(0, +) - 1) < 1e-12)
            if weights.max()! > 0.99 { concentrated += 1 }
        }
        // Almost always one component takes nearly everything.
        #expect(concentrated >= 90)
    }
}
