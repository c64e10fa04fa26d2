import ArgumentParser
import Ledger

/// `medchain init --home DIR --name NAME`: a node home with a fresh Ed25519 key (mode 0600).
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a node home: an Ed25519 identity key (mode 0600) and config.json.")

    @Option(help: "Directory to create (or use, if empty).")
    var home: String

    @Option(help: "The member institution's name, e.g. hospital-a.")
    var name: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let home: NodeHome
        do { home = try NodeHome.initialize(at: self.home, name: name) } catch { throw LedgerCLIError(error) }
        let key = try home.loadConfig().publicKey
        if json {
            try LedgerOutput.printJSON(["home": home.url.path, "name": name, "publicKey": key.hex, "key": home.keyURL.path])
        } else {
            LedgerOutput.table([("home", home.url.path), ("name", name), ("public key", key.hex),
                                ("key file", "\(home.keyURL.path) (mode 0600)")])
        }
    }
}
