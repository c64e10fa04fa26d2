import ArgumentParser
import Foundation
import Learning
import Tensor

/// `medchain bench train`: reference-CNN training throughput and GEMM GFLOP/s.
struct TrainBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Reference-CNN training images/s (batch 32) and 512³ GEMM GFLOP/s; prints JSON.")

    @Option(help: "Images to train on (the train split is used).")
    var data = "Data/pneumoniamnist-balanced.npz"
    @Option(help: "Timed epochs after one warm-up epoch.")
    var epochs = 4
    @Option(name: .customLong("batch-size"))
    var batchSize = 32
    @Option(help: "Worker threads (default: all cores).")
    var workers: Int?
    @Flag(help: "Print JSON only (the default output is JSON too; kept for symmetry with other benches).")
    var json = false

    struct Result: Encodable {
        var images_per_second: Double
        var epochs_images_per_second: [Double]
        var batch_size: Int
        var workers: Int
        var train_images: Int
        var gemm_512_gflops: Double
        var gemm_512_gflops_one_core: Double
        var optimized_build: Bool
    }

    func run() throws {
        let splits = try CLIError.reporting { try TrainingRun(options: .init(dataPath: data, configuration: .init())).prepare().splits }
        let workerCount = workers ?? Parallel.coreCount
        let (median, all) = try TrainingBenchmark.trainingThroughput(
            spec: .referenceCNN(inputShape: splits.train.exampleShape, classCount: splits.train.classCount),
            data: splits.train, batchSize: batchSize, epochs: epochs, workers: workerCount)
        let result = Result(
            images_per_second: median.rounded(), epochs_images_per_second: all.map { $0.rounded() },
            batch_size: batchSize, workers: workerCount, train_images: splits.train.count,
            gemm_512_gflops: (TrainingBenchmark.gemmGFLOPS(threads: Parallel.coreCount) * 10).rounded() / 10,
            gemm_512_gflops_one_core: (TrainingBenchmark.gemmGFLOPS(threads: 1) * 10).rounded() / 10,
            optimized_build: isOptimizedBuild)
        try writeJSON(result, to: "-")
    }
}
