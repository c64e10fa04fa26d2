import Consensus
import Foundation
import Ledger

/// The daemon's settings: `HOME/node.json`, next to the `NodeHome` files (`config.json`,
/// `keys/identity.ed25519`, `chain/<chain-id>/…`).
///
/// Every field but `peers` has a default, so the smallest file is `{}` for a chain whose only
/// validator is this node. Unknown fields are refused (a typo must not silently fall back to
/// a default). Example (docs/node.md lists every field):
///
/// ```json
/// {
///   "chainID": "medchain-testnet",
///   "listen": "0.0.0.0:26656",
///   "status": "127.0.0.1:26657",
///   "peers": { "hospital-b": "10.0.0.2:26656", "hospital-c": "10.0.0.3:26656" },
///   "consensus": { "timeouts": { "proposeMs": 3000 }, "gossipIntervalMs": 1000 },
///   "limits": { "maxMessageBytes": 20971520, "maxRequestBytes": 1048576 }
/// }
/// ```
public struct NodeConfiguration: Sendable, Hashable, Codable {
    public static let fileName = "node.json"

    /// The chain this node runs; nil: the home's default chain (`config.json`'s `chainID`).
    public var chainID: String?
    /// Where peers connect (TLS). Default `0.0.0.0:26656`.
    public var listen: NodeAddress
    /// The HTTP status endpoint. Default `127.0.0.1:26657`: loopback, so `POST /tx` is not
    /// open to the network unless the operator says so.
    public var status: NodeAddress
    /// Validator name (as in the genesis) → where it listens. Keys come from the genesis.
    public var peers: [String: NodeAddress]
    public var consensus: Consensus
    public var limits: Limits
    public var network: Network
    public var paths: Paths
    /// This node's share of training data for federated tasks; nil: the node orders and
    /// verifies federation transactions but does not train.
    public var participant: Participant?

    public init(chainID: String? = nil, listen: NodeAddress = NodeAddress(host: "0.0.0.0", port: 26_656),
                status: NodeAddress = NodeAddress(host: "127.0.0.1", port: 26_657), peers: [String: NodeAddress] = [:],
                consensus: Consensus = Consensus(), limits: Limits = Limits(), network: Network = Network(), paths: Paths = Paths(),
                participant: Participant? = nil) {
        self.chainID = chainID
        self.listen = listen
        self.status = status
        self.peers = peers
        self.consensus = consensus
        self.limits = limits
        self.network = network
        self.paths = paths
        self.participant = participant
    }

    /// Consensus settings local to this node (the rules every validator must share are fixed
    /// in `ConsensusRules`).
    public struct Consensus: Sendable, Hashable, Codable {
        /// Round timeouts; a field left out takes the genesis value (`proposeMs`, `prevoteMs`,
        /// `precommitMs`) or the default (deltas 500 ms, `commitMs` `Timeouts.defaultCommitMs`).
        public var timeouts: Timeouts
        /// How often the node re-sends its proposal and votes of the current height. Default 1000.
        public var gossipIntervalMs: UInt64
        /// fsync the write-ahead log before acting on a message. Default true; turning it
        /// off risks signing conflicting votes after a power loss.
        public var synchronousLog: Bool
        /// With an empty mempool, wait up to this long after a commit before starting the next
        /// height (a transaction, or a peer's message of that height, starts it at once), so
        /// an idle chain makes one empty block per interval instead of spinning. 0: never
        /// wait. Default 1000.
        public var emptyBlockIntervalMs: UInt64

        public init(timeouts: Timeouts = Timeouts(), gossipIntervalMs: UInt64 = 1000, synchronousLog: Bool = true,
                    emptyBlockIntervalMs: UInt64 = 1000) {
            self.timeouts = timeouts
            self.gossipIntervalMs = gossipIntervalMs
            self.synchronousLog = synchronousLog
            self.emptyBlockIntervalMs = emptyBlockIntervalMs
        }
    }

