import Ledger

/// The consensus layer's check of `Evidence` transactions, installed as a `DomainValidator`
/// so it runs in mempool admission, in every proposed block and in block sync alike.
///
/// - `equivocation`: the proof must be two conflicting votes signed by the offender, who
///   must be a validator, so nobody can slash an honest validator;
/// - `invalidBlock` / `invalidAggregate`: only a proposer may file them, inside its own
///   proposal, where `ProposalEvaluator` re-checks the accused block attached to the proposal
///   (the signed proposal is the proof); from anyone else, or in a block whose proposer is
///   not the sender, they are refused;
/// - other kinds (e.g. `invalidUpdate` from the federation layer) pass through.
public struct EvidenceValidator: DomainValidator {
    public init() {}

    public var name: String { "consensus-evidence" }

    public func validate(_ transaction: SignedTransaction, context: DomainValidationContext) throws {
        guard case .evidence(let evidence) = transaction.transaction.payload else { return }
        switch evidence.kind {
        case .equivocation:
            guard let pair = DuplicateVoteEvidence(evidence: evidence) else {
                throw EvidenceRefusal("the proof is not two conflicting votes of the offender at the evidence's height")
            }
            guard pair.verify(chainID: context.chainID) else { throw EvidenceRefusal("a vote signature in the proof does not verify") }
            guard context.state.member(pair.offender)?.roles.contains(.validator) == true else {
                throw EvidenceRefusal("the offender is not a validator")
            }
            guard evidence == pair.evidence else { throw EvidenceRefusal("the evidence fields do not match its proof") }
        case .invalidBlock, .invalidAggregate:
            guard transaction.sender == context.proposer else {
                throw EvidenceRefusal("invalid-proposal evidence is filed by the next proposer inside its proposal, which carries the accused block")
            }
            var reader = CanonicalReader(bytes: evidence.proof, context: "signed proposal")
            guard let signed = try? SignedProposal(from: &reader), (try? reader.finish()) != nil,
                  signed.proposer == evidence.offender, signed.height == evidence.height,
                  signed.blockID == evidence.blockID, signed.hasValidSignature(chainID: context.chainID) else {
                throw EvidenceRefusal("the proof is not the offender's signed proposal of the accused block")
            }
        case .invalidUpdate:
            break
        }
    }
}

/// Why `EvidenceValidator` refused an evidence transaction.
public struct EvidenceRefusal: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
