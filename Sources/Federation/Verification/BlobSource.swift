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
/// peer is re-imported locally, which recomputes its CID: a peer cannot pass off other bytes.
public struct LocalFirstBlobSource: BlobSource {
    public let local: Blockstore
    public let peers: [Blockstore]

    public init(local: Blockstore, peers: [Blockstore] = []) {
        self.local = local
        self.peers = peers
    }

    public func bytes(of text: String) throws -> [UInt8] {
        let cid: CID
        do { cid = try CID(parsing: text) } catch { throw FederationError("malformed CID '\(text)': \(error)") }
        if local.has(cid) { return try local.bytes(of: cid) }
        for peer in peers where peer.has(cid) {
            let bytes = try peer.bytes(of: cid)
            let stored = try local.put(bytes: bytes, pin: true)
            guard stored.root == cid else {
                throw FederationError("a peer returned bytes for \(cid) that hash to \(stored.root)")
            }
            return bytes
        }
        throw FederationError("blob \(cid) is in no reachable store")
    }
}
