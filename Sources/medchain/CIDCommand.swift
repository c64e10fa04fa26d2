import ArgumentParser
import ContentStore
import Foundation

/// `medchain cid FILE`: the CID `ipfs add` would print for a file, without storing it.
struct CIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cid",
        abstract: "Print the CID `ipfs add` gives a file (Kubo defaults: CIDv0, 256 KiB chunks).",
        discussion: """
            --cid-version 1 gives base32 CIDv1 with raw leaves, like `ipfs add --cid-version=1`; \
            add --raw-leaves=false for dag-pb leaves.
            """
    )

    @Argument(help: "The file to hash.")
    var file: String

    @Option(name: .customLong("cid-version"), help: "CID version: 0 (default) or 1.")
    var cidVersion: Int = 0

    @Option(name: .customLong("raw-leaves"), help: "true|false; defaults to true for CIDv1 only.")
    var rawLeaves: Bool?

    func validate() throws {
        guard CID.Version(rawValue: cidVersion) != nil else {
            throw ValidationError("--cid-version must be 0 or 1, not \(cidVersion)")
        }
    }

    func run() throws {
        let options = ImportOptions(cidVersion: CID.Version(rawValue: cidVersion)!, rawLeaves: rawLeaves)
        do {
            var source = try FileByteSource(url: URL(fileURLWithPath: file))
            print(try UnixFSImporter(options: options).cid(of: &source))
        } catch {
            throw StoreCommandFailure("\(error)")
        }
    }
}