    /// Overrides of `TimeoutPolicy`, in milliseconds.
    public struct Timeouts: Sendable, Hashable, Codable {
        public var proposeMs: UInt64?
        public var proposeDeltaMs: UInt64?
        public var prevoteMs: UInt64?
        public var prevoteDeltaMs: UInt64?
        public var precommitMs: UInt64?
        public var precommitDeltaMs: UInt64?
        public var commitMs: UInt64?

        public init(proposeMs: UInt64? = nil, proposeDeltaMs: UInt64? = nil, prevoteMs: UInt64? = nil, prevoteDeltaMs: UInt64? = nil,
                    precommitMs: UInt64? = nil, precommitDeltaMs: UInt64? = nil, commitMs: UInt64? = nil) {
            self.proposeMs = proposeMs
            self.proposeDeltaMs = proposeDeltaMs
            self.prevoteMs = prevoteMs
            self.prevoteDeltaMs = prevoteDeltaMs
            self.precommitMs = precommitMs
            self.precommitDeltaMs = precommitDeltaMs
            self.commitMs = commitMs
        }

        /// After a commit, a node waits this long before it starts the next height, so the
        /// transactions that arrive meanwhile share one block (each block has a fixed cost: a
        /// proposal, 2 × n votes, n SQLite commits and log rotations). CometBFT's
        /// `timeout_commit` plays the same part (1 s there by default).
        public static let defaultCommitMs: UInt64 = 100

        /// The genesis policy with these overrides applied.
        public func policy(genesis: ConsensusParameters) -> TimeoutPolicy {
            var policy = TimeoutPolicy(genesis: genesis)
            if let proposeMs { policy.proposeMs = proposeMs }
            if let proposeDeltaMs { policy.proposeDeltaMs = proposeDeltaMs }
            if let prevoteMs { policy.prevoteMs = prevoteMs }
            if let prevoteDeltaMs { policy.prevoteDeltaMs = prevoteDeltaMs }
            if let precommitMs { policy.precommitMs = precommitMs }
            if let precommitDeltaMs { policy.precommitDeltaMs = precommitDeltaMs }
            policy.commitMs = commitMs ?? Self.defaultCommitMs
            return policy
        }
    }

    public struct Limits: Sendable, Hashable, Codable {
        /// Largest peer message (a proposal carries a whole block). Default 20 MiB.
        public var maxMessageBytes: Int
        /// Largest HTTP request body (`POST /tx`). Default 1 MiB.
        public var maxRequestBytes: Int
        /// Longest wait of a `GET /blocks?wait=` long poll. Default 30,000 ms.
        public var maxWaitMs: UInt64

        public init(maxMessageBytes: Int = 20 << 20, maxRequestBytes: Int = 1 << 20, maxWaitMs: UInt64 = 30_000) {
            self.maxMessageBytes = maxMessageBytes
            self.maxRequestBytes = maxRequestBytes
            self.maxWaitMs = maxWaitMs
        }
    }

    /// Peer link behaviour.
    public struct Network: Sendable, Hashable, Codable {
        /// First reconnect delay after a link drops; doubles up to `reconnectMaxMs`. Default 100.
        public var reconnectInitialMs: UInt64
        /// Default 5,000.
        public var reconnectMaxMs: UInt64

        public init(reconnectInitialMs: UInt64 = 100, reconnectMaxMs: UInt64 = 5_000) {
            self.reconnectInitialMs = reconnectInitialMs
            self.reconnectMaxMs = reconnectMaxMs
        }
    }

    /// The federated participant's data (`FederatedParticipant`).
    public struct Participant: Sendable, Hashable, Codable {
        /// A MedMNIST-layout `.npz` (train and validation splits) or CSV, relative to the home
        /// unless absolute.
        public var data: String
        /// The ε budget the node declares when it registers the share. Default 10.
        public var epsilonBudget: Double
        /// The task's class count, when the share may lack the highest label (a MedMNIST file
        /// says nothing of classes it does not hold). Nil: the labels found.
        public var classes: Int?

