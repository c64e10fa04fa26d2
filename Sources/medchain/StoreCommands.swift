import ArgumentParser
import ContentStore
import Foundation

/// `medchain store …`: the node's encrypted content-addressed block store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Put, get, pin and check files in the node's encrypted block store (DIR/store).",
        subcommands: [
            StorePut.self, StoreGet.self, StoreVerify.self, StorePin.self, StoreUnpin.self,
            StorePins.self, StoreGC.self,
        ]
    )
}

/// The `--home` option every store command takes.
struct StoreHomeOption: ParsableArguments {
    @Option(help: "The node home (blocks in DIR/store, key in DIR/keys/store.key).")
    var home: String

    /// Opens the store; only `put` may create it.
    func openStore(create: Bool = false) throws -> Blockstore {
        do {
            return try Blockstore(home: URL(fileURLWithPath: home), create: create)
        } catch {
            throw StoreCommandFailure("\(error)")
        }
    }
}

/// Parses a CID argument; a malformed one is a one-line error naming the problem.
private func parseCID(_ text: String) throws -> CID {
    do { return try CID(parsing: text) } catch { throw StoreCommandFailure("\(error)") }
}

/// Runs a store operation, turning its error into one CLI line.
private func reporting<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw StoreCommandFailure("\(error)") }
}

struct StorePut: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Store a file and print its CID (the one `ipfs add` prints); pins it.")

    @Argument(help: "The file to store.") var file: String
    @OptionGroup var home: StoreHomeOption
    @Option(name: .customLong("cid-version"), help: "CID version: 0 (default) or 1.") var cidVersion: Int = 0
    @Option(name: .customLong("raw-leaves"), help: "true|false; defaults to true for CIDv1 only.")
    var rawLeaves: Bool?
    @Flag(help: "Do not pin (garbage collection may remove the blocks).") var noPin = false

    func validate() throws {
        guard CID.Version(rawValue: cidVersion) != nil else {
            throw ValidationError("--cid-version must be 0 or 1, not \(cidVersion)")
        }
    }

    func run() throws {
        let store = try home.openStore(create: true)
        let options = ImportOptions(cidVersion: CID.Version(rawValue: cidVersion)!, rawLeaves: rawLeaves)
        let result = try reporting { try store.put(file: URL(fileURLWithPath: file), options: options, pin: !noPin) }
        print(result.root)
    }
}

struct StoreGet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Write a stored file to --out (all or nothing: no partial file on error).")

    @Argument(help: "The file's CID.") var cid: String
    @Option(help: "Where to write the file.") var out: String
    @OptionGroup var home: StoreHomeOption

    func run() throws {
        let cid = try parseCID(cid)
        let store = try home.openStore()
        let bytes = try reporting { try store.get(cid, to: URL(fileURLWithPath: out)) }
        print("wrote \(bytes) bytes to \(out)")
    }
}

struct StoreVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash every block and report damaged or missing ones (exit status 1 if any).")

    @OptionGroup var home: StoreHomeOption

    func run() throws {
        let store = try home.openStore()
        let report = try reporting { try store.verify() }
        print(report)
        if !report.isHealthy { throw ExitCode.failure }
    }
}

struct StorePin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin", abstract: "Protect a stored file's whole DAG from garbage collection.")

    @Argument(help: "The root CID.") var cid: String
    @OptionGroup var home: StoreHomeOption

    func run() throws {
        let cid = try parseCID(cid)
        let store = try home.openStore()
        try reporting { try store.pin(cid) }
        print("pinned \(cid)")
    }
}

struct StoreUnpin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpin", abstract: "Remove a pin; the blocks go at the next gc unless another pin needs them.")

    @Argument(help: "The root CID.") var cid: String
    @OptionGroup var home: StoreHomeOption

    func run() throws {
        let cid = try parseCID(cid)
        let store = try home.openStore()
        try reporting { try store.unpin(cid) }
        print("unpinned \(cid)")
    }
}

struct StorePins: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pins", abstract: "List pinned roots.")

    @OptionGroup var home: StoreHomeOption

    func run() throws {
        let store = try home.openStore()
        for cid in try reporting({ try store.pins() }) { print(cid) }
    }
}

struct StoreGC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc", abstract: "Delete blocks no pin reaches.")

    @OptionGroup var home: StoreHomeOption

    func run() throws {
        let store = try home.openStore()
        let report = try reporting { try store.collectGarbage() }
        print("removed \(report.removedBlocks) blocks (\(report.removedBytes) bytes), kept \(report.keptBlocks)")
    }
}
