import Ledger

/// Scripted misbehaviour for tests and the demo (`--malicious`). An honest node has none.
public struct ByzantineBehaviour: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Proposes blocks with a corrupted state root (properly signed, so it is accountable).
    public static let invalidBlocks = ByzantineBehaviour(rawValue: 1 << 0)
    /// Builds its blocks without the domain validators, so transactions they refuse (a wrong
    /// aggregate from its `ProposalContributor`) go into the block: the lying master.
    public static let skipDomainValidation = ByzantineBehaviour(rawValue: 1 << 1)
    /// Signs two votes per slot (the honest one and a conflicting one) and sends both.
    public static let equivocate = ByzantineBehaviour(rawValue: 1 << 2)
    /// Sends no votes.
    public static let withholdVotes = ByzantineBehaviour(rawValue: 1 << 3)
    /// Sends no proposals.
    public static let withholdProposals = ByzantineBehaviour(rawValue: 1 << 4)
    /// Also sends random bytes, malformed votes and votes with bad signatures.
    public static let garbage = ByzantineBehaviour(rawValue: 1 << 5)

    public static let silent: ByzantineBehaviour = [.withholdVotes, .withholdProposals]
    public static let lyingMaster: ByzantineBehaviour = [.skipDomainValidation]
}

/// Lets a higher layer add transactions to the blocks this node proposes (the federation
/// layer's master adds its `CommitAggregate`). Called with the application at the tip.
public protocol ProposalContributor: AnyObject {
    func transactions(forHeight height: UInt64, round: UInt32, proposer: SigningKey, application: LedgerApplication) -> [SignedTransaction]
}
