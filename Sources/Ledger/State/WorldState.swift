/// The committed world state, in memory: every row of every table, the derived lookups the
/// rules need, and the `StateTree` whose root is the state root.
///
/// Mutated only by merging a block's `StateDelta` after the block is committed. Not
/// thread-safe: one owner (the `LedgerApplication`) uses it.
public final class WorldState: LedgerStateReader {
    public internal(set) var members: [PublicKey: MemberRecord] = [:]
    public internal(set) var datasets: [String: DatasetRecord] = [:]
    public internal(set) var tasks: [Hash256: TaskRecord] = [:]
    public internal(set) var rounds: [RoundKey: RoundRecord] = [:]
    public internal(set) var updates: [UpdateKey: UpdateRecord] = [:]
    public internal(set) var aggregates: [RoundKey: AggregateRecord] = [:]
    public internal(set) var privacySpending: [SpendKey: PrivacySpendRecord] = [:]
    public internal(set) var evidence: [Hash256: EvidenceRecord] = [:]
    /// Derived from `updates` (not part of the root): update by transaction hash.
    var updatesByTx: [Hash256: UpdateKey] = [:]
    /// Derived from `datasets` (not part of the root): dataset CIDs by owner.
    var datasetsByOwner: [PublicKey: [String]] = [:]
    public internal(set) var tree = StateTree()
    public private(set) var validators = ValidatorSet([])

    init() {}

    public var root: Hash256 { tree.root }

    /// Sizes the tables for `counts` rows, so replaying a long chain does not rehash them
    /// every time they double.
    func reserveCapacity(_ counts: [StateTable: Int]) {
        members.reserveCapacity(counts[.members] ?? 0)
        datasets.reserveCapacity(counts[.datasets] ?? 0)
        tasks.reserveCapacity(counts[.tasks] ?? 0)
        rounds.reserveCapacity(counts[.rounds] ?? 0)
        updates.reserveCapacity(counts[.updates] ?? 0)
        updatesByTx.reserveCapacity(counts[.updates] ?? 0)
        aggregates.reserveCapacity(counts[.aggregates] ?? 0)
        privacySpending.reserveCapacity(counts[.privacySpending] ?? 0)
        evidence.reserveCapacity(counts[.evidence] ?? 0)
    }
    public var rowCount: Int {
        members.count + datasets.count + tasks.count + rounds.count + updates.count + aggregates.count
            + privacySpending.count + evidence.count
    }

    /// Applies a block's writes and the matching state-tree update.
    func merge(_ delta: StateDelta, tree update: StateTree.Update) {
        var validatorsChanged = false
        for (k, v) in delta.members {
            if v.roles.contains(.validator), members[k] == nil { validatorsChanged = true }
            members[k] = v
        }
        for (k, v) in delta.datasets {
            if datasets.updateValue(v, forKey: k) == nil { datasetsByOwner[v.owner, default: []].append(k) }
        }
        for (k, v) in delta.tasks { tasks[k] = v }
        for (k, v) in delta.rounds { rounds[k] = v }
        for (k, v) in delta.updates {
            updates[k] = v
            updatesByTx[v.txHash] = k
        }
        for (k, v) in delta.aggregates { aggregates[k] = v }
        for (k, v) in delta.privacySpending { privacySpending[k] = v }
        for (k, v) in delta.evidence { evidence[k] = v }
        tree.apply(update)
        if validatorsChanged { refreshValidators() }
    }

    func refreshValidators() {
        validators = ValidatorSet(members.values.filter { $0.roles.contains(.validator) }.map(\.key))
    }

    public func member(_ key: PublicKey) -> MemberRecord? { members[key] }
    public func dataset(_ cid: String) -> DatasetRecord? { datasets[cid] }
    public func datasets(ownedBy owner: PublicKey) -> [String] { datasetsByOwner[owner] ?? [] }
    public func task(_ id: Hash256) -> TaskRecord? { tasks[id] }
    public func round(_ key: RoundKey) -> RoundRecord? { rounds[key] }
    public func update(_ key: UpdateKey) -> UpdateRecord? { updates[key] }
    public func update(transaction hash: Hash256) -> UpdateRecord? { updatesByTx[hash].flatMap { updates[$0] } }
    public func aggregate(_ key: RoundKey) -> AggregateRecord? { aggregates[key] }
    public func privacySpend(_ key: SpendKey) -> PrivacySpendRecord? { privacySpending[key] }
    public func evidence(_ id: Hash256) -> EvidenceRecord? { evidence[id] }

    /// Every row's key and leaf hash, for rebuilding the tree.
    func allTreeRows() -> [(key: [UInt8], leaf: Hash256)] {
        var rows: [(key: [UInt8], leaf: Hash256)] = []
        rows.reserveCapacity(rowCount)
        func add<R: StateRecord>(_ record: R) {
            let key = record.keyBytes
            rows.append((key, StateTree.leafHash(key: key, value: record.valueBytes)))
        }
        members.values.forEach(add); datasets.values.forEach(add); tasks.values.forEach(add)
        rounds.values.forEach(add); updates.values.forEach(add); aggregates.values.forEach(add)
        privacySpending.values.forEach(add); evidence.values.forEach(add)
        return rows
    }

    /// Replaces the tree with one built from every row.
    func rebuildTree() {
        install(leaves: allTreeRows())
    }

    /// Builds the tree from precomputed leaves of every row, and the derived lookups.
    func install(leaves: [(key: [UInt8], leaf: Hash256)]) {
        tree = StateTree(rows: leaves)
        updatesByTx = Dictionary(uniqueKeysWithValues: updates.map { ($0.value.txHash, $0.key) })
        datasetsByOwner = Dictionary(grouping: datasets.values, by: \.owner).mapValues { $0.map(\.cid).sorted() }
        refreshValidators()
    }
}
