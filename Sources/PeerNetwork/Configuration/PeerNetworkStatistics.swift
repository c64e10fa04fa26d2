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
    /// More than `maxPendingConnections` connections were in TLS or the hello.
    case tooManyPendingConnections = "too_many_pending_connections"

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
    /// Consensus messages dropped because the peer's link had `maxQueuedBytesPerPeer` waiting.
    public var droppedBackpressure: UInt64 = 0
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

extension PeerNetworkStatistics {
    /// The counters in the Prometheus text exposition format, one `# TYPE` line per metric
    /// and every refusal reason listed (0 when none), e.g.
    /// `medchain_network_refusals_total{reason="unknown_peer"} 2`.
    public func prometheusText(prefix: String = "medchain_network", connectedPeers: Int? = nil) -> String {
        var lines: [String] = []
        func counter(_ name: String, _ help: String, _ value: UInt64) {
            lines.append("# HELP \(prefix)_\(name) \(help)")
            lines.append("# TYPE \(prefix)_\(name) counter")
            lines.append("\(prefix)_\(name) \(value)")
        }
        counter("frames_in_total", "Frames received on authenticated links.", framesIn)
        counter("frames_out_total", "Frames sent on authenticated links.", framesOut)
        counter("bytes_in_total", "Frame bytes received, headers included.", bytesIn)
        counter("bytes_out_total", "Frame bytes sent, headers included.", bytesOut)
        counter("dropped_not_connected_total", "Consensus messages dropped for want of a link.", droppedNotConnected)
        counter("dropped_backpressure_total", "Consensus messages dropped because the peer was not reading.", droppedBackpressure)
        counter("links_established_total", "Links that passed TLS and the hello.", linksEstablished)
        counter("dials_total", "Outgoing connection attempts.", dials)
        counter("content_requests_served_total", "Fetch-by-CID requests answered.", contentRequestsServed)
        lines.append("# HELP \(prefix)_refusals_total Connections, frames and blobs refused, by reason.")
        lines.append("# TYPE \(prefix)_refusals_total counter")
        for reason in RefusalReason.allCases {
            lines.append("\(prefix)_refusals_total{reason=\"\(reason.rawValue)\"} \(refusals(reason))")
        }
        if let connectedPeers {
            lines.append("# HELP \(prefix)_connected_peers Validators with an authenticated link.")
            lines.append("# TYPE \(prefix)_connected_peers gauge")
            lines.append("\(prefix)_connected_peers \(connectedPeers)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
