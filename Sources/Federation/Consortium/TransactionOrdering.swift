import Consensus
import Foundation
import Ledger
import Synchronization
import Tensor

/// One committed block as the federation layer sees it.
public struct OrderedBlock: Sendable {
    public var block: CommittedBlock
    /// The validator that proposed it (the master, for a block carrying an aggregate).
    public var proposer: PublicKey
    /// Evidence the consensus committed with it (e.g. against a master whose block failed).
    public var evidence: [Evidence]
    /// Validators barred from proposing after this block.
    public var blacklist: [PublicKey]
}

/// How transactions become committed blocks: the consensus seam.
///
/// The federation layer submits signed transactions, asks for them to be committed, and reads
/// each node's replica. `SingleValidatorOrdering` commits with one local validator (a real
/// quorum of one) and replicates each block to the other nodes, which re-execute and verify
/// it. `BFTOrdering` runs Tendermint-style consensus with every hospital a validator; the
/// master of a round is whichever validator proposes the block that carries its aggregate.
public protocol TransactionOrdering: AnyObject {
    /// Node `i`'s ledger replica.
    func ledger(of node: Int) -> Ledger
    /// Checks a transaction and queues it for the next block.
    func submit(_ transaction: SignedTransaction) throws
    /// The nonce `member`'s next transaction must carry (committed plus queued).
    func nextNonce(for member: PublicKey) -> UInt64
    /// Commits every queued transaction; returns the blocks committed meanwhile.
    func commitPending() throws -> [OrderedBlock]
    /// Commits blocks until `done` holds on the reference replica, letting proposers add
    /// their own transactions (an aggregate) through `contributor`.
    func commit(until done: () -> Bool, contributor: any AggregateContributor) throws -> [OrderedBlock]
    /// Height of the committed chain.
    var height: UInt64 { get }
}

/// What a proposer adds to its block: the federation layer's master step.
public protocol AggregateContributor: AnyObject {
    /// Transactions node `proposer` adds to the block it proposes on top of `application`'s tip.
    func transactions(proposer: Int, application: LedgerApplication) -> [SignedTransaction]
    /// Why the master step could not produce the round's aggregate (every master would fail
    /// the same way: an exhausted ε budget, every update rejected); the ordering then stops
    /// the round with it instead of committing blocks without an aggregate.
    var failure: (any Error)? { get }
}

/// One validator orders and signs every block; every other node appends the block only after
/// re-executing it, domain validators (aggregate recomputation) included.
public final class SingleValidatorOrdering: TransactionOrdering {
    let ledgers: [Ledger]
    let validator: LocalValidator
    let validatorIndex: Int
    var mempool: [VerifiedTransaction] = []

    public init(ledgers: [Ledger], validatorKey: SigningKey, validatorIndex: Int, clock: any LedgerClock) {
        self.ledgers = ledgers
        self.validatorIndex = validatorIndex
        validator = LocalValidator(ledger: ledgers[validatorIndex], key: validatorKey, clock: clock)
    }

    public func ledger(of node: Int) -> Ledger { ledgers[node] }

    public var height: UInt64 { ledgers[validatorIndex].tip.height }

    public func nextNonce(for member: PublicKey) -> UInt64 {
        (ledgers[validatorIndex].application.state.member(member)?.nonce ?? 0)
            + UInt64(mempool.filter { $0.transaction.sender == member }.count)
    }

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

    public func commitPending() throws -> [OrderedBlock] {
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
        return [OrderedBlock(block: committed, proposer: validator.key.publicKey, evidence: [], blacklist: [])]
    }

    public func commit(until done: () -> Bool, contributor: any AggregateContributor) throws -> [OrderedBlock] {
        let queued = Set(mempool.map(\.hash))
        let contributed = contributor.transactions(proposer: validatorIndex, application: ledgers[validatorIndex].application)
        if let failure = contributor.failure { throw failure }
        for tx in contributed where !queued.contains(tx.hash) {
            try submit(tx)
        }
        let blocks = try commitPending()
        guard done() else { throw FederationError("the validator's block did not complete the round") }
        return blocks
    }
}

