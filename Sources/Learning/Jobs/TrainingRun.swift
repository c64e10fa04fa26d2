import DataSets
import Foundation
import Tensor

/// The `medchain train` job: load a dataset, build a model, train, test and save.
///
/// Kept here rather than in the CLI so that the command stays a thin argument parser and the job
/// can be reused (the federated demo trains the same way).
public struct TrainingRun {
    /// Which architecture to build for the data.
    public enum Architecture: String, CaseIterable, Sendable {
        case cnn, mlp, logistic
    }

    public struct Options: Sendable {
        public var dataPath: String
        public var architecture: Architecture?
        public var labelColumn: String?
        public var configuration: TrainingConfiguration
        /// Hidden units of the MLP.
        public var hiddenUnits: Int = 32
        public var workers: Int = Parallel.coreCount

        public init(dataPath: String, architecture: Architecture? = nil, labelColumn: String? = nil,
                    configuration: TrainingConfiguration) {
            self.dataPath = dataPath
            self.architecture = architecture
            self.labelColumn = labelColumn
            self.configuration = configuration
        }
    }

    /// What the run produced; encodes to the `--json` report.
    public struct Report: Encodable, Sendable {
        public struct Test: Encodable, Sendable {
            /// Accuracy at `threshold` (binary) or of the argmax.
            public var accuracy: Double
            /// Binary accuracy at the fixed 0.5 cut, for comparison.
            public var accuracyAtHalf: Double?
            /// The decision threshold on p(class 1), chosen on the validation split.
            public var threshold: Double?
            public var auc: Double?
            public var loss: Double
            public var n: Int
            public var confusion: [[Int]]

            enum CodingKeys: String, CodingKey {
                case accuracy, threshold, auc, loss, n, confusion
                case accuracyAtHalf = "accuracy_at_0_5"
            }
        }
        public var test: Test?
        public var epochs: [EpochRecord]
        /// Median over epochs of training examples per second.
        public var imagesPerSecond: Double
        public var parameters: Int
        public var trainSize: Int

        enum CodingKeys: String, CodingKey {
            case test, epochs, parameters
            case imagesPerSecond = "images_per_second"
            case trainSize = "train_size"
        }
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Loads the data and builds the model; split out so the CLI can print a summary first.
    public func prepare() throws -> (splits: DatasetSplits, model: Sequential) {
        let splits = try loadDataset(path: options.dataPath, labelColumn: options.labelColumn,
                                     seed: options.configuration.seed)
        let shape = splits.train.exampleShape
        let architecture = options.architecture ?? (shape.count == 3 ? .cnn : .mlp)
        let spec: ModelSpec
        switch architecture {
        case .cnn:
            guard shape.count == 3 else {
                throw ModelError.invalidSpec("\(options.dataPath): --model cnn needs images, this file holds \(shape.count == 1 ? "a table" : "shape \(shape)"); use mlp or logistic")
            }
            spec = .referenceCNN(inputShape: shape, classCount: splits.train.classCount)
        case .mlp:
            spec = .mlp(features: shape.reduce(1, *), hidden: options.hiddenUnits, classCount: splits.train.classCount)
        case .logistic:
            spec = .logistic(features: shape.reduce(1, *), classCount: splits.train.classCount)
        }
        var flatSpec = spec
        if shape.count != 1 && architecture != .cnn {
            // Tables are already flat; images fed to an MLP are flattened first.
            flatSpec.layers.insert(.flatten, at: 0)
            flatSpec.inputShape = shape
        }
        let model = try Sequential(spec: flatSpec, seed: options.configuration.seed, workerCount: options.workers)
        return (splits, model)
    }

    /// Trains `model` on the train split (validating each epoch), evaluates the test split and
    /// saves the model to `outputPath` when given.
    public func run(splits: DatasetSplits, model: Sequential, progress: (any TrainingProgress)?,
                    outputPath: String?) throws -> Report {
        let trainer = Trainer(model: model, configuration: options.configuration)
        trainer.progress = progress
        let epochs = trainer.fit(train: splits.train, validation: splits.validation)
        return try finish(splits: splits, model: model, epochs: epochs, outputPath: outputPath)
    }

    /// What follows training, shared with other training loops (DP-SGD): choose the binary
    /// threshold on validation, evaluate the test split, save the model with `extraMetadata`
    /// added, and assemble the report.
    public func finish(splits: DatasetSplits, model: Sequential, epochs: [EpochRecord], outputPath: String?,
                       extraMetadata: [String: String] = [:]) throws -> Report {
        // Binary decisions use a threshold chosen on validation data, never on the test split.
        var threshold: Double?
        if model.classCount == 2, let validation = splits.validation, validation.count > 0 {
            threshold = accuracyMaximisingThreshold(scores: model.evaluate(validation).probabilities,
                                                    labels: validation.labels)
        }
        var test: Report.Test?
        if let testSplit = splits.test, testSplit.count > 0 {
            let e = model.evaluate(testSplit, threshold: threshold ?? 0.5)
            let atHalf = model.classCount == 2 ? model.evaluate(testSplit).accuracy : nil
            test = .init(accuracy: e.accuracy, accuracyAtHalf: atHalf, threshold: threshold, auc: e.auc, loss: e.loss,
                         n: e.count, confusion: e.confusion.counts)
        }
        if let outputPath {
            var metadata = Self.metadata(for: splits, seed: options.configuration.seed)
            metadata.merge(extraMetadata) { _, extra in extra }
            if let threshold { metadata[ModelFile.thresholdKey] = String(threshold) }
            try ModelFile.save(model, to: outputPath, metadata: metadata)
        }
        let rates = epochs.map(\.examplesPerSecond).sorted()
        return Report(test: test, epochs: epochs, imagesPerSecond: rates.isEmpty ? 0 : rates[rates.count / 2],
                      parameters: model.parameterCount, trainSize: splits.train.count)
    }

    /// What a model file must carry to be applied to new data: class names, the table
    /// standardiser and the split seed.
    static func metadata(for splits: DatasetSplits, seed: UInt64) -> [String: String] {
        var meta: [String: String] = ["medchain.class_names": splits.classNames.joined(separator: ","),
                                      "medchain.split_seed": String(seed)]
        if let standardizer = splits.standardizer,
           let json = try? JSONEncoder().encode(standardizer) {
            meta["medchain.standardizer"] = String(decoding: json, as: UTF8.self)
        }
        if let names = splits.featureNames { meta["medchain.feature_names"] = names.joined(separator: ",") }
        return meta
    }
}
