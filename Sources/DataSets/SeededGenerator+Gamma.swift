import Foundation
import Tensor

extension SeededGenerator {
    /// A sample from the Gamma(shape, 1) distribution (mean and variance both `shape`).
    ///
    /// Marsaglia and Tsang's squeeze-and-reject method ("A simple method for generating gamma
    /// variables", ACM TOMS 26(3), 2000), the method NumPy uses too. For shape < 1 it draws
    /// Gamma(shape + 1) and multiplies by U^(1/shape), the boost from the same paper.
    /// Tiny shapes can underflow to 0; `dirichlet(_:)` works in log space to avoid that.
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape > 0 && shape.isFinite, "the Gamma shape must be positive and finite")
        if shape < 1 {
            return gamma(shape: shape + 1) * pow(nonZeroUniform(), 1 / shape)
        }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            // The squeeze accepts ~98 % of draws without a logarithm.
            if u < 1 - 0.0331 * (x * x) * (x * x) { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A sample from the Dirichlet distribution with concentrations `alphas`: non-negative
    /// weights that sum to 1, weight i having mean alphas[i] / Σ alphas.
    ///
    /// Normalised Gamma(alpha_i) draws, computed from their logarithms so that small
    /// concentrations (α ≪ 1, where every Gamma draw may underflow) still give valid weights.
    public mutating func dirichlet(_ alphas: [Double]) -> [Double] {
        precondition(!alphas.isEmpty, "a Dirichlet needs at least one concentration")
        var logs: [Double] = []
        logs.reserveCapacity(alphas.count)
        for alpha in alphas {
            precondition(alpha > 0 && alpha.isFinite, "Dirichlet concentrations must be positive and finite")
            logs.append(alpha < 1
                ? log(gamma(shape: alpha + 1)) + log(nonZeroUniform()) / alpha
                : log(gamma(shape: alpha)))
        }
        let largest = logs.max()!
        let weights = logs.map { exp($0 - largest) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// A uniform sample in (0, 1), safe to take the logarithm of.
    private mutating func nonZeroUniform() -> Double {
        var u = uniform()
        while u == 0 { u = uniform() }
        return u
    }
}