/// Every hospital is a validator; blocks are committed by the Tendermint-style consensus of
/// the `Consensus` module over its in-process transport and virtual clock.
public final class BFTOrdering: TransactionOrdering {
    public let consortium: Consortium
    let keys: [SigningKey]
    /// Bridges each validator's proposals to the federation layer's contributor.
    final class Bridge: ProposalContributor {
        let index: Int
        weak var target: (any AggregateContributor)?
        /// Validators run concurrently (see below); the master step runs one at a time.
        static let lock = NSLock()
        init(index: Int) { self.index = index }
        func transactions(forHeight height: UInt64, round: UInt32, proposer: SigningKey,
                          application: LedgerApplication) -> [SignedTransaction] {
            Self.lock.withLock { target?.transactions(proposer: index, application: application) ?? [] }
        }
    }
    let bridges: [Bridge]
    /// The simulated network between the hospitals: a LAN with a fixed 5 ms delay.
    static let network = NetworkConditions(minDelayMs: 5, maxDelayMs: 5)
    var pending: [Hash256] = []

    public init(genesis: Genesis, keys: [SigningKey], home: URL, seed: UInt64,
                domainValidators: @escaping (SigningKey) -> [any DomainValidator]) throws {
        self.keys = keys
        // No empty blocks: a round commits its updates, then its aggregate, and nothing else.
        // The batch window (longer than the simulated network's delay) lets the
        // round's updates, submitted together, share one block.
        var configuration = ConsensusNode.Configuration(timeouts: TimeoutPolicy(genesis: genesis.consensus))
        configuration.createEmptyBlocks = false
        configuration.batchWindowMs = Self.network.maxDelayMs + 5
        consortium = try Consortium(genesis: genesis, keys: keys, home: home, configuration: configuration,
                                    conditions: Self.network, seed: seed, domainValidators: domainValidators)
        // The hospitals' validators are separate machines: a proposal reaches them all after
        // the same delay, and they check it at the same time on the available cores.
        consortium.network.concurrentDelivery = true
        bridges = keys.indices.map { Bridge(index: $0) }
        for (i, key) in keys.enumerated() { consortium.setContributor(bridges[i], for: key.publicKey) }
        consortium.start()
    }

    public func ledger(of node: Int) -> Ledger { consortium.node(keys[node].publicKey)!.ledger }

    public var height: UInt64 { consortium.honestKeys.compactMap { consortium.node($0)?.application.tip.height }.max() ?? 0 }

    public func nextNonce(for member: PublicKey) -> UInt64 { consortium.nextNonce(for: member) }

    public func submit(_ transaction: SignedTransaction) throws {
        try consortium.submit(transaction)
        pending.append(transaction.hash)
    }

    public func commitPending() throws -> [OrderedBlock] {
        defer { pending.removeAll() }
        return try consortium.runUntilCommitted(pending).map(ordered)
    }

    public func commit(until done: () -> Bool, contributor: any AggregateContributor) throws -> [OrderedBlock] {
        for bridge in bridges { bridge.target = contributor }
        defer { for bridge in bridges { bridge.target = nil } }
        var blocks: [OrderedBlock] = []
        while !done() {
            guard blocks.count < 50 else { throw FederationError("no honest master completed the round in 50 blocks") }
            let record = try consortium.commitNextBlock()
            blocks.append(ordered(record))
            // Submitted transactions this block carried are no longer pending: a later
            // `commitPending` (say, the publisher closing the task after a refused round) must
            // not wait for them again.
            let carried = Set(record.block.block.transactions.map { Hash256.sha256($0) })
            pending.removeAll { carried.contains($0) }
            if !done(), let failure = contributor.failure { throw failure }
        }
        return blocks
    }

    func ordered(_ record: CommitRecord) -> OrderedBlock {
        OrderedBlock(block: record.block, proposer: record.proposer, evidence: record.evidence, blacklist: record.blacklist)
    }

    /// Scripts a hospital to propose aggregates without checking them (the lying master).
    public func makeLyingMaster(_ node: Int) {
        consortium.setBehaviour(.lyingMaster, for: keys[node].publicKey)
    }
}
