/// A block: its header and its transactions' canonical bytes, in order.
///
/// Consensus moves blocks as opaque bytes; only the ledger application interprets them.
public struct Block: Hashable, Sendable {
    public var header: BlockHeader
    public var transactions: [[UInt8]]

    public init(header: BlockHeader, transactions: [[UInt8]]) {
        self.header = header
        self.transactions = transactions
    }

    public var id: Hash256 { header.id }
    public var height: UInt64 { header.height }

    /// The Merkle tree over this block's transaction hashes (RFC 6962, leaves = 32-byte hashes).
    public static func merkleTree(transactionHashes: [Hash256]) -> MerkleTree {
        MerkleTree(leafHashes: transactionHashes.map(MerkleTree.leafHash))
    }
}

/// A block together with the certificate that committed it.
public struct CommittedBlock: Hashable, Sendable {
    public var block: Block
    public var certificate: CommitCertificate

    public init(block: Block, certificate: CommitCertificate) {
        self.block = block
        self.certificate = certificate
    }
}
