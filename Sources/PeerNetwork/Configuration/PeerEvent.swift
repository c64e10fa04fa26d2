import Ledger

/// What a `PeerNetwork` reports to its owner. Delivered on a network thread: hop to the
/// node's own queue before touching a `ConsensusNode` (see `SerialNodeDriver`).
public enum PeerEvent: Sendable {
    /// A consensus frame from an authenticated validator (an encoded `ConsensusMessage`).
    case message(from: PublicKey, bytes: [UInt8])
    /// A link to this validator passed TLS and the hello.
    case connected(PublicKey)
    /// The link to this validator closed.
    case disconnected(PublicKey)
}
