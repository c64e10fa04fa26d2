import Dispatch
import Foundation
import GRDB

extension ChainStore {
    /// A stored state row that differs from the exact columns its record would be written as
    /// (an edited derived column, a reformatted JSON column, …).
    public struct NonCanonicalRow: Sendable, Hashable {
        public var table: String
        public var key: String
        public var column: String
        /// The row's `updated_at`, the height that last wrote it.
        public var height: UInt64
    }

    /// Every stored state row, read into a `WorldState` with its tree built.
    public struct StoredState {
        public var state: WorldState
        /// The lowest-height row not in canonical form, when `checkCanonical` was asked for.
        public var nonCanonical: NonCanonicalRow?
    }

    /// Reads all state tables (in parallel, one reader connection each), hashing each row's
    /// canonical key and value as it goes, and builds the state tree from them. Decoding is
    /// strict (each column must have its exact SQLite type and, for JSON columns, canonical
    /// text), so an edited row either fails to decode or changes the root. With
    /// `checkCanonical`, rows of tables with derived columns are also compared with the
    /// columns their record would produce, so those cannot be edited unnoticed either.
    public func readState(checkCanonical: Bool, cpu: CPUCounter? = nil) throws(StoreError) -> StoredState {
        let slots = ParallelSlots<Result<TablePart, StoreError>>(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            slots.set(i, Result { () throws(StoreError) -> TablePart in
                let start = CPUTime.thread()
                defer { cpu?.add(CPUTime.thread() - start) }
                return try { () throws(StoreError) -> TablePart in
                switch i {
                case 0: try readTable(UpdateRecord.self, checkCanonical)
                case 1: try readTable(PrivacySpendRecord.self, checkCanonical)
                case 2: try readTable(MemberRecord.self, checkCanonical)
                case 3: try readTable(DatasetRecord.self, checkCanonical)
                case 4: try readTable(TaskRecord.self, checkCanonical)
                case 5: try readTable(RoundRecord.self, checkCanonical)
                case 6: try readTable(AggregateRecord.self, checkCanonical)
                default: try readTable(EvidenceRecord.self, checkCanonical)
                }
                }()
            })
        }
        let parts = try slots.results.map { result throws(StoreError) in try result.get() }
        let state = WorldState()
        state.reserveCapacity(Dictionary(uniqueKeysWithValues: parts.map { ($0.table, $0.leaves.count) }))
        var leaves: [(key: [UInt8], leaf: Hash256)] = []
        leaves.reserveCapacity(parts.reduce(0) { $0 + $1.leaves.count })
        var nonCanonical: [NonCanonicalRow] = []
        for part in parts {
            leaves += part.leaves
            if let row = part.nonCanonical { nonCanonical.append(row) }
            switch part.records {
            case .updates(let records): for r in records { state.updates[r.key] = r }
            case .privacySpending(let records): for r in records { state.privacySpending[r.key] = r }
            case .members(let records): for r in records { state.members[r.key] = r }
            case .datasets(let records): for r in records { state.datasets[r.cid] = r }
            case .tasks(let records): for r in records { state.tasks[r.id] = r }
            case .rounds(let records): for r in records { state.rounds[r.key] = r }
            case .aggregates(let records): for r in records { state.aggregates[r.key] = r }
            case .evidence(let records): for r in records { state.evidence[r.id] = r }
            }
        }
        let start = CPUTime.thread()
        state.install(leaves: leaves)
        cpu?.add(CPUTime.thread() - start)
        return StoredState(state: state, nonCanonical: nonCanonical.min { ($0.height, $0.table) < ($1.height, $1.table) })
    }

    struct TablePart: Sendable {
        enum Records: Sendable {
            case updates([UpdateRecord]), privacySpending([PrivacySpendRecord]), members([MemberRecord]), datasets([DatasetRecord])
            case tasks([TaskRecord]), rounds([RoundRecord]), aggregates([AggregateRecord]), evidence([EvidenceRecord])
        }
        var records: Records
        var table: StateTable
        var leaves: [(key: [UInt8], leaf: Hash256)]
        var nonCanonical: NonCanonicalRow?
    }

    private func readTable<R: StateRowMapping>(_ type: R.Type, _ checkCanonical: Bool) throws(StoreError) -> TablePart {
        var records: [R] = []
        var leaves: [(key: [UInt8], leaf: Hash256)] = []
        var nonCanonical: NonCanonicalRow? = nil
        try read { db in
            let rows = try Row.fetchCursor(db, sql: R.selectAllSQL)
            while let row = try rows.next() {
                let record: R
                do { record = try R(row: row) } catch let error as StoreError {
                    throw StoreError.corrupt("\(R.tableName) row: \(error)")
                }
                if checkCanonical, R.hasDerivedColumns, nonCanonical == nil || record.updatedAt < nonCanonical!.height {
                    let expected = record.databaseValues
                    if let i = expected.indices.first(where: { expected[$0] != row[$0] as DatabaseValue }) {
                        nonCanonical = NonCanonicalRow(table: R.tableName, key: record.keyDescription, column: R.columns[i],
                                                       height: record.updatedAt)
                    }
                }
                let key = record.keyBytes
                leaves.append((key, StateTree.leafHash(key: key, value: record.valueBytes)))
                records.append(record)
            }
        }
        let wrapped: TablePart.Records
        switch records {
        case let r as [UpdateRecord]: wrapped = .updates(r)
        case let r as [PrivacySpendRecord]: wrapped = .privacySpending(r)
        case let r as [MemberRecord]: wrapped = .members(r)
        case let r as [DatasetRecord]: wrapped = .datasets(r)
        case let r as [TaskRecord]: wrapped = .tasks(r)
        case let r as [RoundRecord]: wrapped = .rounds(r)
        case let r as [AggregateRecord]: wrapped = .aggregates(r)
        case let r as [EvidenceRecord]: wrapped = .evidence(r)
        default: preconditionFailure("no table for \(R.self)")
        }
        return TablePart(records: wrapped, table: R.table, leaves: leaves, nonCanonical: nonCanonical)
    }
}
