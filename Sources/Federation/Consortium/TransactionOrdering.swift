import Ledger

/// How transactions become committed blocks: the consensus seam.
///
/// The federation layer only submits signed transactions and asks for them to be committed.
/// `SingleValidatorOrdering` commits with one local validator (a real quorum of one) and
/// replicates each block to the other nodes, which re-execute and verify it; the BFT consensus
/// implements the same protocol with every hospital voting.
public protocol TransactionOrdering: AnyObject {
    /// The committed state as the given node sees it.
    func state(of node: Int) -> WorldState
    /// Checks a transaction against the current state and queues it for the next block.
    func submit(_ transaction: SignedTransaction) throws
    /// Commits every queued transaction in a block on all nodes.
    /// - Returns: the committed block and the node that proposed it (the round's master).
    func commitPending() throws -> (block: CommittedBlock, proposer: Int)
    /// Height of the committed chain.
    var height: UInt64 { get }
}

/// One validator orders and signs every block; every other node appends the block only after
/// re-executing it, domain validators (aggregate recomputation) included.
public final class SingleValidatorOrdering: TransactionOrdering {
    public let ledgers: [Ledger]
    let validator: LocalValidator
    let validatorIndex: Int
    var mempool: [VerifiedTransaction] = []

    public init(ledgers: [Ledger], validatorKey: SigningKey, validatorIndex: Int, clock: any LedgerClock) {
        self.ledgers = ledgers
        self.validatorIndex = validatorIndex
        validator = LocalValidator(ledger: ledgers[validatorIndex], key: validatorKey, clock: clock)
    }

    public func state(of node: Int) -> WorldState { ledgers[node].application.state }

    public var height: UInt64 { ledgers[validatorIndex].tip.height }

    public func submit(_ transaction: SignedTransaction) throws {
        let app = ledgers[validatorIndex].application
        // The first queued transaction of a sender gets the full admission check; later ones
        // (nonce + 1, + 2 …) can only be checked in sequence, which `propose` does.
        if mempool.contains(where: { $0.transaction.sender == transaction.sender }) {
            mempool.append(try TransactionVerifier.verify(transaction, maxBytes: app.limits.maxTransactionBytes))
        } else {
            mempool.append(try app.check(transaction.bytes))
        }
    }

    public func commitPending() throws -> (block: CommittedBlock, proposer: Int) {
        let proposal = try validator.propose(mempool)
        mempool.removeAll()
        if let first = proposal.rejected.first {
            throw FederationError("transaction \(first.hash.hex.prefix(12))… was rejected: \(first.rejection)")
        }
        let committed = try validator.commit(proposal.staged)
        for (i, ledger) in ledgers.enumerated() where i != validatorIndex {
            do { try ledger.append(committed) } catch {
                throw FederationError("node \(i) refused block \(committed.block.header.height): \(error)")
            }
        }
        return (committed, validatorIndex)
    }
}
