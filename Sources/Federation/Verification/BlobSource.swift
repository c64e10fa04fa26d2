import ContentStore
import Foundation

/// Where a node gets the blobs (updates, models) a transaction names by CID.
///
/// Every implementation hands back bytes only after checking they hash to the CID, so a
/// validator never recomputes an aggregate from substituted data.
public protocol BlobSource: Sendable {
    func bytes(of cid: String) throws -> [UInt8]
}

extension BlobSource {
    /// Fetches and decodes the update blobs `cids`, on all cores; a malformed blob is refused
    /// naming its CID.
    public func updates(_ cids: [String]) throws -> [ModelUpdate] {
        try concurrentMap(cids.count) { k in
            let blob = try bytes(of: cids[k])
            do { return try ModelUpdate(decoding: blob) } catch {
                throw FederationError("update \(cids[k]): \(error)")
            }
        }
    }
}

/// A node's own encrypted blockstore, falling back to its peers' stores (the in-process
/// transport; the network issue replaces the peers with remote fetches). A peer cannot pass
/// off other bytes: the file is read from its root CID down, and every block is re-hashed
/// against the CID its parent names before its bytes are used (`Blockstore.reader(for:)`).
/// With `keepsFetched` the blob is also stored (and pinned) locally — the master keeps the
/// updates it aggregates; a validator that only re-checks an aggregate need not.
public struct LocalFirstBlobSource: BlobSource {
    public let local: Blockstore
    public let peers: [Blockstore]
    public let keepsFetched: Bool

    public init(local: Blockstore, peers: [Blockstore] = [], keepsFetched: Bool = true) {
        self.local = local
        self.peers = peers
        self.keepsFetched = keepsFetched
    }

    public func bytes(of text: String) throws -> [UInt8] {
        let cid: CID
        do { cid = try CID(parsing: text) } catch { throw FederationError("malformed CID '\(text)': \(error)") }
        if local.has(cid) { return try local.bytes(of: cid) }
        for peer in peers where peer.has(cid) {
            let bytes = try peer.bytes(of: cid)
            if keepsFetched {
                let stored = try local.put(bytes: bytes, pin: true).root
                guard stored == cid else {
                    throw FederationError("blob \(cid) re-imports as \(stored) (made with other import options); not kept")
                }
            }
            return bytes
        }
        throw FederationError("blob \(cid) is in no reachable store")
    }
}
