import Ledger
import Synchronization
import Tensor

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
        // Replicas are independent (own database, own verifier): they re-execute in parallel.
        let replicas = ledgers.indices.filter { $0 != validatorIndex }
        let failures = Mutex<[(Int, String)]>([])
        Parallel.forEach(replicas.count) { j in
            let i = replicas[j]
            do { try ledgers[i].append(committed) } catch {
                failures.withLock { $0.append((i, "\(error)")) }
            }
        }
        if let (i, reason) = failures.withLock({ $0.min { $0.0 < $1.0 } }) {
            throw FederationError("node \(i) refused block \(committed.block.header.height): \(reason)")
        }
        return (committed, validatorIndex)
    }
}
