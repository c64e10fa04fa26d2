import Testing
@testable import Learning

struct OptimizerTests {
    func parameter(_ w: [Float], grad: [Float]) -> Parameter {
        let p = Parameter(role: "weight", shape: [w.count], value: w)
        p.gradient = grad
        return p
    }

    // PyTorch SGD(lr=0.1, momentum=0.9, weight_decay=0.01) by hand, two steps with gradient 1:
    // step 1: d = 1 + 0.01·2 = 1.02, v = 1.02, w = 2 − 0.102 = 1.898
    // step 2: d = 1 + 0.01·1.898 = 1.01898, v = 0.918 + 1.01898 = 1.93698, w = 1.898 − 0.193698
    @Test func sgdWithMomentumAndWeightDecayMatchesTheHandComputation() {
        let p = parameter([2], grad: [1])
        let sgd = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        sgd.step([p])
        #expect(abs(p.value[0] - 1.898) < 1e-6)
        sgd.step([p])
        #expect(abs(p.value[0] - (1.898 - 0.193698)) < 1e-5)
    }

    // Adam's first bias-corrected step moves each weight by lr·g/(|g| + eps) ≈ lr·sign(g).
    @Test func adamFirstStepMovesByTheLearningRate() {
        let p = parameter([1, 1], grad: [0.5, -3])
        Adam(learningRate: 0.01).step([p])
        #expect(abs(p.value[0] - 0.99) < 1e-6)
        #expect(abs(p.value[1] - 1.01) < 1e-6)
    }

    @Test func clippingScalesTheGlobalNormDownOnly() {
        let a = parameter([0, 0], grad: [3, 0]), b = parameter([0], grad: [4])
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(norm == 5)
        let clipped = (a.gradient + b.gradient).map { Double($0 * $0) }.reduce(0, +).squareRoot()
        #expect(abs(clipped - 1) < 1e-5)
        let c = parameter([0], grad: [0.5])
        clipGradientNorm([c], maxNorm: 1)
        #expect(c.gradient == [0.5])
    }
}
