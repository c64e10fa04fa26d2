import ArgumentParser

/// `medchain bench …`: release-build measurements that print JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput (build with -c release); prints JSON.",
        subcommands: [
            // bench: learning
            TrainBenchCommand.self,
            // bench: ledger
            LedgerBenchCommand.self,
            // bench: consensus
            ConsensusSimBenchCommand.self,
            // bench: store
            CIDBenchCommand.self,
            // bench: federation
            AggregationBenchCommand.self,
            // bench: privacy
            // bench: node
            ConsensusNetworkBenchCommand.self,
            DPSGDBenchCommand.self,
            PaillierBenchCommand.self,
        ]
    )
}

/// Whether this binary was built with optimisation (`-c release`). Every bench reports it:
/// figures from a debug build are not comparable.
let isOptimizedBuild: Bool = {
    #if DEBUG
    return false
    #else
    return true
    #endif
}()
