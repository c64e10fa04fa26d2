/// Why a connection, a frame or a fetched blob was refused. Every refusal is logged at
/// warning level with its reason and the remote address, and counted in
/// `PeerNetworkStatistics.refusals`.
public enum RefusalReason: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The certificate's key is not a genesis validator.
    case unknownPeer = "unknown_peer"
    /// The certificate names one validator (subject) but carries another key, its
    /// self-signature does not verify, or the hello names a key other than the certificate's.
    case identityMismatch = "identity_mismatch"
    /// The dialed peer answered with another validator's (valid) certificate.
    case unexpectedPeer = "unexpected_peer"
    /// The certificate is expired or not yet valid.
    case expiredCertificate = "expired_certificate"
    /// The certificate could not be parsed, is not Ed25519, or no certificate was sent.
    case badCertificate = "bad_certificate"
    /// TLS failed (garbage instead of TLS, an old TLS version, the peer refused us, ...).
    case handshakeFailed = "handshake_failed"
    /// TLS and the hello did not finish within `handshakeTimeoutMs`.
    case handshakeTimeout = "handshake_timeout"
    /// The hello names another chain.
    case wrongChain = "wrong_chain"
    /// The hello carries a protocol version this node does not speak.
    case unsupportedVersion = "unsupported_version"
    /// A frame other than hello came first, an unknown frame type, or a malformed payload.
    case protocolViolation = "protocol_violation"
    /// A frame larger than `maxMessageBytes`.
    case oversizedFrame = "oversized_frame"
    /// A fetched blob did not hash to the CID asked for.
    case contentMismatch = "content_mismatch"
    /// A link went silent for three keepalive intervals.
    case keepaliveTimeout = "keepalive_timeout"

    public var description: String { rawValue }
}

/// Counters of one `PeerNetwork`, for the node's Prometheus endpoint. Frame and byte counts
/// are of frames on authenticated links (bytes include the 5-byte frame header, not TLS).
public struct PeerNetworkStatistics: Sendable, Hashable {
    public var framesIn: UInt64 = 0
    public var framesOut: UInt64 = 0
    public var bytesIn: UInt64 = 0
    public var bytesOut: UInt64 = 0
    /// Consensus messages dropped because the peer was not connected.
    public var droppedNotConnected: UInt64 = 0
    /// Links that passed TLS and the hello, in either direction.
    public var linksEstablished: UInt64 = 0
    /// Outgoing connection attempts (first dials and redials).
    public var dials: UInt64 = 0
    public var contentRequestsServed: UInt64 = 0
    public var refusals: [RefusalReason: UInt64] = [:]

    public init() {}

    /// Refusals for `reason` (0 if none).
    public func refusals(_ reason: RefusalReason) -> UInt64 { refusals[reason] ?? 0 }

    public var totalRefusals: UInt64 { refusals.values.reduce(0, +) }
}
