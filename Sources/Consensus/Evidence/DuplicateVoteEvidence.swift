import Ledger

/// Two signed votes of one validator for different blocks in the same height, round and
/// type: proof of equivocation that anyone can check with the validator's public key alone.
///
/// It travels on chain as `Evidence` of kind `equivocation` whose `proof` is
/// `vote ‖ vote` (canonical `SignedVote`s, ordered by their encoding so every node that
/// sees the same pair files the same evidence, and a second filing is a duplicate).
public struct DuplicateVoteEvidence: Hashable, Sendable {
    public let first: SignedVote
    public let second: SignedVote

    /// Orders the pair canonically; nil unless the two votes really conflict.
    public init?(_ a: SignedVote, _ b: SignedVote) {
        guard a.slot == b.slot, a.blockID != b.blockID else { return nil }
        if a.canonicalBytes.lexicographicallyPrecedes(b.canonicalBytes) {
            first = a
            second = b
        } else {
            first = b
            second = a
        }
    }

    public var offender: PublicKey { first.validator }

    /// Both signatures verify and the votes conflict.
    public func verify(chainID: String) -> Bool {
        first.slot == second.slot && first.blockID != second.blockID
            && first.hasValidSignature(chainID: chainID) && second.hasValidSignature(chainID: chainID)
    }

    public var evidence: Evidence {
        func name(_ id: Hash256?) -> String { id.map { String($0.hex.prefix(16)) + "…" } ?? "nil" }
        var proof = CanonicalWriter()
        proof.write(first)
        proof.write(second)
        return Evidence(
            offender: offender, kind: .equivocation, height: first.height, blockID: .zero,
            detail: "height \(first.height) round \(first.round): two \(first.type)s, for \(name(first.blockID)) and \(name(second.blockID))",
            proof: proof.bytes)
    }

    /// Reads the pair back from an equivocation `Evidence`, nil if the proof is malformed or
    /// does not match the evidence's offender and height.
    public init?(evidence: Evidence) {
        guard evidence.kind == .equivocation else { return nil }
        var reader = CanonicalReader(bytes: evidence.proof, context: "equivocation proof")
        guard let a = try? SignedVote(from: &reader), let b = try? SignedVote(from: &reader), (try? reader.finish()) != nil,
              let pair = DuplicateVoteEvidence(a, b), pair.first == a,
              a.validator == evidence.offender, a.height == evidence.height else { return nil }
        self = pair
    }
}
