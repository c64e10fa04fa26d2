import ContentStore
import Foundation

/// Where a node gets the blobs (updates, models) a transaction names by CID.
///
/// Every implementation hands back bytes only after checking they hash to the CID, so a
/// validator never recomputes an aggregate from substituted data.
public protocol BlobSource: Sendable {
    func bytes(of cid: String) throws -> [UInt8]
}

/// A node's own encrypted blockstore, falling back to its peers' stores (the in-process
/// transport; the network issue replaces the peers with remote fetches). A blob fetched from a
/// peer has its CID recomputed from the bytes: a peer cannot pass off other bytes. With
/// `keepsFetched` the blob is also stored (and pinned) locally — the master keeps the updates
/// it aggregates; a validator that only re-checks an aggregate need not.
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
            let actual: CID
            if keepsFetched {
                actual = try local.put(bytes: bytes, pin: true).root
            } else {
                var source = MemoryByteSource(bytes)
                actual = try UnixFSImporter(options: ImportOptions(cidVersion: cid.version)).cid(of: &source)
            }
            guard actual == cid else {
                throw FederationError("a peer returned bytes for \(cid) that hash to \(actual)")
            }
            return bytes
        }
        throw FederationError("blob \(cid) is in no reachable store")
    }
}
