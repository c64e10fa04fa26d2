import ArgumentParser
import Foundation
import NodeDaemon

/// `medchain bench consensus`: throughput and commit latency of a multi-process testnet.
struct ConsensusNetworkBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consensus",
        abstract: "Start an N-process testnet on loopback and time signed transactions sent through POST /tx.",
        discussion: "Build with -c release; the node processes are this same executable.")

    @Option(help: "Validator processes.") var nodes: Int = 4
    @Option(help: "Distinct transaction senders.") var senders: Int = 200
    @Option(name: .customLong("per-sender"), help: "Transactions per sender (consecutive nonces).") var perSender: Int = 100
    @Option(help: "Offered transactions per second (0: as fast as the nodes admit them).") var rate: Double = 0
    @Option(help: "Concurrent HTTP connections (spread over the nodes); each waits for its previous 202 before sending again.") var connections: Int = 128
    @Option(name: .customLong("base-port"), help: "First port of the testnet.") var basePort: Int = 27_600
    @Option(help: "Keep the testnet files here instead of a temporary folder.") var home: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard nodes >= 1, senders >= 1, perSender >= 1, connections >= 1 else {
            throw ValidationError("--nodes, --senders, --per-sender and --connections must be at least 1")
        }
        let directory = home.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("medchain-bench-\(ProcessInfo.processInfo.processIdentifier)")
        if home == nil { try? FileManager.default.removeItem(at: directory) }
        let benchmark = ConsensusBenchmark(nodes: nodes, senders: senders, perSender: perSender, rate: rate, connections: connections,
                                           basePort: basePort, executable: TestnetSupervisor.currentExecutable())
        let result: ConsensusBenchmark.Result
        do {
            result = try await benchmark.run(in: directory) { line in
                FileHandle.standardError.write(Data("bench: \(line)\n".utf8))
            }
        } catch {
            throw LedgerCLIError("bench consensus failed: \(error) (files kept in \(directory.path))")
        }
        if home == nil { try? FileManager.default.removeItem(at: directory) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("\(result.nodes) nodes: \(result.committed)/\(result.transactions) transactions committed in \(result.blocks) blocks, "
                  + "\(result.txPerSecond) tx/s, commit latency p50 \(result.p50CommitMs) ms, p99 \(result.p99CommitMs) ms")
        }
    }
}
