import ArgumentParser
import Foundation
import Logging
import NodeDaemon

/// `medchain node --home DIR`: runs one validator until SIGTERM or SIGINT.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a node: ledger replica, consensus, TLS peer links and the HTTP status endpoint.",
        discussion: """
            Reads DIR/node.json (see docs/node.md), DIR/config.json, DIR/keys/identity.ed25519 and the \
            chain's genesis. SIGTERM or SIGINT shuts down gracefully (stop consensus, close links, close \
            the ledger); a restart replays the write-ahead log and catches up by block sync.
            """)

    @Option(help: "The node home (made by `medchain init` and `medchain genesis`, plus node.json).")
    var home: String

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level \(logLevel) is not one of trace, debug, info, notice, warning, error, critical")
        }
        let setup: NodeSetup
        do { setup = try NodeSetup.load(home: home) } catch { throw LedgerCLIError(error) }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "medchain.node.\(setup.name)")
        let daemon: NodeDaemon
        do { daemon = try NodeDaemon(setup: setup, logger: logger) } catch { throw LedgerCLIError(error) }
        do { try await daemon.run() } catch { throw LedgerCLIError("node \(setup.name) stopped: \(error)") }
    }
}
