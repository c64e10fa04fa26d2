import Ledger

/// What went wrong in a `PeerNetwork` call.
public enum PeerNetworkError: Error, Sendable, CustomStringConvertible {
    /// `start()` was called twice, or after `shutdown()`.
    case alreadyStarted
    /// The network is not running (never started, or shut down).
    case notRunning
    /// The listen address could not be bound.
    case cannotListen(PeerAddress, reason: String)
    /// The node's key is not one of `validators`.
    case notAValidator(PublicKey)
    /// The text is not a CID.
    case invalidCID(String, reason: String)
    /// No authenticated link to the peer.
    case notConnected(PublicKey)
    /// The peer has no blob with this CID.
    case contentNotFound(cid: String, peer: PublicKey)
    /// The peer answered with bytes that do not hash to the CID.
    case contentMismatch(cid: String, peer: PublicKey)
    /// The link closed before the answer came.
    case disconnected(PublicKey)
    /// No answer within `fetchTimeoutMs`.
    case timedOut(cid: String, peer: PublicKey, afterMs: UInt64)
    /// The node certificate could not be made.
    case certificate(String)

    public var description: String {
        switch self {
        case .alreadyStarted: "the peer network was already started (it cannot be restarted: make a new one)"
        case .notRunning: "the peer network is not running; call start() first"
        case .cannotListen(let address, let reason): "cannot listen on \(address): \(reason); pick another port or free this one"
        case .notAValidator(let key): "this node's key \(key.shortHex)… is not a genesis validator; check the key file and the genesis"
        case .invalidCID(let text, let reason): "\"\(text)\" is not a CID: \(reason)"
        case .notConnected(let key): "no link to validator \(key.shortHex)…; check its address and that it runs"
        case .contentNotFound(let cid, let peer): "validator \(peer.shortHex)… does not have \(cid)"
        case .contentMismatch(let cid, let peer): "validator \(peer.shortHex)… sent bytes that do not hash to \(cid); refused"
        case .disconnected(let key): "the link to validator \(key.shortHex)… closed before it answered"
        case .timedOut(let cid, let peer, let ms): "validator \(peer.shortHex)… did not send \(cid) within \(ms) ms"
        case .certificate(let why): "cannot make the node certificate: \(why)"
        }
    }
}
