import DataSets
import Learning
import Tensor
import Testing
@testable import Federation

/// Personalisation keeps the released model unless the hospital's own validation data show a
/// fine-tuned epoch ranks them better.
struct PersonalizerTests {
    /// Two Gaussian blobs in 4-D; `positiveRate` sets the label mix.
    static func blobs(_ n: Int, positiveRate: Double, rng: inout SeededGenerator) -> LabeledData {
        var x = [Float](), y = [Int]()
        for i in 0..<n {
            let label = positiveRate >= 1 ? 1 : positiveRate <= 0 ? 0 : (Double(i) + 0.5) / Double(n) < positiveRate ? 1 : 0
            for _ in 0..<4 { x.append(Float(rng.normal()) + (label == 1 ? 0.7 : -0.7)) }
            y.append(label)
        }
        return LabeledData(features: Tensor(shape: [n, 4], storage: x), labels: y, classCount: 2)
    }

    static let training = TrainingConfiguration(epochs: 3, batchSize: 8, optimizer: .sgd(learningRate: 0.5, momentum: 0.9), seed: 7)

    @Test func oneClassValidationDataKeepTheReleasedModelBitForBit() throws {
        var rng = SeededGenerator(seed: 1)
        let model = try Sequential(spec: .mlp(features: 4, hidden: 6), seed: 3)
        let global = model.flatParameters()
        let outcome = try Personalizer(mode: .fineTune, training: Self.training).personalize(
            global: global, model: model, train: Self.blobs(40, positiveRate: 0, rng: &rng),
            validation: Self.blobs(10, positiveRate: 0, rng: &rng))
        #expect(outcome.epoch == 0)
        #expect(outcome.validationAUC == nil)
        #expect(outcome.threshold == nil)
        #expect(outcome.parameters == global)
        #expect(model.flatParameters() == global)
    }

    @Test(arguments: [Personalizer.Mode.fineTune, .fedPer])
    func theChosenModelRanksTheOwnValidationDataAtLeastAsWellAsTheReleasedOne(mode: Personalizer.Mode) throws {
        var rng = SeededGenerator(seed: 2)
        let train = Self.blobs(60, positiveRate: 0.5, rng: &rng), validation = Self.blobs(30, positiveRate: 0.5, rng: &rng)
        // An untrained model as the "released" one, so fine-tuning has room to help.
        let model = try Sequential(spec: .mlp(features: 4, hidden: 6), seed: 5)
        let global = model.flatParameters()
        let releasedAUC = try #require(model.evaluate(validation).auc)
        let outcome = try Personalizer(mode: mode, training: Self.training).personalize(
            global: global, model: model, train: train, validation: validation)
        let chosenAUC = try #require(model.evaluate(validation).auc)
        #expect(outcome.parameters == model.flatParameters())
        #expect(outcome.validationAUC == chosenAUC)
        #expect(chosenAUC >= releasedAUC)
        // The operating point is the chosen model's accuracy-maximising cut on the same data.
        let scores = model.evaluate(validation).probabilities
        #expect(outcome.threshold == accuracyMaximisingThreshold(scores: scores, labels: validation.labels))
        // Blobs this far apart are easy: a few epochs from random weights must help.
        #expect(outcome.epoch > 0)
        if mode == .fedPer {
            // Only the last layer moved.
            let lastCount = model.layers.last!.parameters.map(\.count).reduce(0, +)
            #expect(Array(outcome.parameters.dropLast(lastCount)) == Array(global.dropLast(lastCount)))
        }
    }

    @Test func aKeptReleasedModelStillTakesTheHospitalsOwnOperatingPoint() throws {
        var rng = SeededGenerator(seed: 4)
        // Mostly positives here: the released model's consortium-wide cut does not suit them.
        let train = Self.blobs(40, positiveRate: 0.8, rng: &rng), validation = Self.blobs(30, positiveRate: 0.8, rng: &rng)
        let model = try Sequential(spec: .mlp(features: 4, hidden: 6), seed: 6)
        let global = model.flatParameters()
        let released = model.evaluate(validation)
        // A zero learning rate: every fine-tuned epoch ties the released model, which is kept.
        let frozen = TrainingConfiguration(epochs: 2, batchSize: 8, optimizer: .sgd(learningRate: 0, momentum: 0), seed: 7)
        let outcome = try Personalizer(mode: .fineTune, training: frozen).personalize(
            global: global, model: model, train: train, validation: validation)
        #expect(outcome.epoch == 0)
        #expect(outcome.parameters == global)
        #expect(outcome.threshold == accuracyMaximisingThreshold(scores: released.probabilities, labels: validation.labels))
    }
}
