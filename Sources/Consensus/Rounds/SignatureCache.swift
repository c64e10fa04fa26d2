import Foundation
import Ledger

/// Remembers signatures already verified, so a vote that arrives again (gossip re-sends,
/// relays, equivocation proofs re-checked in every block that carries them) costs a hash
/// lookup instead of an Ed25519 verification.
///
/// Each `ConsensusNode` keeps its own, for the messages it receives: nodes simulated in one
/// process must not vouch for each other's checks. `shared` serves the rest of a process.
///
/// Keyed by SHA-256 of `key ‖ signature ‖ message`; only successes are stored, so a miss is
/// always re-verified. Bounded: cleared when it reaches `capacity` entries.
public final class SignatureCache: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    public static let shared = SignatureCache()

    private let lock = NSLock()
    private var verified: Set<Hash256> = []
    public let capacity: Int

    public init(capacity: Int = 1 << 16) { self.capacity = capacity }

    public func isValid(_ signature: Signature, by key: PublicKey, for message: [UInt8]) -> Bool {
        var material = key.bytes
        material.append(contentsOf: signature.bytes)
        material.append(contentsOf: message)
        let id = Hash256.sha256(material)
        if lock.withLock({ verified.contains(id) }) { return true }
        guard key.isValidSignature(signature, for: message) else { return false }
        lock.withLock {
            if verified.count >= capacity { verified.removeAll(keepingCapacity: true) }
            verified.insert(id)
        }
        return true
    }
}
