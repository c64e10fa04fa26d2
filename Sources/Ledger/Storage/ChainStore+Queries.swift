import Foundation
import GRDB

/// Read-only queries over a chain database; each is served by a table's primary key or an
/// index (see `ChainStore.migrator` and `StateRowMapping.indexes`).
extension ChainStore {
    /// Where a transaction is and what it is.
    public struct TransactionSummary: Sendable, Encodable {
        public var height: UInt64
        public var index: Int
        public var hash: Hash256
        public var type: String
        public var sender: PublicKey
        public var nonce: UInt64
    }

    /// A stored transaction with its inclusion proof against its block's Merkle root.
    public struct TransactionRecord: Sendable {
        public var summary: TransactionSummary
        public var transaction: SignedTransaction
        public var header: BlockHeader
        public var proof: MerkleProof
    }

    public struct Status: Sendable, Encodable {
        public var chainID: String
        public var height: UInt64
        public var tipID: Hash256
        public var tipTimestamp: UInt64
        public var stateRoot: Hash256
        public var genesisHash: Hash256
        public var transactions: Int
        public var transactionsByType: [String: Int]
        public var validators: [PublicKey]
        public var stateRows: [String: Int]
    }

    public func status(genesis: Genesis) throws(StoreError) -> Status {
        try read { db in
            let counts = try Row.fetchAll(db, sql: "SELECT type, COUNT(*) AS n FROM transactions GROUP BY type")
            var byType: [String: Int] = [:]
            for row in counts {
                let tag = UInt16(truncatingIfNeeded: (row["type"] as Int64?) ?? 0)
                byType[TransactionKind(rawValue: tag)?.name ?? "0x\(String(tag, radix: 16))"] = row["n"]
            }
            var rows: [String: Int] = [:]
            for mapping in ChainStore.stateMappings {
                rows[mapping.tableName] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(mapping.tableName)") ?? 0
            }
            let validators = try Data.fetchAll(db, sql: "SELECT key FROM members WHERE roles & 1 ORDER BY key").compactMap { PublicKey(bytes: $0) }
            let tip: BlockHeader? = try Data.fetchOne(db, sql: "SELECT header FROM blocks ORDER BY height DESC LIMIT 1").map(ChainStore.decodeHeader)
            var stateRoot = tip?.stateRoot
            if stateRoot == nil { stateRoot = try? LedgerApplication(genesis: genesis).tip.stateRoot }
            return Status(chainID: chainID, height: tip?.height ?? 0, tipID: tip?.id ?? genesis.hash,
                          tipTimestamp: tip?.timestamp ?? genesis.genesisTime, stateRoot: stateRoot ?? .zero,
                          genesisHash: genesis.hash, transactions: byType.values.reduce(0, +), transactionsByType: byType,
                          validators: validators, stateRows: rows)
        }
    }

