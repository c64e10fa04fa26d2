/// The ledger application: the deterministic state machine behind the chain (the "ABCI"
/// side of the split with consensus).
///
/// Consensus orders opaque transaction bytes into blocks; this type decides what they mean:
/// - `check(_:)` validates a transaction against the committed state without applying it
///   (mempool admission);
/// - `propose(_:proposer:timestamp:)` builds the next block from candidate transactions,
///   dropping those that fail, and computes its Merkle and state roots;
/// - `apply(_:)` validates a proposed block completely (links, limits, Merkle root, counts,
///   signatures, every rule) and returns the state root it leads to, staging the result;
/// - `commit(_:)` makes a staged block the new committed state (after it is persisted).
///
/// Not thread-safe: one owner (a node's consensus actor, the CLI, a test) drives it. It never
/// reads a clock: block timestamps come from the proposer (see `LedgerClock`).
public final class LedgerApplication {
    public let genesis: Genesis
    public let state: WorldState
    public private(set) var tip: ChainTip
    /// Checks from higher layers, run on every transaction (see `DomainValidator`).
    public var domainValidators: [any DomainValidator] = []
    /// The block `apply(_:)` staged, waiting for `commitPending()`.
    public private(set) var pending: StagedBlock?

    /// The genesis state.
    public init(genesis: Genesis) throws(GenesisError) {
        try genesis.validate()
        self.genesis = genesis
        let state = WorldState()
        for member in genesis.members {
            state.members[member.publicKey] = MemberRecord(
                key: member.publicKey, name: member.name, roles: member.roles,
                reputation: member.reputation ?? genesis.consensus.initialReputation, nonce: 0, joinedAt: 0, updatedAt: 0)
        }
        state.rebuildTree()
        self.state = state
        self.tip = ChainTip(height: 0, blockID: genesis.hash, timestamp: genesis.genesisTime, stateRoot: state.root)
    }

    /// Resumes from a restored state (see `ChainStore.loadState`).
    init(genesis: Genesis, state: WorldState, tip: ChainTip) {
        self.genesis = genesis
        self.state = state
        self.tip = tip
    }

    public var chainID: String { genesis.chainID }
    /// The validators that must sign the next block.
    public var validators: ValidatorSet { state.validators }
    public var limits: Limits { genesis.limits }

    // MARK: Transactions

    /// Full admission check of one transaction against the committed state: size, encoding,
    /// chain ID, signature, nonce, role, references and every rule. Changes nothing.
    public func check(_ bytes: [UInt8]) throws(TransactionRejection) -> VerifiedTransaction {
        guard bytes.count <= limits.maxTransactionBytes else { throw .oversized(size: bytes.count, limit: limits.maxTransactionBytes) }
        let decoded = try SignedTransaction(decoding: bytes)
        // The chain is checked before the signature so a transaction for another chain is
        // reported as such, not as a forgery.
        guard decoded.transaction.chainID == chainID else { throw .wrongChain(expected: chainID, found: decoded.transaction.chainID) }
        let verified = try TransactionVerifier.verify(decoded, maxBytes: limits.maxTransactionBytes)
        try check(verified)
        return verified
    }

    /// The rules alone, for a transaction whose signature is already verified.
    public func check(_ transaction: VerifiedTransaction) throws(TransactionRejection) {
        let context = TransactionExecutor.Context(height: tip.height + 1, timestamp: tip.timestamp + 1, proposer: validators.members[0])
        try executor.execute(transaction.transaction, base: state, delta: StateDelta(), context: context)
    }

    var executor: TransactionExecutor { TransactionExecutor(genesis: genesis, domainValidators: domainValidators) }

    // MARK: Blocks