        public init(data: String, epsilonBudget: Double = 10, classes: Int? = nil) {
            self.data = data
            self.epsilonBudget = epsilonBudget
            self.classes = classes
        }
    }

    /// File locations, relative to the home unless absolute. Nil: the `NodeHome` layout
    /// (`chain/<chain-id>/ledger.sqlite`, `consensus/<chain-id>/wal`).
    public struct Paths: Sendable, Hashable, Codable {
        public var ledger: String?
        public var wal: String?

        public init(ledger: String? = nil, wal: String? = nil) {
            self.ledger = ledger
            self.wal = wal
        }
    }
}

// MARK: Decoding with defaults and field-named errors

extension NodeConfiguration {
    enum Key: String, CodingKey, CaseIterable { case chainID, listen, status, peers, consensus, limits, network, paths, participant }

    public init(from decoder: any Decoder) throws {
        try Self.refuseUnknownKeys(decoder, allowed: Key.allCases)
        let c = try decoder.container(keyedBy: Key.self)
        let defaults = NodeConfiguration()
        self.init(chainID: try c.decodeIfPresent(String.self, forKey: .chainID),
                  listen: try c.decodeIfPresent(NodeAddress.self, forKey: .listen) ?? defaults.listen,
                  status: try c.decodeIfPresent(NodeAddress.self, forKey: .status) ?? defaults.status,
                  peers: try c.decodeIfPresent([String: NodeAddress].self, forKey: .peers) ?? [:],
                  consensus: try c.decodeIfPresent(Consensus.self, forKey: .consensus) ?? defaults.consensus,
                  limits: try c.decodeIfPresent(Limits.self, forKey: .limits) ?? defaults.limits,
                  network: try c.decodeIfPresent(Network.self, forKey: .network) ?? defaults.network,
                  paths: try c.decodeIfPresent(Paths.self, forKey: .paths) ?? defaults.paths,
                  participant: try c.decodeIfPresent(Participant.self, forKey: .participant))
    }

    /// Throws `dataCorrupted` at the first key not in `allowed`, naming the known ones.
    static func refuseUnknownKeys<K: CodingKey>(_ decoder: any Decoder, allowed: [K]) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(allowed.map(\.stringValue))
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !known.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath + [key],
                debugDescription: "unknown field; known fields here: \(allowed.map(\.stringValue).joined(separator: ", "))"))
        }
    }
}

extension KeyedDecodingContainer {
    /// A non-negative whole number. Decoded as a `Double` and checked here: Foundation reports
    /// `-1` or `1.5` for an integer field without the field's path.
    func decodeWhole(_ key: Key) throws -> Int? {
        guard let value = try decodeIfPresent(Double.self, forKey: key) else { return nil }
        guard value >= 0, value == value.rounded(), value < 9.0e15 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must be a whole number ≥ 0")
        }
        return Int(value)
    }

    func decodeMilliseconds(_ key: Key) throws -> UInt64? { try decodeWhole(key).map(UInt64.init) }
}

/// Any key of a JSON object, to list the ones present.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension NodeConfiguration.Consensus {
    enum Key: String, CodingKey, CaseIterable { case timeouts, gossipIntervalMs, synchronousLog, emptyBlockIntervalMs }

    public init(from decoder: any Decoder) throws {
        try NodeConfiguration.refuseUnknownKeys(decoder, allowed: Key.allCases)
        let c = try decoder.container(keyedBy: Key.self)
        self.init(timeouts: try c.decodeIfPresent(NodeConfiguration.Timeouts.self, forKey: .timeouts) ?? .init(),
                  gossipIntervalMs: try c.decodeMilliseconds(.gossipIntervalMs) ?? 1000,
                  synchronousLog: try c.decodeIfPresent(Bool.self, forKey: .synchronousLog) ?? true,
                  emptyBlockIntervalMs: try c.decodeMilliseconds(.emptyBlockIntervalMs) ?? 1000)
    }
}

