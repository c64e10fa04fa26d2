import Crypto
import Foundation

/// The RFC 6962 (Certificate Transparency) Merkle tree over a block's transactions.
///
/// Leaf hash `SHA-256(0x00 ‖ leaf)`, interior `SHA-256(0x01 ‖ left ‖ right)`, the empty tree
/// `SHA-256("")`, and for `n > 1` leaves the left subtree holds the largest power of two below
/// `n`. Built bottom-up, pairing neighbours and carrying an unpaired last node up unchanged,
/// which gives exactly that shape. Unlike Bitcoin's tree no node is duplicated, so two lists of
/// transactions never share a root (CVE-2012-2459).
public struct MerkleTree: Sendable {
    /// `levels[0]` are the leaf hashes, the last level holds the root.
    private let levels: [[Hash256]]

    /// A tree over raw leaves (each hashed with the 0x00 prefix).
    public init(leaves: [[UInt8]]) {
        self.init(leafHashes: leaves.map(MerkleTree.leafHash))
    }

    /// A tree over already-computed leaf hashes.
    public init(leafHashes: [Hash256]) {
        var levels = [leafHashes]
        while let last = levels.last, last.count > 1 {
            var next: [Hash256] = []
            next.reserveCapacity((last.count + 1) / 2)
            var i = 0
            while i + 1 < last.count {
                next.append(MerkleTree.nodeHash(last[i], last[i + 1]))
                i += 2
            }
            if i < last.count { next.append(last[i]) }
            levels.append(next)
        }
        self.levels = levels
    }

    public var count: Int { levels[0].count }

    /// The root; `SHA-256("")` for no leaves.
    public var root: Hash256 {
        levels[0].isEmpty ? Hash256.sha256([UInt8]()) : levels[levels.count - 1][0]
    }

    /// The inclusion proof (audit path) of leaf `index`, nearest sibling first.
    public func proof(forLeafAt index: Int) -> MerkleProof {
        precondition(index >= 0 && index < count, "leaf \(index) is outside a tree of \(count)")
        var path: [Hash256] = []
        var i = index
        for level in levels.dropLast() {
            if i % 2 == 1 {
                path.append(level[i - 1])
            } else if i + 1 < level.count {
                path.append(level[i + 1])
            }
            i /= 2
        }
        return MerkleProof(leafIndex: UInt64(index), treeSize: UInt64(count), path: path)
    }

    public static func leafHash(_ leaf: some DataProtocol) -> Hash256 {
        var hasher = SHA256()
        hasher.update(data: [0x00] as [UInt8])
        hasher.update(data: leaf)
        return Hash256(hasher.finalize())
    }

    public static func leafHash(_ leaf: Hash256) -> Hash256 { Hash256.sha256(prefix: 0x00, CollectionOfOne(leaf)) }

    public static func nodeHash(_ left: Hash256, _ right: Hash256) -> Hash256 { Hash256.sha256(prefix: 0x01, [left, right]) }
}

/// Proof that a leaf is at `leafIndex` in a tree of `treeSize` leaves with a given root.
public struct MerkleProof: Sendable, Equatable, Codable {
    public var leafIndex: UInt64
    public var treeSize: UInt64
    /// Sibling hashes from the leaf's level upwards; levels where the node has no sibling (it is
    /// the unpaired last node, carried up) contribute nothing.
    public var path: [Hash256]

    public init(leafIndex: UInt64, treeSize: UInt64, path: [Hash256]) {
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.path = path
    }

    /// The root this proof leads to from `leafHash`, or nil when the path has the wrong length
    /// for the index and size.
    public func root(fromLeafHash leafHash: Hash256) -> Hash256? {
        guard leafIndex < treeSize else { return nil }
        var index = leafIndex, size = treeSize, node = leafHash
        var remaining = path[...]
        while size > 1 {
            if index % 2 == 1 {
                guard let sibling = remaining.popFirst() else { return nil }
                node = MerkleTree.nodeHash(sibling, node)
            } else if index + 1 < size {
                guard let sibling = remaining.popFirst() else { return nil }
                node = MerkleTree.nodeHash(node, sibling)
            }
            index /= 2
            size = (size + 1) / 2
        }
        return remaining.isEmpty ? node : nil
    }

    /// True when this proof shows `leafHash` at `leafIndex` under `root`.
    public func verifies(leafHash: Hash256, root: Hash256) -> Bool {
        self.root(fromLeafHash: leafHash) == root
    }
}
