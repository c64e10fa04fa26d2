import DataSets
import Foundation

/// The `medchain evaluate` job: apply a saved model to a split of a dataset file.
public struct ModelEvaluationRun {
    public enum Split: String, CaseIterable, Sendable { case train, validation, test }

    /// The `--json` report: metrics plus p(class 1) per example in file order.
    public struct Report: Encodable, Sendable {
        public var accuracy: Double
        public var auc: Double?
        public var loss: Double
        public var n: Int
        /// The threshold on p(class 1) behind `accuracy` (from the model file, else 0.5).
        public var threshold: Double
        public var confusion: [[Int]]
        public var probabilities: [Float]
    }

    public static func run(modelPath: String, dataPath: String, split: Split, labelColumn: String?) throws -> Report {
        let (model, metadata) = try ModelFile.load(path: modelPath)
        let seed = metadata["medchain.split_seed"].flatMap(UInt64.init) ?? 0
        var data: LabeledData
        if DatasetFormat(path: dataPath) == .csv {
            // Split as at training time, but standardise with the statistics stored in the
            // model, not with ones refitted on this file.
            let options = CSVDataset.Options(labelColumn: labelColumn, standardizes: false, seed: seed)
            let splits = try CSVDataset.load(contentsOf: dataPath, options: options)
            guard let chosen = pick(split, from: splits) else {
                throw ModelError.invalidSpec("\(dataPath) has no \(split.rawValue) split")
            }
            data = chosen
            if let json = metadata["medchain.standardizer"] {
                let standardizer = try JSONDecoder().decode(Standardizer.self, from: Data(json.utf8))
                data = standardizer.transform(data)
            }
        } else {
            let splits = try loadDataset(path: dataPath, labelColumn: labelColumn, seed: seed)
            guard let chosen = pick(split, from: splits) else {
                throw ModelError.invalidSpec("\(dataPath) has no \(split.rawValue) split")
            }
            data = chosen
        }
        guard data.exampleShape.reduce(1, *) == model.inputCount else {
            throw ModelError.incompatibleParameters(
                file: modelPath, reason: "the model takes inputs of shape \(model.spec.inputShape), \(dataPath) has \(data.exampleShape)")
        }
        let threshold = metadata[ModelFile.thresholdKey].flatMap(Double.init) ?? 0.5
        let e = model.evaluate(data, threshold: threshold)
        return Report(accuracy: e.accuracy, auc: e.auc, loss: e.loss, n: e.count, threshold: threshold,
                      confusion: e.confusion.counts, probabilities: e.probabilities)
    }

    static func pick(_ split: Split, from splits: DatasetSplits) -> LabeledData? {
        switch split {
        case .train: splits.train
        case .validation: splits.validation
        case .test: splits.test
        }
    }
}
