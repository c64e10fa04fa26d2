import ArgumentParser
import Foundation
import Ledger

/// `medchain bench ledger`: signed transactions committed per second on one node.
struct LedgerBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Commit a federated-learning workload through the single-validator path; then verify the chain.",
        discussion: "Every signature is verified and every block persisted (SQLite WAL, synchronous=FULL). Build with -c release.")

    @Option(help: "Hospitals (each registers a dataset and submits an update every round).") var trainers = 100
    @Option(help: "Training rounds (each ends with a CommitAggregate).") var rounds = 1000
    @Option(name: .customLong("block-size"), help: "Transactions per block.") var blockSize = 1000
    @Option(help: "Scratch directory for the chain database.") var directory: String?
    @Flag(help: "Keep the database afterwards (and print its path).") var keep = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let scratch = directory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("medchain-bench-ledger-\(getpid())")
        var configuration = LedgerBenchmark.Configuration(directory: scratch)
        configuration.trainers = trainers
        configuration.rounds = rounds
        configuration.blockSize = blockSize
        configuration.keepDatabase = keep
        let report: LedgerBenchmark.Report
        do { report = try LedgerBenchmark.run(configuration, log: { LedgerOutput.standardError("bench ledger: \($0)") }) } catch {
            throw LedgerCLIError(error)
        }
        if json { return try LedgerOutput.printJSON(report) }
        print(String(format: "%d transactions in %d blocks of %d: %.0f tx/s committed (%.2f s); Ed25519 verify %.0f/s on %d cores; chain verify %.0f tx/s",
                     report.transactions, report.blocks, report.block_size, report.tx_per_second, report.seconds,
                     report.verify_per_second, report.cores, report.chain_verify_tx_per_second))
    }
}