extension NodeConfiguration.Timeouts {
    enum Key: String, CodingKey, CaseIterable {
        case proposeMs, proposeDeltaMs, prevoteMs, prevoteDeltaMs, precommitMs, precommitDeltaMs, commitMs
    }

    public init(from decoder: any Decoder) throws {
        try NodeConfiguration.refuseUnknownKeys(decoder, allowed: Key.allCases)
        let c = try decoder.container(keyedBy: Key.self)
        self.init(proposeMs: try c.decodeMilliseconds(.proposeMs),
                  proposeDeltaMs: try c.decodeMilliseconds(.proposeDeltaMs),
                  prevoteMs: try c.decodeMilliseconds(.prevoteMs),
                  prevoteDeltaMs: try c.decodeMilliseconds(.prevoteDeltaMs),
                  precommitMs: try c.decodeMilliseconds(.precommitMs),
                  precommitDeltaMs: try c.decodeMilliseconds(.precommitDeltaMs),
                  commitMs: try c.decodeMilliseconds(.commitMs))
    }
}

extension NodeConfiguration.Limits {
    enum Key: String, CodingKey, CaseIterable { case maxMessageBytes, maxRequestBytes, maxWaitMs }

    public init(from decoder: any Decoder) throws {
        try NodeConfiguration.refuseUnknownKeys(decoder, allowed: Key.allCases)
        let c = try decoder.container(keyedBy: Key.self)
        let d = Self()
        self.init(maxMessageBytes: try c.decodeWhole(.maxMessageBytes) ?? d.maxMessageBytes,
                  maxRequestBytes: try c.decodeWhole(.maxRequestBytes) ?? d.maxRequestBytes,
                  maxWaitMs: try c.decodeMilliseconds(.maxWaitMs) ?? d.maxWaitMs)
    }
}

extension NodeConfiguration.Network {
    enum Key: String, CodingKey, CaseIterable { case reconnectInitialMs, reconnectMaxMs }

    public init(from decoder: any Decoder) throws {
        try NodeConfiguration.refuseUnknownKeys(decoder, allowed: Key.allCases)
        let c = try decoder.container(keyedBy: Key.self)
        let d = Self()
        self.init(reconnectInitialMs: try c.decodeMilliseconds(.reconnectInitialMs) ?? d.reconnectInitialMs,
                  reconnectMaxMs: try c.decodeMilliseconds(.reconnectMaxMs) ?? d.reconnectMaxMs)
    }
}

extension NodeConfiguration.Paths {
    enum Key: String, CodingKey, CaseIterable { case ledger, wal }

    public init(from decoder: any Decoder) throws {
        try NodeConfiguration.refuseUnknownKeys(decoder, allowed: Key.allCases)
        let c = try decoder.container(keyedBy: Key.self)
        self.init(ledger: try c.decodeIfPresent(String.self, forKey: .ledger), wal: try c.decodeIfPresent(String.self, forKey: .wal))
    }
}

extension NodeConfiguration.Participant {
    enum Key: String, CodingKey, CaseIterable { case data, epsilonBudget, classes }

    public init(from decoder: any Decoder) throws {
        try NodeConfiguration.refuseUnknownKeys(decoder, allowed: Key.allCases)
        let c = try decoder.container(keyedBy: Key.self)
        let budget = try c.decodeIfPresent(Double.self, forKey: .epsilonBudget) ?? 10
        guard budget > 0, budget.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: .epsilonBudget, in: c, debugDescription: "must be a number > 0")
        }
        self.init(data: try c.decode(String.self, forKey: .data), epsilonBudget: budget, classes: try c.decodeWhole(.classes))
    }
}
