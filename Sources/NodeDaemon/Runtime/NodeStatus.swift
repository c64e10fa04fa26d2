/// What `GET /status` reports: where this node is in the chain and who it talks to.
public struct NodeStatus: Codable, Sendable, Hashable {
    public var name: String
    public var chainID: String
    public var publicKey: String
    /// The committed height (the tip).
    public var height: UInt64
    /// The round of the height being decided.
    public var round: UInt32
    /// Hex ID of the last committed block (the genesis hash at height 0).
    public var lastBlockHash: String
    /// Milliseconds since 1970 in the last block's header.
    public var lastBlockTime: UInt64
    /// Names of the validators with a live link to this node.
    public var peersConnected: [String]
    public var peersConfigured: Int
    public var validators: Int
    public var mempoolSize: Int
    /// Names of the blacklisted masters (excluded from proposer selection).
    public var blacklist: [String]
    /// True when the node stopped itself after a storage failure (see the log).
    public var halted: Bool

    enum CodingKeys: String, CodingKey {
        case name, chainID = "chain_id", publicKey = "public_key", height, round, lastBlockHash = "last_block_hash"
        case lastBlockTime = "last_block_time", peersConnected = "peers_connected", peersConfigured = "peers_configured"
        case validators, mempoolSize = "mempool_size", blacklist, halted
    }
}

/// One committed block, as `GET /blocks` reports it.
public struct CommitSummary: Codable, Sendable, Hashable {
    public var height: UInt64
    public var hash: String
    public var round: UInt32
    public var proposer: String
    /// Hex hashes of the block's transactions, in block order.
    public var transactions: [String]
    /// When this node committed it (milliseconds since 1970).
    public var committedAt: UInt64

    enum CodingKeys: String, CodingKey {
        case height, hash, round, proposer, transactions, committedAt = "committed_at"
    }
}

/// The outcome of `NodeRuntime.submit(_:)`.
public enum SubmitOutcome: Sendable, Hashable {
    /// Admitted to the mempool and gossiped to the peers.
    case admitted(hash: String)
    /// Already waiting in the mempool (nothing gossiped again).
    case duplicate(hash: String)
    /// Refused; `reason` is a short code (`bad-signature`, `replayed-nonce`, …).
    case refused(reason: String, message: String)
}
