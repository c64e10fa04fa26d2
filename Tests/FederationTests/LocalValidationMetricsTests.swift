import DataSets
import Foundation
import Learning
import Tensor
import Testing
@testable import Federation

/// The numbers a hospital reports with its update, against hand-computed values.
struct LocalValidationMetricsTests {
    @Test func lossAccuracyAndAUCOfTheLocalModelOnItsOwnValidationData() throws {
        // Logistic regression with logits (0, x): p(class 1) = σ(x).
        let model = try Sequential(spec: .logistic(features: 1))
        try model.loadFlatParameters([0, 1, 0, 0])
        let xs: [Float] = [-2, -1, 1, 2], labels = [0, 1, 1, 0]
        let validation = LabeledData(features: Tensor(shape: [4, 1], storage: xs), labels: labels, classCount: 2)
        let metrics = LocalValidationMetrics.metrics(of: model, validation: validation, trainExamples: 37)
        func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        // −log p(label): σ(2) and σ(−2) for the negatives at −2 and 2, σ(−1) and σ(1) for the positives.
        let loss = -(log(sigmoid(2)) + log(sigmoid(-1)) + log(sigmoid(1)) + log(sigmoid(-2))) / 4
        #expect(abs(try #require(metrics["val_loss"]) - loss) < 1e-5)
        // p ≥ 0.5 exactly for x ≥ 0: right at −2 and 1, wrong at −1 and 2.
        #expect(metrics["val_accuracy"] == 0.5)
        // Positive-negative pairs ranked right: (−1, −2) and (1, −2) of four.
        #expect(metrics["val_auc"] == 0.5)
        #expect(metrics["train_examples"] == 37)
        #expect(metrics["val_examples"] == 4)
    }

    @Test func oneClassValidationDataReportNoAUC() throws {
        let model = try Sequential(spec: .logistic(features: 1))
        let validation = LabeledData(features: Tensor(shape: [2, 1], storage: [0.5, 1]), labels: [1, 1], classCount: 2)
        let metrics = LocalValidationMetrics.metrics(of: model, validation: validation, trainExamples: 5)
        #expect(metrics["val_auc"] == nil)
        #expect(metrics["val_loss"] != nil)
        let none = LocalValidationMetrics.metrics(of: model, validation: LabeledData(
            features: Tensor(shape: [0, 1], storage: []), labels: [], classCount: 2), trainExamples: 5)
        #expect(none["val_loss"] == nil && none["val_examples"] == 0 && none["train_examples"] == 5)
    }
}
