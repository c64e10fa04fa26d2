import Testing
import Tensor
import DataSets
@testable import Learning

struct TrainerTests {
    /// Two Gaussian blobs in 4-D, linearly separable.
    func blobs(_ n: Int, seed: UInt64) -> LabeledData {
        var rng = SeededGenerator(seed: seed)
        var x = [Float](), y = [Int]()
        for i in 0..<n {
            let label = i % 2
            for _ in 0..<4 { x.append(Float(rng.normal()) * 0.5 + (label == 1 ? 1.5 : -1.5)) }
            y.append(label)
        }
        return LabeledData(features: Tensor(shape: [n, 4], storage: x), labels: y, classCount: 2)
    }

    @Test func trainingLearnsASeparableProblem() throws {
        let model = try Sequential(spec: .mlp(features: 4, hidden: 8), seed: 1)
        let trainer = Trainer(model: model, configuration: TrainingConfiguration(epochs: 5, batchSize: 16, seed: 2))
        let records = trainer.fit(train: blobs(200, seed: 3), validation: blobs(100, seed: 4))
        #expect(records.count == 5)
        #expect(records.last!.trainLoss < records.first!.trainLoss)
        #expect(records.last!.validationAccuracy! >= 0.95)
        #expect(records.last!.validationAUC! >= 0.99)
    }

    @Test func sameSeedGivesBitIdenticalModels() throws {
        func run(_ seed: UInt64) throws -> [Float] {
            let model = try Sequential(spec: .mlp(features: 4, hidden: 8), seed: 1, workerCount: 2)
            let config = TrainingConfiguration(epochs: 2, batchSize: 8, optimizer: .adam(learningRate: 0.01), seed: seed)
            Trainer(model: model, configuration: config).fit(train: blobs(64, seed: 3))
            return model.flatParameters()
        }
        #expect(try run(7) == run(7))
        #expect(try run(7) != run(8))
    }
}
