import ArgumentParser
import Consensus
import Foundation

/// `medchain bench consensus-sim`: the consensus core with every validator in one process.
struct ConsensusSimBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consensus-sim",
        abstract: "Commit signed transactions through BFT consensus with all validators in one process; prints throughput."
    )

    @Option(help: "Validators.")
    var nodes: Int = 4

    @Option(help: "Transaction senders (each sends --per-sender transactions with consecutive nonces).")
    var senders: Int = 100

    @Option(name: .customLong("per-sender"), help: "Transactions per sender.")
    var perSender: Int = 100

    @Option(help: "Working directory (default: a temporary one, removed afterwards).")
    var home: String?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard nodes >= 1 else { throw ValidationError("--nodes must be at least 1") }
        guard senders >= 1, perSender >= 1 else { throw ValidationError("--senders and --per-sender must be at least 1") }
    }

    func run() throws {
        let directory = home.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("medchain-bench-consensus-\(UUID().uuidString)")
        defer { if home == nil { try? FileManager.default.removeItem(at: directory) } }
        let result = try CLIError.reporting {
            try ConsortiumBenchmark(nodes: nodes, senders: senders, perSender: perSender).run(in: directory)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("\(result.transactions) transactions in \(result.blocks) blocks on \(result.nodes) validators: "
                + "\(Int(result.txPerSecond)) tx/s, p50 commit \(Int(result.p50CommitMs)) ms, p99 \(Int(result.p99CommitMs)) ms")
        }
    }
}
