import DataSets
import Learning
import Ledger

/// What a hospital reports with its update (`SubmitUpdate.metrics`): how its locally trained
/// model does on its own validation split, and how many examples it trained on. Only these
/// summary numbers leave the hospital, never scores or records.
public enum LocalValidationMetrics {
    /// `val_loss` (mean cross-entropy), `val_accuracy` (at p ≥ 0.5), `val_auc` (binary tasks
    /// whose validation split holds both classes) and `val_examples`, plus `train_examples`.
    /// A value that is not finite is left out: the ledger has no encoding for it.
    public static func metrics(of model: Sequential, validation: LabeledData, trainExamples: Int) -> NamedValues {
        var values = ["train_examples": Double(trainExamples), "val_examples": Double(validation.count)]
        if validation.count > 0 {
            let evaluation = model.evaluate(validation)
            values["val_loss"] = evaluation.loss
            values["val_accuracy"] = evaluation.accuracy
            if let auc = evaluation.auc { values["val_auc"] = auc }
        }
        return NamedValues(values.filter { $0.value.isFinite })!
    }
}
