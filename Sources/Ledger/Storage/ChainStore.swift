import Foundation
import GRDB

/// The chain database: one SQLite file per chain (`DIR/chain/<chain-id>/ledger.sqlite`),
/// through GRDB in WAL mode with `synchronous = FULL`.
///
/// Tables: `meta` (chain ID, genesis), `blocks` (header and certificate bytes, plus columns
/// for queries), `transactions` (canonical bytes, plus columns), and one table per world-state
/// record type (see `StateRowMapping`). `append` writes a block, its transactions and all its
/// state rows in one SQL transaction: a crash at any point leaves the old state or the new.
public final class ChainStore: Sendable {
    public let chainID: String
    public let url: URL
    let pool: DatabasePool
    /// Called inside the commit transaction at each `FaultPoint` (tests only); throwing rolls
    /// the transaction back, and a hook may also snapshot the files to model a crash.
    let faultInjector: (@Sendable (FaultPoint) throws -> Void)?
    /// Measures the CPU time of `append` (benchmarks only).
    nonisolated(unsafe) var persistTimer: CPUCounter?

    static let stateMappings: [any StateRowMapping.Type] = [
        MemberRecord.self, DatasetRecord.self, TaskRecord.self, RoundRecord.self, UpdateRecord.self,
        AggregateRecord.self, PrivacySpendRecord.self, EvidenceRecord.self,
    ]

