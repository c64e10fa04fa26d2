import DataSets
import Learning

/// A hospital's personalisation of the released global model.
///
/// It fine-tunes on the hospital's own training data (every layer, or FedPer: the last layer
/// only) and keeps whichever of the released model and the fine-tuned epochs has the best AUC
/// on the hospital's own validation data, and takes its decision threshold (operating point)
/// from the same data: the released model's threshold suits the consortium's pooled label mix,
/// not a hospital whose patients are mostly of one class. Validation data with a single class
/// cannot rank a model or place a threshold (and fine-tuning on one class drives the model to
/// a constant), so then the released model is kept unchanged and no threshold is chosen.
public struct Personalizer {
    public enum Mode: String, Sendable, CaseIterable {
        /// Fine-tune every layer on the hospital's own data.
        case fineTune = "finetune"
        /// FedPer: keep the federated layers and train only the last layer locally.
        case fedPer = "fedper"
    }

    /// What a hospital ends up with.
    public struct Outcome {
        public var parameters: [Float]
        /// 0 = the released model; k = after k fine-tuning epochs.
        public var epoch: Int
        /// Validation AUC of the chosen parameters (nil when validation has one class).
        public var validationAUC: Double?
        /// The accuracy-maximising threshold on p(class 1) over the hospital's validation data
        /// for the chosen parameters; nil when validation has one class (keep the released one).
        public var threshold: Double?
    }

    public var mode: Mode
    public var training: TrainingConfiguration

    public init(mode: Mode, training: TrainingConfiguration) {
        self.mode = mode
        self.training = training
    }

    /// Personalises `global` with `model` (any `Sequential` of the task's spec, overwritten).
    public func personalize(global: [Float], model: Sequential, train: LabeledData, validation: LabeledData) throws -> Outcome {
        try model.loadFlatParameters(global)
        guard validation.labelCounts.count > 1, validation.labelCounts.allSatisfy({ $0 > 0 }) else {
            return Outcome(parameters: global, epoch: 0, validationAUC: nil, threshold: nil)
        }
        let trainer = Trainer(model: model, configuration: training)
        if mode == .fedPer {
            let head = Set(model.layers.last!.parameters.map(ObjectIdentifier.init))
            trainer.gradientTransform = { model in
                for p in model.parameters where !head.contains(ObjectIdentifier(p)) {
                    p.gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
                }
            }
        }
        let released = model.evaluate(validation)
        var best = Outcome(parameters: global, epoch: 0, validationAUC: released.auc ?? 0,
                           threshold: accuracyMaximisingThreshold(scores: released.probabilities, labels: validation.labels))
        for epoch in 1...max(1, training.epochs) {
            _ = trainer.trainEpoch(train, epoch: epoch)
            let evaluation = model.evaluate(validation)
            let auc = evaluation.auc ?? 0
            // Strictly better only: ties keep the earlier (less fitted) model.
            if auc > best.validationAUC! {
                best = Outcome(parameters: model.flatParameters(), epoch: epoch, validationAUC: auc,
                               threshold: accuracyMaximisingThreshold(scores: evaluation.probabilities, labels: validation.labels))
            }
        }
        try model.loadFlatParameters(best.parameters)
        return best
    }
}
