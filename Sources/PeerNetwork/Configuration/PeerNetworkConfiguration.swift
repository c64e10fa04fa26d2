import Ledger

/// How a `PeerNetwork` listens, whom it dials and what it accepts.
///
/// Links are dialed by the validator with the smaller public key: a node dials the entries
/// of `peers` whose key is greater than its own and waits for the others to dial it. So
/// every pair of validators has exactly one link, and the node that dialed it is the one
/// that redials after a failure. A node whose `peers` lacks a greater key simply waits
/// (that peer cannot be reached from here); an entry for a smaller key is kept only for
/// documentation.
public struct PeerNetworkConfiguration: Sendable {
    /// Every frame names the chain in its hello; a peer of another chain is refused.
    public var chainID: String
    /// Where to listen; port 0 picks a free port (see `PeerNetwork.boundPort`).
    public var listen: PeerAddress
    /// Validators this node knows the address of.
    public var peers: [PublicKey: PeerAddress]
    /// Who may connect at all: the genesis validators. Everyone else is refused.
    public var validators: Set<PublicKey>
    /// Frames whose payload is larger are refused and the link closed. Default 20 MiB + 64
    /// bytes (the consensus message limit plus room for the frame header).
    public var maxMessageBytes: Int
    /// First redial delay after a failure (default 100 ms); doubles per failure.
    public var reconnectInitialMs: UInt64
    /// Upper bound of the redial delay (default 10 s). Each delay is drawn uniformly from
    /// [d/2, d] so nodes restarted together do not redial in lockstep.
    public var reconnectMaxMs: UInt64
    /// A link must finish TLS and the hello within this time (default 10 s).
    public var handshakeTimeoutMs: UInt64
    /// `fetch(cid:from:)` gives up after this long (default 30 s).
    public var fetchTimeoutMs: UInt64
    /// A ping is sent after this much silence; a link silent for three intervals is closed
    /// (default 5 s).
    public var keepaliveIntervalMs: UInt64
    /// Lifetime of the certificate issued at start (default 1 year).
    public var certificateLifetimeSeconds: Int64
    /// Connections still in TLS or the hello beyond this many are closed at once (default 64),
    /// so unauthenticated clients cannot pile up handshakes.
    public var maxPendingConnections: Int
    /// Consensus messages to a peer whose link has more than this many bytes waiting to be
    /// written are dropped (default 64 MiB): a slow peer cannot make this node buffer without
    /// bound. Consensus re-gossips, so the peer catches up once it reads again.
    public var maxQueuedBytesPerPeer: Int

    public init(chainID: String, listen: PeerAddress, peers: [PublicKey: PeerAddress] = [:],
                validators: Set<PublicKey>, maxMessageBytes: Int = 20 * 1024 * 1024 + 64,
                reconnectInitialMs: UInt64 = 100, reconnectMaxMs: UInt64 = 10_000,
                handshakeTimeoutMs: UInt64 = 10_000, fetchTimeoutMs: UInt64 = 30_000,
                keepaliveIntervalMs: UInt64 = 5_000, certificateLifetimeSeconds: Int64 = 365 * 24 * 3600,
                maxPendingConnections: Int = 64, maxQueuedBytesPerPeer: Int = 64 << 20) {
        self.chainID = chainID
        self.listen = listen
        self.peers = peers
        self.validators = validators
        self.maxMessageBytes = maxMessageBytes
        self.reconnectInitialMs = reconnectInitialMs
        self.reconnectMaxMs = reconnectMaxMs
        self.handshakeTimeoutMs = handshakeTimeoutMs
        self.fetchTimeoutMs = fetchTimeoutMs
        self.keepaliveIntervalMs = keepaliveIntervalMs
        self.certificateLifetimeSeconds = certificateLifetimeSeconds
        self.maxPendingConnections = maxPendingConnections
        self.maxQueuedBytesPerPeer = maxQueuedBytesPerPeer
    }
}
