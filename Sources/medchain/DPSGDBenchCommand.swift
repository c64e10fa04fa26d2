import ArgumentParser
import Learning
import Privacy
import Tensor

/// `medchain bench dpsgd`: reference-CNN training images/s with and without DP-SGD.
struct DPSGDBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpsgd",
        abstract: "Reference-CNN training images/s with plain SGD and with DP-SGD (sigma 1, C 1), epochs alternating; prints JSON.")

    @Option(help: "Images to train on (the train split is used).")
    var data = "Data/pneumoniamnist-balanced.npz"
    @Option(help: "Timed epochs of each after one warm-up epoch.")
    var epochs = 4
    @Option(name: .customLong("batch-size"), help: "Batch size (the expected Poisson batch size for DP-SGD).")
    var batchSize = 32
    @Option(help: "Worker threads (default: all cores).")
    var workers: Int?
    @Flag(help: "Print JSON only (the output is JSON anyway).")
    var json = false

    struct Result: Encodable {
        var images_per_second: Double
        var dp_images_per_second: Double
        var dp_relative_speed: Double
        var epochs_images_per_second: [Double]
        var epochs_dp_images_per_second: [Double]
        var batch_size: Int
        var workers: Int
        var train_images: Int
        var optimized_build: Bool
    }

    func run() throws {
        let splits = try CLIError.reporting { try TrainingRun(options: .init(dataPath: data, configuration: .init())).prepare().splits }
        let workerCount = workers ?? Parallel.coreCount
        let (plain, dp) = try CLIError.reporting {
            try DPSGDBenchmark.throughput(spec: .referenceCNN(inputShape: splits.train.exampleShape, classCount: splits.train.classCount),
                                          data: splits.train, batchSize: batchSize, epochs: epochs, workers: workerCount)
        }
        let median = TrainingBenchmark.median
        try writeJSON(Result(
            images_per_second: median(plain).rounded(), dp_images_per_second: median(dp).rounded(),
            dp_relative_speed: (median(dp) / median(plain) * 1000).rounded() / 1000,
            epochs_images_per_second: plain.map { $0.rounded() }, epochs_dp_images_per_second: dp.map { $0.rounded() },
            batch_size: batchSize, workers: workerCount, train_images: splits.train.count, optimized_build: isOptimizedBuild), to: "-")
    }
}
