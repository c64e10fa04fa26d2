import ArgumentParser

/// The `medchain` command line: a thin front over the MedChain modules.
@main
struct MedChain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medchain",
        abstract: "Federated learning for hospitals, recorded on a permissioned ledger.",
        subcommands: [
            // commands: learning
            DemoCommand.self,
            TrainCommand.self,
            EvaluateCommand.self,
            // commands: ledger
            InitCommand.self, GenesisCommand.self, ChainCommand.self, TxCommand.self,
            // commands: store
            DataCommand.self,
            CIDCommand.self,
            StoreCommand.self,
            // commands: privacy
            PaillierCommand.self,
            PrivacyCommand.self,
            // commands: node
            NodeCommand.self,
            TestnetCommand.self,
            BenchCommand.self,
        ]
    )
}
