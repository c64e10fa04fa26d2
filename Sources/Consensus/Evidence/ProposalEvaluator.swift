import Ledger

/// What a validator concludes about a proposal: `valid(v)` of the Tendermint algorithm.
public enum ProposalVerdict {
    /// Valid: the ledger staged the block (ready to commit if decided).
    case valid(StagedBlock)
    /// Invalid, with evidence against the proposer. `intrinsic` failures (the block itself
    /// breaks a rule: wrong blacklist, or the ledger's `stage` refuses it, including every
    /// `DomainValidator` such as the federation's aggregate recomputation) can be re-checked
    /// by anyone from the signed proposal and its block alone, so they become on-chain
    /// evidence; a false accusation (non-intrinsic) only earns nil prevotes.
    case invalid(Evidence, intrinsic: Bool)

    public var isValid: Bool { if case .valid = self { true } else { false } }
    public var evidence: Evidence? { if case .invalid(let evidence, _) = self { evidence } else { nil } }
}

/// A proposal the block's invalid-proposal evidence accuses: the offender's signed proposal
/// core and its block, carried inside the accusing proposal.
public struct AccusedProposal: Hashable, Sendable, CanonicalCodable {
    public var signed: SignedProposal
    public var block: Block

    public init(signed: SignedProposal, block: Block) {
        self.signed = signed
        self.block = block
    }

    public func encode(to writer: inout CanonicalWriter) {
        signed.encode(to: &writer)
        block.encode(to: &writer)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        signed = try SignedProposal(from: &reader)
        block = try Block(from: &reader)
    }

    /// Signed by its proposer and the block is the one signed.
    public func isAuthentic(chainID: String) -> Bool {
        signed.blockID == block.id && signed.height == block.height && signed.hasValidSignature(chainID: chainID)
    }
}

/// Decides whether a proposal at the next height is valid, against the ledger's committed
/// state and the blacklist the chain requires. Every honest validator reaches the same verdict.
///
/// Checks, in order:
/// 1. the header names the signer as proposer (unless it re-proposes a block that had a polka);
/// 2. the header's blacklist equals the chain's (`Blacklist`), so every node re-checks it;
/// 3. `LedgerApplication.stage` accepts the block (links, limits, signatures, every rule and
///    every installed `DomainValidator`, including `EvidenceValidator`);
/// 4. each invalid-proposal `Evidence` in the block is backed by an attached accused proposal
///    of this height and an earlier round, authentic, whose block fails checks 1–3 with
///    exactly that evidence.
/// Failing 1–3 is intrinsic; failing 4 is a false accusation.
public struct ProposalEvaluator {
    public let application: LedgerApplication
    public let blacklist: Blacklist

    public init(application: LedgerApplication, blacklist: Blacklist) {
        self.application = application
        self.blacklist = blacklist
    }

    /// - Parameter verified: the block's transactions already verified (e.g. from the mempool),
    ///   in block order and nil where not, so `stage` skips their signature checks; nil to
    ///   verify them all.
    public func evaluate(_ block: Block, signed: SignedProposal, accused: [AccusedProposal],
                         verified: [VerifiedTransaction?]? = nil) -> ProposalVerdict {
        let intrinsic = evaluateIntrinsic(block, signed: signed, verified: verified)
        guard case .valid(let staged) = intrinsic else { return intrinsic }
        let chainID = application.chainID
        for (index, tx) in staged.transactions.enumerated() {
            guard case .evidence(let evidence) = tx.transaction.payload, Blacklist.blacklists(evidence.kind) else { continue }
            let backed = accused.contains { accused in
                guard accused.signed.canonicalBytes == evidence.proof, accused.signed.proposer == evidence.offender,
                      accused.signed.height == block.height, accused.signed.round < signed.round,
                      accused.isAuthentic(chainID: chainID),
                      case .invalid(let found, intrinsic: true) = evaluateIntrinsic(accused.block, signed: accused.signed)
                else { return false }
                return found == evidence
            }
            if !backed {
                return .invalid(Evidence(offender: signed.proposer, kind: .invalidBlock, height: block.height, blockID: block.id,
                                         detail: "height \(block.height): evidence transaction \(index) accuses \(evidence.offender.shortHex)… without an attached invalid proposal that proves it",
                                         proof: signed.canonicalBytes),
                                intrinsic: false)
            }
        }
        return intrinsic
    }

    /// Checks 1–3; the evidence's proof is the signed proposal.
    public func evaluateIntrinsic(_ block: Block, signed: SignedProposal, verified: [VerifiedTransaction?]? = nil) -> ProposalVerdict {
        let header = block.header
        func invalid(_ kind: Evidence.Kind, _ detail: String) -> ProposalVerdict {
            .invalid(Evidence(offender: signed.proposer, kind: kind, height: header.height, blockID: block.id, detail: detail,
                              proof: signed.canonicalBytes), intrinsic: true)
        }
        // A fresh block names its signer; a re-proposal (Tendermint's valid block, with a polka
        // round) keeps the header of the master that made it.
        guard signed.polRound != nil || header.proposer == signed.proposer else {
            return invalid(.invalidBlock, "height \(header.height): the header names \(header.proposer.shortHex)… as proposer, but \(signed.proposer.shortHex)… signed the proposal")
        }
        let expected = blacklist.keys
        guard header.blacklist == expected else {
            return invalid(.invalidBlock, "height \(header.height): the header's blacklist [\(header.blacklist.map(\.shortHex).joined(separator: ","))] differs from the chain's [\(expected.map(\.shortHex).joined(separator: ","))]")
        }
        do {
            return .valid(try application.stage(block, verified: verified))
        } catch {
            var evidence = error.evidence()
            evidence.offender = signed.proposer
            evidence.proof = signed.canonicalBytes
            return .invalid(evidence, intrinsic: true)
        }
    }
}