    /// The committed block at `height` with its certificate.
    public func block(at height: UInt64) throws(StoreError) -> CommittedBlock {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT header, certificate FROM blocks WHERE height = ?", arguments: [Int64(height)]) else {
                throw StoreError.notFound("block \(height)")
            }
            let header = try ChainStore.decodeHeader(row["header"])
            let certificate: CommitCertificate
            do { certificate = try CommitCertificate(canonicalBytes: [UInt8](row["certificate"] as Data), context: "certificate") } catch {
                throw StoreError.corrupt("\(error)")
            }
            let transactions = try Data.fetchAll(db, sql: "SELECT bytes FROM transactions WHERE height = ? ORDER BY idx",
                                                 arguments: [Int64(height)]).map { [UInt8]($0) }
            return CommittedBlock(block: Block(header: header, transactions: transactions), certificate: certificate)
        }
    }

    /// The transaction with `hash` (a full hash, or a unique hex prefix of at least 8 digits).
    public func transaction(_ hashOrPrefix: String) throws(StoreError) -> TransactionRecord {
        try read { db in
            let lowered = hashOrPrefix.lowercased()
            let row: Row?
            if let hash = Hash256(hex: lowered) {
                row = try Row.fetchOne(db, sql: "SELECT height, idx, bytes FROM transactions WHERE hash = ?", arguments: [Data(hash.bytes)])
            } else {
                guard lowered.count >= 8, lowered.count % 2 == 0, let prefix = [UInt8](hex: lowered) else {
                    throw StoreError.notFound("transaction \(hashOrPrefix) (give the hash or at least 8 hex digits of it)")
                }
                // Range scan over the hash index: prefix ≤ hash < prefix + 1.
                var upper = prefix
                while let last = upper.last, last == 0xff { upper.removeLast() }
                let rows: [Row]
                if upper.isEmpty {
                    rows = try Row.fetchAll(db, sql: "SELECT height, idx, bytes FROM transactions WHERE hash >= ? LIMIT 2", arguments: [Data(prefix)])
                } else {
                    upper[upper.count - 1] += 1
                    rows = try Row.fetchAll(db, sql: "SELECT height, idx, bytes FROM transactions WHERE hash >= ? AND hash < ? LIMIT 2",
                                            arguments: [Data(prefix), Data(upper)])
                }
                guard rows.count <= 1 else { throw StoreError.notFound("a unique transaction for prefix \(hashOrPrefix) (several match)") }
                row = rows.first
            }
            guard let row else { throw StoreError.notFound("transaction \(hashOrPrefix)") }
            let height: Int64 = row["height"], index: Int64 = row["idx"]
            let tx: SignedTransaction
            do { tx = try SignedTransaction(decoding: [UInt8](row["bytes"] as Data)) } catch { throw StoreError.corrupt("\(error)") }
            let header = try ChainStore.decodeHeader(try Data.fetchOne(db, sql: "SELECT header FROM blocks WHERE height = ?", arguments: [height]) ?? Data())
            let hashes = try Data.fetchAll(db, sql: "SELECT hash FROM transactions WHERE height = ? ORDER BY idx", arguments: [height])
                .compactMap { Hash256(bytes: $0) }
            let proof = Block.merkleTree(transactionHashes: hashes).proof(forLeafAt: Int(index))
            let summary = TransactionSummary(height: UInt64(height), index: Int(index), hash: tx.hash, type: tx.kind.name,
                                             sender: tx.sender, nonce: tx.transaction.nonce)
            return TransactionRecord(summary: summary, transaction: tx, header: header, proof: proof)
        }
    }

    /// Transactions in chain order, optionally of one type and/or one sender.
    public func transactions(kind: TransactionKind? = nil, sender: PublicKey? = nil, limit: Int = 100,
                             offset: Int = 0) throws(StoreError) -> [TransactionSummary] {
        try read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let kind { conditions.append("type = ?"); arguments += [Int64(kind.rawValue)] }
            if let sender { conditions.append("sender = ?"); arguments += [Data(sender.bytes)] }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [limit, offset]
            return try Row.fetchAll(db, sql: """
                SELECT height, idx, hash, type, sender, nonce FROM transactions \(filter) ORDER BY height, idx LIMIT ? OFFSET ?
                """, arguments: arguments).map { row in
                let tag = UInt16(truncatingIfNeeded: (row["type"] as Int64?) ?? 0)
                return TransactionSummary(
                    height: UInt64(bitPattern: row["height"]), index: row["idx"], hash: Hash256(bytes: row["hash"] as Data) ?? .zero,
                    type: TransactionKind(rawValue: tag)?.name ?? "0x\(String(tag, radix: 16))",
                    sender: PublicKey(bytes: row["sender"] as Data) ?? PublicKey(bytes: [UInt8](repeating: 0, count: 32))!,
                    nonce: UInt64(bitPattern: row["nonce"]))
            }
        }
    }

    /// Rows per world-state table.
    public func rowCounts() throws(StoreError) -> [StateTable: Int] {
        try read { db in
            var counts: [StateTable: Int] = [:]
            for mapping in ChainStore.stateMappings {
                counts[mapping.table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(mapping.tableName)") ?? 0
            }
            return counts
        }
    }

    /// The world-state tables that `stateRows(_:where:)` can list.
    public static var stateTableNames: [String] { stateMappings.map { $0.tableName } }

    /// Rows of a world-state table as column → value (blobs as hex, JSON columns parsed),
    /// optionally filtered by equality on columns (served by the table's key or indexes).
    public func stateRows(_ table: String, where filters: [String: String] = [:], limit: Int = 1000) throws(StoreError) -> [[String: JSONValue]] {
        guard let mapping = ChainStore.stateMappings.first(where: { $0.tableName == table }) else {
            throw StoreError.notFound("state table \(table) (tables: \(ChainStore.stateTableNames.joined(separator: ", ")))")
        }
        var conditions: [String] = []
        var arguments: StatementArguments = []
        for (column, value) in filters.sorted(by: { $0.key < $1.key }) {
            guard mapping.columns.contains(column) else {
                throw StoreError.notFound("column \(column) in \(table) (columns: \(mapping.columns.joined(separator: ", ")))")
            }
            conditions.append("\(column) = ?")
            if let bytes = [UInt8](hex: value), bytes.count == 32 { arguments += [Data(bytes)] }
            else if let number = Int64(value) { arguments += [number] }
            else { arguments += [value] }
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [limit]
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT \(mapping.columns.joined(separator: ", ")) FROM \(table) \(filter) ORDER BY \(mapping.primaryKey.joined(separator: ", ")) LIMIT ?",
                             arguments: arguments).map { row in
                var object: [String: JSONValue] = [:]
                for (column, value) in zip(mapping.columns, row.databaseValues) {
                    switch value.storage {
                    case .null: object[column] = .null
                    case .int64(let v): object[column] = .number(Double(v))
                    case .double(let v): object[column] = .number(v)
                    case .string(let s):
                        if s.hasPrefix("{") || s.hasPrefix("["), let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(s.utf8)) {
                            object[column] = parsed
                        } else {
                            object[column] = .string(s)
                        }
                    case .blob(let d): object[column] = .string([UInt8](d).hexString)
                    }
                }
                return object
            }
        }
    }
}
