import Foundation
import Ledger

/// One authenticated link, as the node's status endpoint shows it.
public struct PeerLinkInfo: Sendable, Hashable {
    public var peer: PublicKey
    /// The name the peer gave in its hello (informational: only `peer` is authenticated).
    public var name: String
    /// True when this node dialed the link.
    public var outbound: Bool
    public var remoteAddress: String
    /// The negotiated TLS version, e.g. "TLSv1.3".
    public var tlsVersion: String
    public var establishedAt: Date
}