    /// Builds the next block from `candidates` in order, leaving out each one that fails
    /// (reported in `rejected`) and stopping at the block limits.
    public func propose(_ candidates: [VerifiedTransaction], proposer: PublicKey, timestamp: UInt64,
                        blacklist: [PublicKey] = []) -> Proposal {
        let height = tip.height + 1
        let stamp = max(timestamp, tip.timestamp + 1)
        let delta = StateDelta()
        let context = TransactionExecutor.Context(height: height, timestamp: stamp, proposer: proposer)
        let executor = self.executor
        var included: [SignedTransaction] = []
        var rejected: [(hash: Hash256, rejection: TransactionRejection)] = []
        var bytes = 0
        for candidate in candidates {
            let tx = candidate.transaction
            if included.count == limits.maxBlockTransactions || bytes + tx.bytes.count > limits.maxBlockBytes { break }
            guard tx.bytes.count <= limits.maxTransactionBytes else {
                rejected.append((tx.hash, .oversized(size: tx.bytes.count, limit: limits.maxTransactionBytes)))
                continue
            }
            do {
                try executor.execute(tx, base: state, delta: delta, context: context)
                included.append(tx)
                bytes += tx.bytes.count
            } catch {
                rejected.append((tx.hash, error))
            }
        }
        let tree = state.tree.preview(delta.treeChanges())
        var counts: [TransactionKind: UInt32] = [:]
        for tx in included { counts[tx.kind, default: 0] += 1 }
        let header = BlockHeader(
            chainID: chainID, height: height, previousID: tip.blockID, timestamp: stamp, proposer: proposer,
            txRoot: Block.merkleTree(transactionHashes: included.map(\.hash)).root, txCount: UInt32(included.count),
            typeCounts: counts, stateRoot: tree.root, validatorsHash: validators.hash, options: genesis.options,
            blacklist: blacklist.sorted())
        let block = Block(header: header, transactions: included.map(\.bytes))
        return Proposal(staged: StagedBlock(block: block, transactions: included, delta: delta, tree: tree, parentID: tip.blockID),
                        rejected: rejected)
    }

    /// Validates a proposed block completely and stages its result; returns the state root it
    /// leads to (equal to the header's, or the block is rejected). `commitPending()` then
    /// commits it once consensus has a certificate and the block is persisted.
    @discardableResult
    public func apply(_ block: Block) throws(BlockRejection) -> Hash256 {
        let staged = try stage(block)
        pending = staged
        return staged.stateRoot
    }

