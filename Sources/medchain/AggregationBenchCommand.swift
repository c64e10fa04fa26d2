import ArgumentParser
import Federation
import Learning

/// `medchain bench aggregate`: what a validator's recomputation of a plaintext round costs.
struct AggregationBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Time a validator's recomputation of one plaintext round of the reference CNN (FedAvg sum, server optimiser, model CID) and the model blob's encoding; prints JSON.")

    @Option(help: "Updates in the round.")
    var updates = 4
    @Option(help: "Timed repetitions after one warm-up.")
    var repetitions = 30

    struct Output: Encodable {
        var parameters: Int
        var updates: Int
        var weighted_mean_ms: Double
        var server_optimizer_ms: Double
        var cid_ms: Double
        var total_ms: Double
        var blob_encode_ms: Double
        var optimized_build: Bool
    }

    func run() throws {
        guard updates >= 1, repetitions >= 1 else { throw ValidationError("--updates and --repetitions must be at least 1") }
        let result = try CLIError.reporting {
            try AggregationBenchmark.run(spec: .referenceCNN(inputShape: [1, 28, 28], classCount: 2), updates: updates,
                                         repetitions: repetitions)
        }
        func ms(_ s: Double) -> Double { (s * 1e6).rounded() / 1e3 }
        try writeJSON(Output(parameters: result.parameters, updates: result.updates, weighted_mean_ms: ms(result.weightedMean),
                             server_optimizer_ms: ms(result.serverOptimizer), cid_ms: ms(result.cid),
                             total_ms: ms(result.total), blob_encode_ms: ms(result.encode), optimized_build: isOptimizedBuild), to: "-")
    }
}