    /// Opens (creating if needed) the database for `genesis.chainID` at `url`. A new database
    /// gets the schema, the genesis, and the genesis members' rows.
    public init(url: URL, genesis: Genesis, faultInjector: (@Sendable (FaultPoint) throws -> Void)? = nil) throws(StoreError) {
        self.chainID = genesis.chainID
        self.url = url
        self.faultInjector = faultInjector
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                // A block dirties thousands of index pages; a 64 MiB cache keeps the hot ones,
                // and checkpointing every 16,384 pages (64 MiB of WAL) copies a page rewritten
                // by many blocks once instead of once per block.
                try db.execute(sql: "PRAGMA cache_size = -65536")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
            }
            pool = try DatabasePool(path: url.path, configuration: configuration)
            // FULL: a committed block survives power loss, not only a crash. GRDB sets a pool's
            // connections to NORMAL in its WAL set-up, after `prepareDatabase`; the writer is
            // the connection that commits, so it is switched to FULL here.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try ChainStore.migrator.migrate(pool)
            try pool.write { db in
                let chain = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'chain_id'")
                if let chain {
                    guard chain == genesis.chainID else {
                        throw StoreError.wrongChain(path: url.path, expected: genesis.chainID, found: chain)
                    }
                    let hash = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'genesis_hash'")
                    guard hash == Data(genesis.hash.bytes) else { throw StoreError.genesisMismatch(path: url.path) }
                } else {
                    try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('chain_id', ?), ('genesis_hash', ?), ('genesis', ?)",
                                   arguments: [genesis.chainID, Data(genesis.hash.bytes), String(decoding: genesis.jsonData(), as: UTF8.self)])
                    let application = try LedgerApplication(genesis: genesis)
                    for member in application.state.members.values { try ChainStore.upsert(member, db) }
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(url.path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID")
            try db.execute(sql: """
                CREATE TABLE blocks (
                    height INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, previous_id BLOB NOT NULL,
                    timestamp INTEGER NOT NULL, proposer BLOB NOT NULL, tx_count INTEGER NOT NULL,
                    state_root BLOB NOT NULL, header BLOB NOT NULL, certificate BLOB NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX blocks_by_proposer ON blocks (proposer, height)")
            try db.execute(sql: """
                CREATE TABLE transactions (
                    height INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, type INTEGER NOT NULL,
                    sender BLOB NOT NULL, nonce INTEGER NOT NULL, bytes BLOB NOT NULL,
                    PRIMARY KEY (height, idx)) WITHOUT ROWID
                """)
            try db.execute(sql: "CREATE UNIQUE INDEX transactions_by_hash ON transactions (hash)")
            try db.execute(sql: "CREATE INDEX transactions_by_type ON transactions (type, height, idx)")
            try db.execute(sql: "CREATE INDEX transactions_by_sender ON transactions (sender, nonce)")
            for mapping in stateMappings {
                try db.execute(sql: mapping.createTableSQL)
                for index in mapping.indexes { try db.execute(sql: index) }
            }
        }
        // Task closures (`CloseTask`). A database made by "v1" today already has the column.
        migrator.registerMigration("v2") { db in
            if try !db.columns(in: "tasks").contains(where: { $0.name == "closure" }) {
                try db.execute(sql: "ALTER TABLE tasks ADD COLUMN closure")
            }
        }
        return migrator
    }

    // MARK: Writing

    /// Persists a committed block, its certificate, its transactions and its state rows in one
    /// SQL transaction.
    public func append(_ staged: StagedBlock, certificate: CommitCertificate) throws(StoreError) {
        let header = staged.block.header
        do {
            try (persistTimer ?? CPUCounter()).measure {
            try pool.write { db in
                let tip = try Int64.fetchOne(db, sql: "SELECT MAX(height) FROM blocks") ?? 0
                guard UInt64(tip) + 1 == header.height else {
                    throw StoreError.corrupt("appending height \(header.height) after stored height \(tip)")
                }
                try db.cachedStatement(sql: """
                    INSERT INTO blocks (height, id, previous_id, timestamp, proposer, tx_count, state_root, header, certificate)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: StatementArguments([
                        StoreValues.int(header.height), StoreValues.blob(header.id), StoreValues.blob(header.previousID),
                        StoreValues.int(header.timestamp), StoreValues.blob(header.proposer), StoreValues.int(header.txCount),
                        StoreValues.blob(header.stateRoot), StoreValues.blob(header.canonicalBytes),
                        StoreValues.blob(certificate.canonicalBytes),
                    ]))
                let insertTx = try RawStatement(db, sql: """
                    INSERT INTO transactions (height, idx, hash, type, sender, nonce, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                let height = StoreValues.int(header.height)
                for (index, tx) in staged.transactions.enumerated() {
                    try insertTx.execute([
                        height, Int64(index).databaseValue, StoreValues.blob(tx.hash), Int64(tx.kind.rawValue).databaseValue,
                        StoreValues.blob(tx.sender), StoreValues.int(tx.transaction.nonce), StoreValues.blob(tx.bytes),
                    ])
                }
                try faultInjector?(.afterBlockRows)
                let delta = staged.delta
                try ChainStore.upsert(delta.members.values, db)
                try ChainStore.upsert(delta.datasets.values, db)
                try ChainStore.upsert(delta.tasks.values, db)
                try ChainStore.upsert(delta.rounds.values, db)
                try ChainStore.upsert(delta.updates.values, db)
                try ChainStore.upsert(delta.aggregates.values, db)
                try ChainStore.upsert(delta.privacySpending.values, db)
                try ChainStore.upsert(delta.evidence.values, db)
                try faultInjector?(.beforeCommit)
            }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    static func upsert<R: StateRowMapping>(_ record: R, _ db: Database) throws {
        try db.cachedStatement(sql: R.upsertSQL).execute(arguments: StatementArguments(record.databaseValues))
    }

    static func upsert<R: StateRowMapping>(_ records: some Collection<R>, _ db: Database) throws {
        guard !records.isEmpty else { return }
        let statement = try RawStatement(db, sql: R.upsertSQL)
        for record in records { try statement.execute(record.databaseValues) }
    }

    // MARK: Loading

    /// The stored height (0 when only the genesis is stored).
    public func height() throws(StoreError) -> UInt64 {
        try read { db in UInt64(try Int64.fetchOne(db, sql: "SELECT MAX(height) FROM blocks") ?? 0) }
    }

    /// The committed block at `height` with its certificate, or nil above the stored tip.
    /// Block sync serves these to lagging nodes, which re-verify them with `Ledger.append`.
    public func committedBlock(at height: UInt64) throws(StoreError) -> CommittedBlock? {
        guard height >= 1, height <= UInt64(Int64.max) else { return nil }
        return try read { db -> CommittedBlock? in
            guard let row = try Row.fetchOne(db, sql: "SELECT header, certificate FROM blocks WHERE height = ?",
                                             arguments: [Int64(height)]) else { return nil }
            let header = try ChainStore.decodeHeader(row["header"] ?? Data())
            let certificate: CommitCertificate
            do {
                certificate = try CommitCertificate(canonicalBytes: [UInt8]((row["certificate"] as Data?) ?? Data()),
                                                    context: "commit certificate")
            } catch {
                throw StoreError.corrupt("certificate of block \(height): \(error)")
            }
            let transactions = try Data.fetchAll(db, sql: "SELECT bytes FROM transactions WHERE height = ? ORDER BY idx",
                                                 arguments: [Int64(height)]).map { [UInt8]($0) }
            return CommittedBlock(block: Block(header: header, transactions: transactions), certificate: certificate)
        }
    }

    /// Rebuilds the ledger application from the stored state rows and checks they hash to the
    /// last block's state root, so rows edited behind the ledger's back are caught on open.
    public func loadApplication(genesis: Genesis) throws(StoreError) -> LedgerApplication {
        let stored = try readState(checkCanonical: true)
        if let row = stored.nonCanonical {
            throw .corrupt("state row \(row.table)[\(row.key)] column \(row.column) is not what the ledger wrote")
        }
        let tipHeader: BlockHeader? = try read { db in
            guard let bytes = try Data.fetchOne(db, sql: "SELECT header FROM blocks ORDER BY height DESC LIMIT 1") else { return nil }
            return try ChainStore.decodeHeader(bytes)
        }
        let tip: ChainTip
        if let header = tipHeader {
            tip = ChainTip(height: header.height, blockID: header.id, timestamp: header.timestamp, stateRoot: header.stateRoot)
        } else {
            let fresh: LedgerApplication
            do { fresh = try LedgerApplication(genesis: genesis) } catch { throw .corrupt("\(error)") }
            tip = fresh.tip
        }
        guard stored.state.root == tip.stateRoot else { throw .stateMismatch(height: tip.height) }
        return LedgerApplication(genesis: genesis, state: stored.state, tip: tip)
    }

    static func decodeHeader(_ data: Data) throws -> BlockHeader {
        do { return try BlockHeader(canonicalBytes: [UInt8](data), context: "block header") } catch {
            throw StoreError.corrupt("\(error)")
        }
    }

    /// Runs a read in a snapshot, mapping errors to `StoreError`.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }
}
