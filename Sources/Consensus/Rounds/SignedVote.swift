import Ledger

/// The two votes of a Tendermint round.
public enum VoteType: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case prevote = 1
    case precommit = 2

    public var description: String { self == .prevote ? "prevote" : "precommit" }
}

/// A validator's signed prevote or precommit for a block (or for nil: no block).
///
/// Sign bytes:
/// - precommit: exactly `CommitCertificate.voteMessage(chainID, height, round, blockID)`, so
///   2f+1 precommits for a block *are* its commit certificate; a nil precommit signs the
///   all-zero block ID, which no header hashes to;
/// - prevote: `"medchain/prevote/v1" ‖ string chainID ‖ u64 height ‖ u32 round ‖ blockID[32]`
///   (zero for nil), a different domain so a prevote can never pass as a precommit.
///
/// Wire encoding: `u8 type ‖ u64 height ‖ u32 round ‖ u8 hasBlock ‖ [blockID] ‖ validator[32] ‖ signature[64]`.
public struct SignedVote: Hashable, Sendable {
    public static let prevoteDomain = Array("medchain/prevote/v1".utf8)

    public var type: VoteType
    public var height: UInt64
    public var round: UInt32
    /// nil: a vote for no block.
    public var blockID: Hash256?
    public var validator: PublicKey
    public var signature: Signature

    public init(type: VoteType, height: UInt64, round: UInt32, blockID: Hash256?, validator: PublicKey, signature: Signature) {
        self.type = type
        self.height = height
        self.round = round
        self.blockID = blockID
        self.validator = validator
        self.signature = signature
    }

    public static func signBytes(chainID: String, type: VoteType, height: UInt64, round: UInt32, blockID: Hash256?) -> [UInt8] {
        switch type {
        case .precommit:
            return CommitCertificate.voteMessage(chainID: chainID, height: height, round: round, blockID: blockID ?? .zero)
        case .prevote:
            var writer = CanonicalWriter()
            writer.write(raw: prevoteDomain)
            writer.write(chainID)
            writer.write(height)
            writer.write(round)
            writer.write(blockID ?? .zero)
            return writer.bytes
        }
    }

    public static func sign(_ type: VoteType, chainID: String, height: UInt64, round: UInt32, blockID: Hash256?,
                            key: SigningKey) -> SignedVote {
        let bytes = signBytes(chainID: chainID, type: type, height: height, round: round, blockID: blockID)
        return SignedVote(type: type, height: height, round: round, blockID: blockID, validator: key.publicKey,
                          signature: key.sign(bytes))
    }

    /// - Parameter cache: where verified signatures are remembered (a node passes its own).
    public func hasValidSignature(chainID: String, cache: SignatureCache = .shared) -> Bool {
        cache.isValid(signature, by: validator, for: SignedVote.signBytes(
            chainID: chainID, type: type, height: height, round: round, blockID: blockID))
    }

    /// Where this vote sits: one vote per validator per slot, or it equivocates.
    public var slot: VoteSlot { VoteSlot(type: type, height: height, round: round, validator: validator) }

    /// This precommit as a commit-certificate vote.
    public var certificateVote: CommitCertificate.Vote { CommitCertificate.Vote(validator: validator, signature: signature) }
}

/// A validator's single vote position: type, height, round.
public struct VoteSlot: Hashable, Sendable {
    public var type: VoteType
    public var height: UInt64
    public var round: UInt32
    public var validator: PublicKey
}

extension SignedVote: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(type.rawValue)
        writer.write(height)
        writer.write(round)
        writer.write(blockID)
        writer.write(validator)
        writer.write(signature)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        let raw = try reader.readUInt8("vote type")
        guard let type = VoteType(rawValue: raw) else { throw reader.fail("unknown vote type \(raw)") }
        self.type = type
        height = try reader.readUInt64("height")
        round = try reader.readUInt32("round")
        blockID = try reader.readOptional(Hash256.self, "block ID")
        validator = try PublicKey(from: &reader)
        signature = try Signature(from: &reader)
    }
}
