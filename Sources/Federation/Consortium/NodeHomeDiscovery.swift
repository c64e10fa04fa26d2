import ContentStore
import Foundation

/// Finds node homes and their peers on disk, for commands run after a simulation.
///
/// The in-process consortium keeps each node's home side by side in one folder; a node's peers
/// are its siblings there. Until the network transport fetches blobs from remote peers, that
/// is how `chain verify` on one node reaches the update blobs other hospitals hold.
public enum NodeHomeDiscovery {
    /// `path` itself when it is a node home (has `config.json`), else its child node homes that
    /// hold a ledger replica.
    public static func nodeHomes(at path: String) -> [String] {
        let fm = FileManager.default
        if fm.fileExists(atPath: path + "/config.json") { return [path] }
        let children = (try? fm.contentsOfDirectory(atPath: path)) ?? []
        return children.sorted().map { path + "/" + $0 }.filter { home in
            let chains = (try? fm.contentsOfDirectory(atPath: home + "/chain")) ?? []
            return fm.fileExists(atPath: home + "/config.json")
                && chains.contains { fm.fileExists(atPath: home + "/chain/" + $0 + "/ledger.sqlite") }
        }
    }

    /// The node's own store first, then every sibling home's store (read-only, hash-checked).
    public static func blobSource(for home: String) throws -> LocalFirstBlobSource {
        let url = URL(fileURLWithPath: home).standardizedFileURL
        let parent = url.deletingLastPathComponent().path
        let fm = FileManager.default
        let siblings = ((try? fm.contentsOfDirectory(atPath: parent)) ?? []).sorted()
            .map { parent + "/" + $0 }
            .filter { $0 != url.path && fm.fileExists(atPath: $0 + "/store") && fm.fileExists(atPath: $0 + "/keys/store.key") }
        return LocalFirstBlobSource(local: try Blockstore(home: url), peers: try siblings.map { try Blockstore(home: URL(fileURLWithPath: $0)) },
                                    keepsFetched: false)
    }
}
