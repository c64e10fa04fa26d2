import ArgumentParser
import Foundation
import NodeDaemon

/// `medchain testnet …`: a local consortium of validator processes on loopback.
struct TestnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testnet",
        abstract: "Create and run a local testnet, or send it test transactions.",
        subcommands: [TestnetRunCommand.self, TestnetSubmitCommand.self],
        defaultSubcommand: TestnetRunCommand.self)
}

/// `medchain testnet [run] --nodes N --home DIR`: creates (if needed) and runs the testnet.
struct TestnetRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create and run a local testnet: N node homes, one genesis, N `medchain node` processes on loopback.",
        discussion: """
            Creates DIR/node-0 … DIR/node-(N-1) (keys, a genesis with every node a validator, node.json \
            on 127.0.0.1) and DIR/testnet.json, unless DIR already holds a testnet, which is then started \
            as it is. Node i listens for peers on BASE+2i and serves HTTP status on BASE+2i+1. \
            SIGINT or SIGTERM stops every node gracefully. Each node logs to DIR/node-i/node.log.
            """)

    @Option(help: "Number of validator nodes (new testnet only; default 4).")
    var nodes: Int?

    @Option(help: "Folder of the testnet.")
    var home: String

    @Option(name: .customLong("base-port"), help: "First port (new testnet only).")
    var basePort: Int = 26_600

    @Option(name: .customLong("chain-id"), help: "Chain ID (new testnet only).")
    var chainID: String = "medchain-testnet"

    @Flag(name: .customLong("no-start"), help: "Only create the files.")
    var noStart = false

    @OptionGroup var task: TestnetTaskOptions

    func run() async throws {
        let directory = URL(fileURLWithPath: home).standardizedFileURL
        let layout: TestnetLayout
        do {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(TestnetLayout.manifestName).path) {
                layout = try TestnetLayout.load(at: directory)
                if let nodes, nodes != layout.nodes.count {
                    throw TestnetError("\(directory.path) already holds a testnet of \(layout.nodes.count) nodes; drop --nodes to run it, or choose an empty folder for \(nodes)")
                }
            } else {
                layout = try TestnetLayout.create(at: directory, nodes: nodes ?? 4,
                                                  options: TestnetLayout.Options(chainID: chainID, basePort: basePort))
                print("created testnet \(layout.chainID) with \(layout.nodes.count) validators in \(directory.path)")
            }
        } catch { throw LedgerCLIError(error) }
        if task.task {
            try await task.run(layout: layout, directory: directory)
            return
        }
        for node in layout.nodes {
            print("\(node.name)  peers \(node.p2p)  status \(node.statusURL)/status  home \(node.home)")
        }
        fflush(nil)
        if noStart { return }
        let supervisor = TestnetSupervisor(layout: layout, executable: TestnetSupervisor.currentExecutable())
        supervisor.onExit = { line in FileHandle.standardError.write(Data("testnet: \(line)\n".utf8)) }
        do {
            try await supervisor.runUntilSignalled {
                let pids = supervisor.processIDs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("running (pids \(pids)); press Ctrl-C or send SIGTERM to stop")
                fflush(nil)
            }
        } catch { throw LedgerCLIError(error) }
        print("testnet stopped")
    }
}

/// `medchain testnet submit --home DIR`: test transactions from the testnet's client member.
struct TestnetSubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Sign test transactions with the testnet's client key (DIR/client.ed25519) and POST them to a node.",
        discussion: "Prints one JSON line per transaction: hash, nonce and (with --wait) the height of its block.")

    @Option(help: "Folder of the testnet.") var home: String
    @Option(help: "Number of transactions.") var count: Int = 10
    @Option(help: "Index of the node to send to.") var node: Int = 0
    @Option(help: "Wait up to this many seconds for every transaction to commit (0: do not wait).") var wait: Double = 30

    func run() async throws {
        let directory = URL(fileURLWithPath: home).standardizedFileURL
        do {
            let layout = try TestnetLayout.load(at: directory)
            guard layout.nodes.indices.contains(node) else { throw TestnetError("--node \(node): the testnet has nodes 0...\(layout.nodes.count - 1)") }
            let sent = try await TestnetLoad.submit(layout: layout, client: try TestnetLayout.clientKey(at: directory),
                                                    node: layout.nodes[node], count: count, waitSeconds: wait)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for item in sent { print(String(decoding: try encoder.encode(item), as: UTF8.self)) }
        } catch { throw LedgerCLIError(error) }
    }
}