    /// Validates `block` and returns the staged result without keeping it.
    ///
    /// `verified` may carry, position by position, transactions already verified (from a
    /// mempool, or verified ahead by a pipeline; nil where not); each is used when its bytes
    /// equal the block's, skipping a second signature check. Checks, in order: chain, height, hash link, timestamp, proposer,
    /// options, validator set, blacklist, limits, transaction count, encoding and signatures,
    /// Merkle root, per-type counts, every transaction's rules, and the state root.
    public func stage(_ block: Block, verified: [VerifiedTransaction?]? = nil) throws(BlockRejection) -> StagedBlock {
        let header = block.header
        let id = header.id
        func reject(_ reason: BlockRejection.Reason) -> BlockRejection {
            BlockRejection(height: header.height, blockID: id, proposer: header.proposer, reason: reason)
        }
        guard header.chainID == chainID else { throw reject(.wrongChain(expected: chainID, found: header.chainID)) }
        guard header.height == tip.height + 1 else { throw reject(.wrongHeight(expected: tip.height + 1, found: header.height)) }
        guard header.previousID == tip.blockID else { throw reject(.wrongPrevious(expected: tip.blockID, found: header.previousID)) }
        guard header.timestamp > tip.timestamp else { throw reject(.timestampNotIncreasing(previous: tip.timestamp, found: header.timestamp)) }
        let validators = self.validators
        guard validators.contains(header.proposer) else { throw reject(.proposerNotValidator(header.proposer)) }
        guard !header.blacklist.contains(header.proposer) else { throw reject(.proposerBlacklisted(header.proposer)) }
        guard header.options == genesis.options else { throw reject(.optionsMismatch) }
        guard header.validatorsHash == validators.hash else { throw reject(.validatorsHashMismatch) }
        guard header.blacklist.count <= validators.faultTolerance else {
            throw reject(.blacklistTooLong(count: header.blacklist.count, limit: validators.faultTolerance))
        }
        guard block.transactions.count <= limits.maxBlockTransactions else {
            throw reject(.tooManyTransactions(count: block.transactions.count, limit: limits.maxBlockTransactions))
        }
        let totalBytes = block.transactions.reduce(0) { $0 + $1.count }
        guard totalBytes <= limits.maxBlockBytes else { throw reject(.tooLarge(bytes: totalBytes, limit: limits.maxBlockBytes)) }
        guard Int(header.txCount) == block.transactions.count else {
            throw reject(.txCountMismatch(header: header.txCount, actual: block.transactions.count))
        }

        // Decode and verify signatures (in parallel), except those of transactions already
        // verified with exactly these bytes.
        var known: [SignedTransaction?] = Array(repeating: nil, count: block.transactions.count)
        if let verified, verified.count == block.transactions.count {
            for (index, tx) in verified.enumerated() where tx?.transaction.bytes == block.transactions[index] {
                known[index] = tx?.transaction
            }
        }
        let unverified = known.indices.filter { known[$0] == nil }
        let results = TransactionVerifier.verifyAll(unverified.map { block.transactions[$0] }, maxBytes: limits.maxTransactionBytes)
        for (index, result) in zip(unverified, results) {
            switch result {
            case .success(let tx): known[index] = tx.transaction
            case .failure(let rejection):
                throw reject(.transactionRejected(index: index, hash: Hash256.sha256(block.transactions[index]), rejection))
            }
        }
        let transactions = known.map { $0! }
        let computedRoot = Block.merkleTree(transactionHashes: transactions.map(\.hash)).root
        guard computedRoot == header.txRoot else { throw reject(.txRootMismatch(header: header.txRoot, computed: computedRoot)) }
        var counts: [TransactionKind: UInt32] = [:]
        for tx in transactions { counts[tx.kind, default: 0] += 1 }
        guard counts == header.typeCounts else { throw reject(.typeCountsMismatch) }

        let delta = StateDelta()
        let context = TransactionExecutor.Context(height: header.height, timestamp: header.timestamp, proposer: header.proposer)
        let executor = self.executor
        for (index, tx) in transactions.enumerated() {
            do { try executor.execute(tx, base: state, delta: delta, context: context) } catch {
                throw reject(.transactionRejected(index: index, hash: tx.hash, error))
            }
        }
        let tree = state.tree.preview(delta.treeChanges())
        guard tree.root == header.stateRoot else { throw reject(.stateRootMismatch(header: header.stateRoot, computed: tree.root)) }
        return StagedBlock(block: block, transactions: transactions, delta: delta, tree: tree, parentID: tip.blockID)
    }

    /// Makes a staged block the committed state. Call after the block and its certificate are
    /// persisted, so memory never runs ahead of disk.
    public func commit(_ staged: StagedBlock) {
        precondition(staged.parentID == tip.blockID && staged.height == tip.height + 1,
                     "committing block \(staged.height) on top of height \(tip.height)")
        state.merge(staged.delta, tree: staged.tree)
        tip = ChainTip(height: staged.height, blockID: staged.block.id, timestamp: staged.block.header.timestamp,
                       stateRoot: staged.stateRoot)
        if pending?.block.id == staged.block.id { pending = nil }
    }

    /// Commits the block staged by `apply(_:)`.
    public func commitPending() {
        guard let pending else { return }
        commit(pending)
    }

    public func discardPending() { pending = nil }
}

/// The last committed block (or the genesis, at height 0).
public struct ChainTip: Hashable, Sendable {
    public var height: UInt64
    /// The block ID; the genesis hash at height 0.
    public var blockID: Hash256
    public var timestamp: UInt64
    public var stateRoot: Hash256
}

/// A validated block ready to commit: the block, its decoded transactions, the state rows it
/// writes, and the state tree after it.
public struct StagedBlock {
    public let block: Block
    public let transactions: [SignedTransaction]
    public let delta: StateDelta
    let tree: StateTree.Update
    let parentID: Hash256

    public var height: UInt64 { block.header.height }
    public var stateRoot: Hash256 { block.header.stateRoot }
}

/// A proposed block and the candidates left out of it, with why.
public struct Proposal {
    public let staged: StagedBlock
    public let rejected: [(hash: Hash256, rejection: TransactionRejection)]

    public var block: Block { staged.block }
}
