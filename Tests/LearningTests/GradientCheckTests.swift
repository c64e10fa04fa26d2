import Testing
import Tensor
@testable import Learning

/// Central finite differences of the summed loss against the analytic gradients, through every
/// layer type (conv with stride and padding, ReLU, both max-pool paths, flatten, dropout, linear).
struct GradientCheckTests {
    static let specs: [ModelSpec] = [
        ModelSpec(architecture: "custom", inputShape: [2, 7, 6], classCount: 3, layers: [
            .conv2d(outChannels: 3, kernelSize: 3, stride: 2, padding: 1), .relu,
            .maxPool2d(kernelSize: 2, stride: 2), .flatten, .dropout(probability: 0.3),
            .linear(outFeatures: 5), .relu, .linear(outFeatures: 3),
        ]),
        ModelSpec(architecture: "custom", inputShape: [1, 9, 9], classCount: 2, layers: [
            .conv2d(outChannels: 4, kernelSize: 3, stride: 1, padding: 1), .relu,
            .maxPool2d(kernelSize: 3, stride: 2), .conv2d(outChannels: 2, kernelSize: 2, stride: 1, padding: 0),
            .flatten, .linear(outFeatures: 2),
        ]),
        .mlp(features: 6, hidden: 5, classCount: 2),
        .logistic(features: 4, classCount: 2),
    ]

    @Test(arguments: specs.indices)
    func analyticGradientsMatchCentralDifferences(index: Int) throws {
        let spec = Self.specs[index]
        let model = try Sequential(spec: spec, seed: 42, workerCount: 2)
        let batch = 5
        var rng = SeededGenerator(seed: 7)
        let inputs = (0..<(batch * model.inputCount)).map { _ in Float(rng.normal()) }
        let labels = (0..<batch).map { _ in rng.integer(below: spec.classCount) }
        let seed: UInt64 = 99  // same dropout masks in every evaluation
        func loss() -> Double {
            inputs.withUnsafeBufferPointer { x in labels.withUnsafeBufferPointer { y in
                model.computeGradients(inputs: x.baseAddress!, labels: y.baseAddress!, count: batch, rngSeed: seed).lossSum
            } }
        }
        _ = loss()
        // Analytic gradient of the mean loss; compare with d(sum loss)/N.
        let analytic = model.parameters.map(\.gradient)
        let eps: Float = 2e-3
        let base = loss()
        var checked = 0, skipped = 0
        for (p, parameter) in model.parameters.enumerated() {
            var numeric = [Double]()
            var exact = [Double]()
            let picks = parameter.count <= 40 ? Array(0..<parameter.count)
                : (0..<40).map { _ in rng.integer(below: parameter.count) }
            for i in picks {
                let saved = parameter.value[i]
                parameter.value[i] = saved + eps
                let up = loss()
                parameter.value[i] = saved - eps
                let down = loss()
                parameter.value[i] = saved
                // A ReLU or max-pool decision that flips inside ±eps makes the loss
                // non-differentiable there; the one-sided slopes then disagree. Skip such points.
                let right = (up - base) / Double(eps), left = (base - down) / Double(eps)
                if abs(right - left) > 0.05 * max(abs(right), abs(left)) + 2e-3 {
                    skipped += 1
                    continue
                }
                checked += 1
                numeric.append((up - down) / Double(2 * eps) / Double(batch))
                exact.append(Double(analytic[p][i]))
            }
            let diff = zip(numeric, exact).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let scale = max(numeric.map { $0 * $0 }.reduce(0, +).squareRoot(),
                            exact.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-4)
            #expect(diff / scale <= 1e-2, "spec \(index) parameter \(model.namedParameters[p].name): relative error \(diff / scale)")
        }
        #expect(skipped * 10 <= checked, "too many kinks: \(skipped) skipped, \(checked) checked")
    }

    @Test func gradientsDoNotDependOnHowTheBatchIsSplit() throws {
        let spec = Self.specs[1]
        var rng = SeededGenerator(seed: 3)
        let batch = 7
        let one = try Sequential(spec: spec, seed: 1, workerCount: 1)
        let two = try Sequential(spec: spec, seed: 1, workerCount: 2)
        let inputs = (0..<(batch * one.inputCount)).map { _ in Float(rng.normal()) }
        let labels = (0..<batch).map { _ in rng.integer(below: 2) }
        for model in [one, two] {
            inputs.withUnsafeBufferPointer { x in labels.withUnsafeBufferPointer { y in
                _ = model.computeGradients(inputs: x.baseAddress!, labels: y.baseAddress!, count: batch)
            } }
        }
        for (a, b) in zip(one.flatGradients(), two.flatGradients()) {
            #expect(abs(a - b) <= 1e-5 * max(1, abs(a)))
        }
    }
}
