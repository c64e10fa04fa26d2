import Testing
import Tensor
@testable import Learning

/// Inference reuses the workers a training step sized instead of growing them, and the
/// chunking does not change a single probability.
struct InferenceChunkTests {
    @Test func evaluatingATrainedModelKeepsItsWorkersAndGivesTheSameProbabilities() throws {
        let spec = GradientCheckTests.specs[0]
        let trained = try Sequential(spec: spec, seed: 3, workerCount: 2)
        var rng = SeededGenerator(seed: 11)
        let batch = 6, examples = 301
        let x = (0..<(examples * trained.inputCount)).map { _ in Float(rng.normal()) }
        let y = (0..<batch).map { _ in rng.integer(below: spec.classCount) }
        x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in
            _ = trained.computeGradients(inputs: x.baseAddress!, labels: y.baseAddress!, count: batch)
        } }
        #expect(trained.capacity == batch / 2)

        // The same weights in a model whose workers are sized by inference itself (256-example chunks).
        let fresh = try Sequential(spec: spec, seed: 0, workerCount: 2)
        try fresh.loadFlatParameters(trained.flatParameters())
        let (small, large) = x.withUnsafeBufferPointer { x in
            (trained.probabilities(inputs: x.baseAddress!, count: examples),
             fresh.probabilities(inputs: x.baseAddress!, count: examples))
        }
        #expect(trained.capacity == batch / 2)
        #expect(fresh.capacity == 128)
        #expect(small == large)
    }
}
