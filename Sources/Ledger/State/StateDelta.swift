/// The rows one block writes, on top of the committed state. The block's executor reads
/// through it (`StateView`), the store persists it, and `WorldState.merge` applies it.
public final class StateDelta {
    public internal(set) var members: [PublicKey: MemberRecord] = [:]
    public internal(set) var datasets: [String: DatasetRecord] = [:]
    public internal(set) var tasks: [Hash256: TaskRecord] = [:]
    public internal(set) var rounds: [RoundKey: RoundRecord] = [:]
    public internal(set) var updates: [UpdateKey: UpdateRecord] = [:]
    public internal(set) var aggregates: [RoundKey: AggregateRecord] = [:]
    public internal(set) var privacySpending: [SpendKey: PrivacySpendRecord] = [:]
    public internal(set) var evidence: [Hash256: EvidenceRecord] = [:]
    var updatesByTx: [Hash256: UpdateKey] = [:]
    /// Datasets first registered in this block, by owner.
    var newDatasetsByOwner: [PublicKey: [String]] = [:]

    init() {}

    public var rowCount: Int {
        members.count + datasets.count + tasks.count + rounds.count + updates.count + aggregates.count
            + privacySpending.count + evidence.count
    }

    /// The written rows' keys and leaf hashes.
    func treeChanges() -> [(key: [UInt8], leaf: Hash256)] {
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
}

/// The state as a block in progress sees it: its own writes over the committed state.
public struct StateView: LedgerStateReader {
    let base: WorldState
    let delta: StateDelta

    public func member(_ key: PublicKey) -> MemberRecord? { delta.members[key] ?? base.members[key] }
    public func dataset(_ cid: String) -> DatasetRecord? { delta.datasets[cid] ?? base.datasets[cid] }
    public func datasets(ownedBy owner: PublicKey) -> [String] {
        base.datasets(ownedBy: owner) + (delta.newDatasetsByOwner[owner] ?? [])
    }
    public func task(_ id: Hash256) -> TaskRecord? { delta.tasks[id] ?? base.tasks[id] }
    public func round(_ key: RoundKey) -> RoundRecord? { delta.rounds[key] ?? base.rounds[key] }
    public func update(_ key: UpdateKey) -> UpdateRecord? { delta.updates[key] ?? base.updates[key] }
    public func update(transaction hash: Hash256) -> UpdateRecord? {
        (delta.updatesByTx[hash] ?? base.updatesByTx[hash]).flatMap(update)
    }
    public func aggregate(_ key: RoundKey) -> AggregateRecord? { delta.aggregates[key] ?? base.aggregates[key] }
    public func privacySpend(_ key: SpendKey) -> PrivacySpendRecord? { delta.privacySpending[key] ?? base.privacySpending[key] }
    public func evidence(_ id: Hash256) -> EvidenceRecord? { delta.evidence[id] ?? base.evidence[id] }
}
