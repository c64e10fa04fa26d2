import Ledger

/// A proposer's signature over its proposal for one height and round.
///
/// Sign bytes: `"medchain/proposal/v1" ‖ string chainID ‖ u64 height ‖ u32 round ‖
/// u8 hasPolRound ‖ [u32 polRound] ‖ blockID[32] ‖ attachmentsHash[32]`. The attachments
/// (invalid proposals the block's evidence accuses) are covered, so nobody can strip or swap
/// them to make an honest proposal look invalid. This small signed core is what
/// invalid-proposal `Evidence.proof` holds.
public struct SignedProposal: Hashable, Sendable {
    public static let domain = Array("medchain/proposal/v1".utf8)

    public var height: UInt64
    public var round: UInt32
    /// The round of the polka that made this block the proposer's valid block (Tendermint's
    /// `validRound`), nil for a fresh block.
    public var polRound: UInt32?
    public var blockID: Hash256
    public var attachmentsHash: Hash256
    public var proposer: PublicKey
    public var signature: Signature

    public static func signBytes(chainID: String, height: UInt64, round: UInt32, polRound: UInt32?, blockID: Hash256,
                                 attachmentsHash: Hash256) -> [UInt8] {
        var writer = CanonicalWriter()
        writer.write(raw: domain)
        writer.write(chainID)
        writer.write(height)
        writer.write(round)
        writer.write(polRound != nil)
        if let polRound { writer.write(polRound) }
        writer.write(blockID)
        writer.write(attachmentsHash)
        return writer.bytes
    }

    /// - Parameter cache: where verified signatures are remembered (a node passes its own).
    public func hasValidSignature(chainID: String, cache: SignatureCache = .shared) -> Bool {
        cache.isValid(signature, by: proposer, for: SignedProposal.signBytes(
            chainID: chainID, height: height, round: round, polRound: polRound, blockID: blockID, attachmentsHash: attachmentsHash))
    }
}

extension SignedProposal: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(height)
        writer.write(round)
        writer.write(polRound != nil)
        if let polRound { writer.write(polRound) }
        writer.write(blockID)
        writer.write(attachmentsHash)
        writer.write(proposer)
        writer.write(signature)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        height = try reader.readUInt64("height")
        round = try reader.readUInt32("round")
        polRound = try reader.readBool("has pol round") ? try reader.readUInt32("pol round") : nil
        blockID = try Hash256(from: &reader)
        attachmentsHash = try Hash256(from: &reader)
        proposer = try PublicKey(from: &reader)
        signature = try Signature(from: &reader)
    }
}

/// A proposal as sent: the signed core, the block, and the accused proposals (with their
/// blocks) that the block's invalid-proposal evidence refers to, so every validator can
/// re-check each accusation itself.
public struct ProposalMessage: Hashable, Sendable {
    public var signed: SignedProposal
    public var block: Block
    public var accused: [AccusedProposal]

    public init(signed: SignedProposal, block: Block, accused: [AccusedProposal]) {
        self.signed = signed
        self.block = block
        self.accused = accused
    }

    /// Signs a proposal of `block` at `round`.
    public static func make(chainID: String, round: UInt32, polRound: UInt32?, block: Block, accused: [AccusedProposal],
                            key: SigningKey) -> ProposalMessage {
        let hash = attachmentsHash(accused)
        let bytes = SignedProposal.signBytes(chainID: chainID, height: block.height, round: round, polRound: polRound,
                                             blockID: block.id, attachmentsHash: hash)
        let signed = SignedProposal(height: block.height, round: round, polRound: polRound, blockID: block.id, attachmentsHash: hash,
                                    proposer: key.publicKey, signature: key.sign(bytes))
        return ProposalMessage(signed: signed, block: block, accused: accused)
    }

    public static func attachmentsHash(_ accused: [AccusedProposal]) -> Hash256 {
        var writer = CanonicalWriter()
        writer.write(accused)
        return Hash256.sha256(writer.bytes)
    }

    /// Signature valid, block hashing to the signed ID, attachments matching the signed hash.
    public func isAuthentic(chainID: String, cache: SignatureCache = .shared) -> Bool {
        signed.blockID == block.id && signed.height == block.height
            && signed.attachmentsHash == ProposalMessage.attachmentsHash(accused)
            && signed.hasValidSignature(chainID: chainID, cache: cache)
    }

    public var accusedProposal: AccusedProposal { AccusedProposal(signed: signed, block: block) }
}

extension ProposalMessage: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        signed.encode(to: &writer)
        block.encode(to: &writer)
        writer.write(accused)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        signed = try SignedProposal(from: &reader)
        block = try Block(from: &reader)
        accused = try reader.readArray(of: AccusedProposal.self, "accused proposals")
    }
}
