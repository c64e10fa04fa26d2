/// The single-validator path: a node that is the chain's only validator proposes a block,
/// votes for it (a quorum of one is a real quorum: ⌊2·1/3⌋ + 1 = 1), and commits it.
///
/// This is the same proposal, certificate verification and commit that multi-validator
/// consensus uses; only the vote collection is trivial.
public final class LocalValidator {
    public let ledger: Ledger
    public let key: SigningKey
    public let clock: any LedgerClock

    public init(ledger: Ledger, key: SigningKey, clock: any LedgerClock = SystemClock()) {
        self.ledger = ledger
        self.key = key
        self.clock = clock
    }

    /// Proposes, certifies and commits one block of `transactions` (all must pass, or nothing
    /// is committed and the first rejection is thrown).
    @discardableResult
    public func commitBlock(_ transactions: [VerifiedTransaction]) throws(LedgerError) -> CommittedBlock {
        let proposal = try propose(transactions)
        if let first = proposal.rejected.first { throw .transaction(first.rejection) }
        return try commit(proposal.staged)
    }

    /// Proposes the next block; failing candidates are left out and reported.
    public func propose(_ transactions: [VerifiedTransaction]) throws(LedgerError) -> Proposal {
        let validators = ledger.application.validators
        guard validators.count == 1, validators.contains(key.publicKey) else {
            throw .notSoleValidator(validators: validators.count)
        }
        return ledger.application.propose(transactions, proposer: key.publicKey, timestamp: clock.now())
    }

    /// Votes for a staged block, verifies the resulting certificate and commits.
    @discardableResult
    public func commit(_ staged: StagedBlock) throws(LedgerError) -> CommittedBlock {
        let header = staged.block.header
        let vote = CommitCertificate.vote(by: key, chainID: header.chainID, height: header.height, round: 0, blockID: header.id)
        let certificate = CommitCertificate(height: header.height, round: 0, blockID: header.id, votes: [vote])
        try ledger.commit(staged, certificate: certificate)
        return CommittedBlock(block: staged.block, certificate: certificate)
    }

    /// Signs a transaction from this node with its next nonce (committed nonce + `offset`).
    public func sign(_ payload: TransactionPayload, nonceOffset: UInt64 = 0) -> SignedTransaction {
        let nonce = (ledger.application.state.member(key.publicKey)?.nonce ?? 0) + nonceOffset
        return Transaction(chainID: ledger.chainID, sender: key.publicKey, nonce: nonce, payload: payload).signed(by: key)
    }
}
