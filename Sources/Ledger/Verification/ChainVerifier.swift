import Foundation
import GRDB

/// Re-checks a stored chain from its genesis: every stored column against the canonical
/// bytes it came from, every hash link, Merkle root, per-type count, transaction signature
/// and commit certificate, then replays every block through a fresh state machine comparing
/// each state root, and finally compares every stored state row with the replayed state.
///
/// Blocks are read in batches; while one batch replays on one core, the transaction
/// signatures of the next are verified on the others.
public struct ChainVerifier: Sendable {
    public struct Problem: Error, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The first height at which the stored chain is wrong.
        public var height: UInt64
        public var what: String
        public var description: String { "height \(height): \(what)" }
    }

    public struct Report: Sendable, Encodable {
        public var chainID: String
        public var height: UInt64
        public var blocks: Int
        public var transactions: Int
        public var stateRows: Int
        public var stateRoot: String
        public var seconds: Double
        /// Of `seconds`, the wait at the end for the stored-state check (and any row diff).
        public var stateCheckSeconds: Double
        /// CPU seconds of the sequential replay (checks, execution, certificates) and of reading
        /// and hashing the stored state; the rest of the CPU time is signature verification.
        public var replayCPUSeconds: Double
        public var storedStateCPUSeconds: Double
        public var transactionsPerSecond: Double
        public var problem: Problem?
        public var ok: Bool { problem == nil }

        enum CodingKeys: String, CodingKey {
            case chainID = "chain_id", height, blocks, transactions, stateRows = "state_rows", stateRoot = "state_root"
            case seconds, stateCheckSeconds = "state_check_seconds", transactionsPerSecond = "tx_per_second", problem, ok
            case replayCPUSeconds = "replay_cpu_seconds", storedStateCPUSeconds = "stored_state_cpu_seconds"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(chainID, forKey: .chainID); try c.encode(height, forKey: .height)
            try c.encode(blocks, forKey: .blocks); try c.encode(transactions, forKey: .transactions)
            try c.encode(stateRows, forKey: .stateRows); try c.encode(stateRoot, forKey: .stateRoot)
            try c.encode(seconds, forKey: .seconds); try c.encode(stateCheckSeconds, forKey: .stateCheckSeconds)
            try c.encode(transactionsPerSecond, forKey: .transactionsPerSecond)
            try c.encode(replayCPUSeconds, forKey: .replayCPUSeconds); try c.encode(storedStateCPUSeconds, forKey: .storedStateCPUSeconds)
            try c.encodeIfPresent(problem, forKey: .problem); try c.encode(ok, forKey: .ok)
        }
    }

    public let store: ChainStore
    public let genesis: Genesis
    /// The same domain validators the node runs, so replay applies the same rules.
    public var domainValidators: [any DomainValidator] = []
    /// Transactions per read batch.
    public var batchTransactions = 4096

    public init(store: ChainStore, genesis: Genesis) {
        self.store = store
        self.genesis = genesis
    }

    struct StoredTransaction {
        var height: UInt64, index: Int64, hash: Data, type: Int64, sender: Data, nonce: Int64, bytes: [UInt8]
    }

    struct StoredBlock {
        var row: Row
        var header: Data
        var certificate: Data
        var transactions: [StoredTransaction] = []
    }

    /// Verifies the whole chain. Returns a report whose `problem` names the first bad height;
    /// throws only when the database cannot be read at all.
    public func verify() throws(StoreError) -> Report {
        let start = DispatchTime.now()
        let application: LedgerApplication
        do { application = try LedgerApplication(genesis: genesis) } catch { throw .corrupt("\(error)") }
        application.domainValidators = domainValidators
        let tipHeight = try store.height()
        var blocks = 0, transactions = 0
        var problem: Problem? = nil
        var stateCheckSeconds = 0.0
        var replayCPU = 0.0
        let storedStateCPU = CPUCounter()

        func finish() -> Report {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            return Report(chainID: genesis.chainID, height: application.tip.height, blocks: blocks, transactions: transactions,
                          stateRows: application.state.rowCount, stateRoot: application.tip.stateRoot.hex, seconds: seconds,
                          stateCheckSeconds: stateCheckSeconds, replayCPUSeconds: replayCPU, storedStateCPUSeconds: storedStateCPU.seconds,
                          transactionsPerSecond: seconds > 0 ? Double(transactions) / seconds : 0, problem: problem)
        }

        // Structural checks over the whole tables first.
        problem = try checkTables(tipHeight: tipHeight)
        if problem != nil { return finish() }
        application.state.reserveCapacity(try store.rowCounts())

        // Meanwhile, on another thread, hash the stored state rows into a state root: if it
        // equals the replayed root at the end, the rows are exactly the replayed state (and the
        // row-by-row comparison is needed only to locate a difference).
        let storedState = StoredStateBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { [store] in
            storedState.result = Result { () throws(StoreError) -> ChainStore.StoredState in
                try store.readState(checkCanonical: true, cpu: storedStateCPU)
            }
        }
        defer { group.wait() }

        // Three stages overlap: batch k−1 replays on one core while batch k's signatures are
        // verified and batch k+1 is read on the others.
        var upcoming = tipHeight >= 1 ? try readBatch(from: 1, through: tipHeight) : []
        var next = 1 + UInt64(upcoming.count)
        var current: (batch: [StoredBlock], verified: [Result<VerifiedTransaction, TransactionRejection>])? = nil
        while current != nil || !upcoming.isEmpty {
            let batch = upcoming
            let bytes = batch.flatMap { $0.transactions.map(\.bytes) }
            let slots = ParallelSlots<Result<VerifiedTransaction, TransactionRejection>>(count: bytes.count)
            let read = ParallelSlots<Result<[StoredBlock], StoreError>>(count: 1)
            let readFrom = next
            let maxBytes = genesis.limits.maxTransactionBytes
            let chunk = 64
            let previous = current
            Parallel.overlap(sequential: {
                guard let previous, problem == nil else { return }
                let threadStart = CPUTime.thread()
                defer { replayCPU += CPUTime.thread() - threadStart }
                var offset = 0
                for stored in previous.batch {
                    let count = stored.transactions.count
                    let verified = previous.verified[offset..<(offset + count)]
                    offset += count
                    if let found = replay(stored, verified: Array(verified), application: application) {
                        problem = found
                        return
                    }
                    blocks += 1
                    transactions += count
                }
            }, count: (bytes.count + chunk - 1) / chunk + 1, parallel: { job in
                if job == 0 {
                    read.set(0, Result { () throws(StoreError) -> [StoredBlock] in
                        readFrom <= tipHeight ? try readBatch(from: readFrom, through: tipHeight) : []
                    })
                    return
                }
                let c = job - 1
                for i in (c * chunk)..<min(bytes.count, (c + 1) * chunk) {
                    slots.set(i, Result { () throws(TransactionRejection) -> VerifiedTransaction in
                        try TransactionVerifier.verify(bytes[i], maxBytes: maxBytes)
                    })
                }
            })
            if problem != nil { return finish() }
            upcoming = try read.results[0].get()
            next += UInt64(upcoming.count)
            current = batch.isEmpty ? nil : (batch, slots.results)
        }

        let stateCheckStart = DispatchTime.now()
        group.wait()
        switch storedState.result {
        case .success(let stored)? where stored.nonCanonical == nil && stored.state.root == application.state.root:
            break
        case .success(let stored)? where stored.nonCanonical != nil:
            let row = stored.nonCanonical!
            problem = Problem(height: row.height, what: "state row \(row.table)[\(row.key)] column \(row.column) is not what the ledger wrote")
            if let found = try compareState(application.state), found.height <= row.height { problem = found }
        default:
            problem = try compareState(application.state)
                ?? Problem(height: application.tip.height, what: "the stored state rows do not hash to the replayed state root")
        }
        stateCheckSeconds = Double(DispatchTime.now().uptimeNanoseconds - stateCheckStart.uptimeNanoseconds) / 1e9
        return finish()
    }

    /// Blocks without gaps, and no transaction rows outside stored blocks.
    func checkTables(tipHeight: UInt64) throws(StoreError) -> Problem? {
        try store.read { db in
            let count = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM blocks") ?? 0
            if UInt64(count) != tipHeight {
                let firstGap = try Int64.fetchOne(db, sql: """
                    SELECT MIN(height + 1) FROM blocks WHERE height + 1 NOT IN (SELECT height FROM blocks) AND height < ?
                    """, arguments: [Int64(tipHeight)]) ?? 1
                return Problem(height: UInt64(firstGap), what: "block missing: the blocks table has a gap (\(count) rows up to height \(tipHeight))")
            }
            if let orphan = try Int64.fetchOne(db, sql: "SELECT MIN(height) FROM transactions WHERE height NOT IN (SELECT height FROM blocks)") {
                return Problem(height: UInt64(orphan), what: "transaction rows at a height with no stored block")
            }
            return nil
        }
    }

    func readBatch(from first: UInt64, through last: UInt64) throws(StoreError) -> [StoredBlock] {
        try store.read { db in
            var blocks: [StoredBlock] = []
            var total = 0
            var height = first
            // Take blocks until the batch holds enough transactions.
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM blocks WHERE height >= ? ORDER BY height", arguments: [Int64(first)])
            while total < batchTransactions, height <= last, let row = try rows.next() {
                let header: Data = row["header"] ?? Data()
                let certificate: Data = row["certificate"] ?? Data()
                blocks.append(StoredBlock(row: row.copy(), header: header, certificate: certificate))
                total += Int((row["tx_count"] as Int64?) ?? 0)
                height += 1
            }
            guard let lastHeight = blocks.last.map({ (($0.row["height"] as Int64?) ?? 0) }) else { return blocks }
            let txRows = try Row.fetchCursor(db, sql: """
                SELECT height, idx, hash, type, sender, nonce, bytes FROM transactions
                WHERE height BETWEEN ? AND ? ORDER BY height, idx
                """, arguments: [Int64(first), lastHeight])
            var position = 0
            while let row = try txRows.next() {
                let txHeight = UInt64(bitPattern: row[0] as Int64? ?? 0)
                while position < blocks.count, UInt64(bitPattern: (blocks[position].row["height"] as Int64?) ?? 0) < txHeight {
                    position += 1
                }
                guard position < blocks.count else { break }
                blocks[position].transactions.append(StoredTransaction(
                    height: txHeight, index: row[1] ?? -1, hash: row[2] ?? Data(), type: row[3] ?? -1, sender: row[4] ?? Data(),
                    nonce: row[5] ?? -1, bytes: [UInt8]((row[6] as Data?) ?? Data())))
            }
            return blocks
        }
    }

    /// Checks one stored block and commits it to `application`; returns the problem if any.
    func replay(_ stored: StoredBlock, verified: [Result<VerifiedTransaction, TransactionRejection>],
                application: LedgerApplication) -> Problem? {
        let expectedHeight = application.tip.height + 1
        let rowHeight = UInt64(bitPattern: (stored.row["height"] as Int64?) ?? 0)
        func problem(_ what: String) -> Problem { Problem(height: rowHeight, what: what) }
        let header: BlockHeader
        do { header = try BlockHeader(canonicalBytes: [UInt8](stored.header), context: "block header") } catch {
            return problem("header bytes are malformed: \(error)")
        }
        // Every queryable column must match the header bytes it was derived from.
        let columns: [(String, DatabaseValue)] = [
            ("height", StoreValues.int(header.height)), ("id", StoreValues.blob(header.id)),
            ("previous_id", StoreValues.blob(header.previousID)), ("timestamp", StoreValues.int(header.timestamp)),
            ("proposer", StoreValues.blob(header.proposer)), ("tx_count", StoreValues.int(header.txCount)),
            ("state_root", StoreValues.blob(header.stateRoot)),
        ]
        for (name, expected) in columns where stored.row[name] as DatabaseValue != expected {
            return problem("blocks.\(name) is \(StoreValues.describe(stored.row[name])) but the header bytes say \(StoreValues.describe(expected))")
        }
        guard header.height == expectedHeight else { return problem("expected height \(expectedHeight) next, found \(header.height)") }
        for (i, tx) in stored.transactions.enumerated() {
            guard tx.index == Int64(i) else { return problem("transaction rows are not numbered 0..<\(stored.transactions.count) (found index \(tx.index) at position \(i))") }
            let hash: Hash256
            if case .success(let v) = verified[i] { hash = v.hash } else { hash = Hash256.sha256(tx.bytes) }
            guard tx.hash == Data(hash.bytes) else {
                return problem("transaction \(i): stored hash \(StoreValues.describe(tx.hash.databaseValue)) is not the SHA-256 of its bytes (\(hash.hex.prefix(16))…): the transaction was edited")
            }
            if case .success(let v) = verified[i] {
                let body = v.transaction.transaction
                guard tx.type == Int64(body.kind.rawValue), tx.sender == Data(body.sender.bytes), tx.nonce == Int64(bitPattern: body.nonce) else {
                    return problem("transaction \(i): the type/sender/nonce columns differ from its bytes")
                }
            }
        }
        let block = Block(header: header, transactions: stored.transactions.map(\.bytes))
        let staged: StagedBlock
        do {
            // A transaction whose signature or decoding failed is verified again by stage,
            // which reports which one.
            staged = try application.stage(block, verified: verified.map { try? $0.get() })
        } catch {
            return problem(error.description.replacingOccurrences(of: "height \(header.height): ", with: ""))
        }
        let certificate: CommitCertificate
        do { certificate = try CommitCertificate(canonicalBytes: [UInt8](stored.certificate), context: "commit certificate") } catch {
            return problem("commit certificate bytes are malformed: \(error)")
        }
        do { try certificate.verify(for: header, validators: application.validators) } catch {
            return problem("commit certificate invalid: \(error)")
        }
        application.commit(staged)
        return nil
    }

    /// Compares every stored state row, column by column, with the replayed state.
    ///
    /// Per table, the replayed rows are sorted into SQLite's primary-key order and merged
    /// against the stored rows read in that order; tables are compared in parallel.
    func compareState(_ state: WorldState) throws(StoreError) -> Problem? {
        // Largest tables first, so the two big ones start on different cores.
        let results = ParallelSlots<Result<Problem?, StoreError>>(count: 8)
        nonisolated(unsafe) let state = state
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            results.set(i, Result { () throws(StoreError) -> Problem? in
                switch i {
                case 0: try compare(Array(state.updates.values))
                case 1: try compare(Array(state.privacySpending.values))
                case 2: try compare(Array(state.members.values))
                case 3: try compare(Array(state.datasets.values))
                case 4: try compare(Array(state.tasks.values))
                case 5: try compare(Array(state.rounds.values))
                case 6: try compare(Array(state.aggregates.values))
                default: try compare(Array(state.evidence.values))
                }
            })
        }
        var problems: [Problem] = []
        for result in results.results {
            if let problem = try result.get() { problems.append(problem) }
        }
        return problems.min { ($0.height, $0.what) < ($1.height, $1.what) }
    }

    /// The first (lowest-height) difference between the stored rows of one table and `expected`.
    func compare<R: StateRowMapping>(_ expected: [R]) throws(StoreError) -> Problem? {
        let keyCount = R.primaryKey.count
        let wanted = expected.map { (values: $0.databaseValues, record: $0) }
            .sorted { ChainVerifier.precedes($0.values, $1.values, count: keyCount) }
        var problems: [Problem] = []
        func name(_ key: ArraySlice<DatabaseValue>) -> String { "\(R.tableName)[\(key.map(StoreValues.describe).joined(separator: "/"))]" }
        try store.read { db in
            let rows = try Row.fetchCursor(db, sql: R.selectAllSQL)
            var next = 0
            while let row = try rows.next() {
                let values = Array(row.databaseValues)
                // Replayed rows that sort before this stored one are missing from the database.
                while next < wanted.count, ChainVerifier.precedes(wanted[next].values, values, count: keyCount) {
                    problems.append(Problem(height: wanted[next].record.updatedAt,
                                            what: "state row \(name(wanted[next].values.prefix(keyCount))) is missing from the database"))
                    next += 1
                }
                guard next < wanted.count, !ChainVerifier.precedes(values, wanted[next].values, count: keyCount) else {
                    let claimed = (row["updated_at"] as Int64?).map { UInt64(bitPattern: $0) } ?? 0
                    problems.append(Problem(height: claimed, what: "state row \(name(values.prefix(keyCount))) exists in the database but not in the replayed state"))
                    continue
                }
                let want = wanted[next].values
                if values != want, let column = zip(R.columns, zip(values, want)).first(where: { $0.1.0 != $0.1.1 }) {
                    problems.append(Problem(height: wanted[next].record.updatedAt,
                                            what: "state row \(name(values.prefix(keyCount))) column \(column.0) is \(StoreValues.describe(column.1.0)), replay gives \(StoreValues.describe(column.1.1))"))
                }
                next += 1
            }
            for missing in wanted[next...] {
                problems.append(Problem(height: missing.record.updatedAt,
                                        what: "state row \(name(missing.values.prefix(keyCount))) is missing from the database"))
            }
        }
        return problems.min { ($0.height, $0.what) < ($1.height, $1.what) }
    }

    /// SQLite's BINARY ordering of primary keys: integers numerically, text and blobs bytewise
    /// (a prefix first), compared column by column over the first `count` columns.
    static func precedes(_ a: [DatabaseValue], _ b: [DatabaseValue], count: Int) -> Bool {
        for i in 0..<count {
            switch (a[i].storage, b[i].storage) {
            case (.int64(let x), .int64(let y)):
                if x != y { return x < y }
            case (.blob(let x), .blob(let y)):
                if x != y { return x.lexicographicallyPrecedes(y) }
            case (.string(let x), .string(let y)):
                if x != y { return x.utf8.lexicographicallyPrecedes(y.utf8) }
            default:
                // Mixed storage classes (only in a tampered row): SQLite orders
                // NULL < numbers < text < blob.
                let ra = rank(a[i]), rb = rank(b[i])
                if ra != rb { return ra < rb }
            }
        }
        return false
    }

    private static func rank(_ value: DatabaseValue) -> Int {
        switch value.storage {
        case .null: 0
        case .int64, .double: 1
        case .string: 2
        case .blob: 3
        }
    }
}

/// Carries the background state read's result back to `verify()`.
final class StoredStateBox: @unchecked Sendable {
    // @unchecked: written once by the background job before `DispatchGroup.wait()` returns.
    var result: Result<ChainStore.StoredState, StoreError>?
}
