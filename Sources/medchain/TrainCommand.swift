import ArgumentParser
import Foundation
import Learning
import Privacy

/// `medchain train`: train a model on one dataset file and report test metrics.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a MedMNIST .npz or a CSV table; report validation metrics per epoch and test ACC/AUC.")

    @Option(help: "Dataset file: a MedMNIST .npz or a CSV with a header.")
    var data = "Data/pneumoniamnist-balanced.npz"
    @Option(help: "Architecture: cnn (images), mlp or logistic (tables). Default: cnn for images, mlp for tables.")
    var model: String?
    @Option(help: "CSV label column.")
    var label: String?
    @Option(help: "Passes over the training split.")
    var epochs = 10
    @Option(name: .customLong("batch-size"), help: "Examples per step.")
    var batchSize = 32
    @Option(help: "Learning rate.")
    var lr: Float = 0.01
    @Option(help: "Optimiser: sgd (momentum 0.9) or adam.")
    var optimizer = "sgd"
    @Option(help: "SGD momentum.")
    var momentum: Float = 0.9
    @Option(name: .customLong("weight-decay"), help: "L2 weight decay.")
    var weightDecay: Float = 0
    @Option(name: .customLong("clip-norm"), help: "Clip the global gradient norm to this value.")
    var clipNorm: Float?
    @Option(help: "Seed for initialisation, shuffling, dropout and CSV splits.")
    var seed: UInt64 = 1
    @Option(help: "Worker threads per batch (default: all cores).")
    var workers: Int?
    @Option(help: "Where to save the trained model (safetensors).")
    var out: String?
    @Option(help: "Write a JSON report here.")
    var json: String?
    @Option(name: .customLong("dp-epsilon"), help: "Train with DP-SGD; solve the noise for this total epsilon over all epochs.")
    var dpEpsilon: Double?
    @Option(name: .customLong("dp-noise"), help: "Train with DP-SGD at this noise multiplier sigma (instead of --dp-epsilon).")
    var dpNoise: Double?
    @Option(name: .customLong("dp-delta"), help: "DP delta (default: the power of ten below 1/N, at most 1e-5).")
    var dpDelta: Double?
    @Option(name: .customLong("dp-clip"), help: "DP-SGD per-example clipping norm C (default 1.0).")
    var dpClip: Double?
    @Option(name: .customLong("dp-seed"), help: "Seed the DP noise and sampling (reproducible simulations only: a known seed voids privacy).")
    var dpSeed: UInt64?

    /// Whether any DP-SGD flag was given.
    var isPrivate: Bool { dpEpsilon != nil || dpNoise != nil }

    func validate() throws {
        if dpEpsilon != nil && dpNoise != nil {
            throw ValidationError("give either --dp-epsilon or --dp-noise, not both")
        }
        if !isPrivate && (dpDelta != nil || dpClip != nil || dpSeed != nil) {
            throw ValidationError("--dp-delta, --dp-clip and --dp-seed need --dp-epsilon or --dp-noise")
        }
        if let dpEpsilon, !(dpEpsilon > 0 && dpEpsilon.isFinite) { throw ValidationError("--dp-epsilon must be a positive number") }
        if let dpNoise, !(dpNoise > 0 && dpNoise.isFinite) { throw ValidationError("--dp-noise must be a positive number") }
        if let dpDelta, !(dpDelta > 0 && dpDelta < 1) { throw ValidationError("--dp-delta must be in (0, 1)") }
        if let dpClip, !(dpClip > 0 && dpClip.isFinite) { throw ValidationError("--dp-clip must be a positive number") }
        guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number") }
        guard ["sgd", "adam"].contains(optimizer) else { throw ValidationError("--optimizer must be sgd or adam") }
        if let model, TrainingRun.Architecture(rawValue: model) == nil {
            throw ValidationError("--model must be one of cnn, mlp, logistic")
        }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
        let optimizerSpec: OptimizerSpec = optimizer == "adam"
            ? .adam(learningRate: lr, weightDecay: weightDecay)
            : .sgd(learningRate: lr, momentum: momentum, weightDecay: weightDecay)
        var options = TrainingRun.Options(
            dataPath: data, architecture: model.flatMap(TrainingRun.Architecture.init(rawValue:)), labelColumn: label,
            configuration: TrainingConfiguration(epochs: epochs, batchSize: batchSize, optimizer: optimizerSpec,
                                                 clipNorm: clipNorm, seed: seed))
        if let workers { options.workers = workers }
        if isPrivate { return try runPrivate(options) }
        let job = TrainingRun(options: options)
        let (splits, network) = try CLIError.reporting { try job.prepare() }
        print("data   \(data): train \(splits.train.count), validation \(splits.validation?.count ?? 0), test \(splits.test?.count ?? 0), classes \(splits.classNames.joined(separator: "/"))")
        print("model  \(network.spec.architecture), \(network.parameterCount) parameters, \(network.workerCount) workers")
        let report = try CLIError.reporting {
            try job.run(splits: splits, model: network, progress: ConsoleProgress(), outputPath: out)
        }
        if let test = report.test {
            let cut = test.threshold.map { " (threshold \(format($0, 3)) from validation; \(format(test.accuracyAtHalf ?? 0, 4)) at 0.5)" } ?? ""
            print("test   accuracy \(format(test.accuracy, 4))\(cut)  auc \(test.auc.map { format($0, 4) } ?? "n/a")  loss \(format(test.loss, 4))  (n = \(test.n))")
        }
        print("speed  \(Int(report.imagesPerSecond.rounded())) examples/s (median over epochs)")
        if let out { print("saved  \(out)") }
        if let json { try CLIError.reporting { try writeJSON(report, to: json) } }
    }

    /// `--dp-…`: the same run with DP-SGD, its plan and the privacy spent.
    private func runPrivate(_ options: TrainingRun.Options) throws {
        let job = PrivateTrainingRun(options: .init(
            training: options, clippingNorm: dpClip ?? 1, noise: dpNoise.map { .multiplier($0) } ?? .targetEpsilon(dpEpsilon!),
            delta: dpDelta, noiseSeed: dpSeed))
        let (splits, network) = try CLIError.reporting { try job.prepare() }
        print("data   \(data): train \(splits.train.count), validation \(splits.validation?.count ?? 0), test \(splits.test?.count ?? 0), classes \(splits.classNames.joined(separator: "/"))")
        print("model  \(network.spec.architecture), \(network.parameterCount) parameters, \(network.workerCount) workers")
        let trainer = try CLIError.reporting { try job.makeTrainer(splits: splits, model: network) }
        let target = dpEpsilon.map { " (solved for epsilon \($0))" } ?? ""
        print("dp-sgd C \(trainer.privacy.clippingNorm), sigma \(format(trainer.noiseMultiplier, 4))\(target), q \(format(trainer.samplingRate, 5)) (expected batch \(format(trainer.expectedBatchSize, 1))), \(trainer.plannedSteps) steps (\(trainer.stepsPerEpoch) per epoch), delta \(trainer.privacy.delta)")
        if dpSeed != nil { print("warning: --dp-seed makes the noise reproducible; the model is not private against anyone who knows the seed") }
        let report = try CLIError.reporting {
            try job.run(splits: splits, trainer: trainer, progress: ConsoleProgress(), outputPath: out)
        }
        if let test = report.training.test {
            let cut = test.threshold.map { " (threshold \(format($0, 3)) from validation; \(format(test.accuracyAtHalf ?? 0, 4)) at 0.5)" } ?? ""
            print("test   accuracy \(format(test.accuracy, 4))\(cut)  auc \(test.auc.map { format($0, 4) } ?? "n/a")  loss \(format(test.loss, 4))  (n = \(test.n))")
        }
        let spent = report.privacy.spent
        print("privacy epsilon \(format(spent.epsilon, 4)) at delta \(spent.delta) after \(spent.steps) steps (sigma \(format(spent.noiseMultiplier, 4)), q \(format(spent.samplingRate, 5)), C \(spent.clippingNorm)); \(format(100 * report.privacy.clippedFraction, 1))% of examples clipped")
        print("speed  \(Int(report.training.imagesPerSecond.rounded())) examples/s (median over epochs)")
        if let out { print("saved  \(out)") }
        if let json { try CLIError.reporting { try writeJSON(report, to: json) } }
    }
}

/// `medchain evaluate`: apply a saved model to a split of a dataset file.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Evaluate a saved model on a dataset split; p(class 1) per example in file order.")

    @Option(help: "A model saved by `medchain train` (safetensors).")
    var model: String
    @Option(help: "Dataset file (.npz or .csv).")
    var data: String
    @Option(help: "Split: train, validation or test.")
    var split = "test"
    @Option(help: "CSV label column.")
    var label: String?
    @Option(help: "Write a JSON report here.")
    var json: String?

    func validate() throws {
        guard ModelEvaluationRun.Split(rawValue: split) != nil else {
            throw ValidationError("--split must be train, validation or test")
        }
    }

    func run() throws {
        let report = try CLIError.reporting {
            try ModelEvaluationRun.run(modelPath: model, dataPath: data, split: .init(rawValue: split)!, labelColumn: label)
        }
        print("\(split): accuracy \(format(report.accuracy, 4))  auc \(report.auc.map { format($0, 4) } ?? "n/a")  loss \(format(report.loss, 4))  n \(report.n)")
        if let json { try CLIError.reporting { try writeJSON(report, to: json) } }
    }
}
