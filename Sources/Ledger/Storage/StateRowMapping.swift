import Foundation
import GRDB

/// How a world-state record maps to its SQL table: one column per field, so every query can
/// use plain SQL and indexes, and `chain verify` can compare every column of every stored row
/// with the replayed state.
///
/// Unsigned 64-bit values are stored as `Int64(bitPattern:)` (SQLite integers are signed);
/// ε amounts as integer micro-ε; metrics as JSON text with sorted keys.
protocol StateRowMapping: StateRecord {
    /// Column names, primary-key columns first.
    static var columns: [String] { get }
    static var primaryKey: [String] { get }
    /// `CREATE INDEX` statements serving the queries.
    static var indexes: [String] { get }
    /// Column values in `columns` order.
    var databaseValues: [DatabaseValue] { get }
    init(row: Row) throws
}

extension StateRowMapping {
    static var tableName: String { table.name }

    static var createTableSQL: String {
        "CREATE TABLE \(tableName) (\(columns.joined(separator: ", ")), PRIMARY KEY (\(primaryKey.joined(separator: ", ")))) WITHOUT ROWID"
    }

    static var upsertSQL: String {
        "INSERT OR REPLACE INTO \(tableName) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
    }

    static var selectAllSQL: String {
        "SELECT \(columns.joined(separator: ", ")) FROM \(tableName) ORDER BY \(primaryKey.joined(separator: ", "))"
    }

    /// The key columns' values, for naming a row in messages.
    var keyDescription: String {
        databaseValues.prefix(Self.primaryKey.count).map(StoreValues.describe).joined(separator: "/")
    }
}

/// Conversions between ledger values and SQLite values.
enum StoreValues {
    static func blob(_ bytes: [UInt8]) -> DatabaseValue { Data(bytes).databaseValue }
    static func blob(_ hash: Hash256) -> DatabaseValue { Data(hash.bytes).databaseValue }
    static func blob(_ key: PublicKey) -> DatabaseValue { Data(key.bytes).databaseValue }
    static func int(_ value: UInt64) -> DatabaseValue { Int64(bitPattern: value).databaseValue }
    static func int(_ value: UInt32) -> DatabaseValue { Int64(value).databaseValue }
    static func int(_ value: Int64) -> DatabaseValue { value.databaseValue }
    static func text(_ value: String) -> DatabaseValue { value.databaseValue }
    static func json(_ values: NamedValues) -> DatabaseValue { text(jsonText(values)) }
    static func json(_ values: [UInt64]) -> DatabaseValue { text("[" + values.map(String.init).joined(separator: ",") + "]") }

    /// Compact JSON, names in canonical (UTF-8 byte) order, numbers in Swift's shortest
    /// round-trip form: one text per value, written without the cost of `JSONEncoder`.
    static func jsonText(_ values: NamedValues) -> String {
        var out = "{"
        for (i, entry) in values.entries.enumerated() {
            if i > 0 { out += "," }
            appendJSONString(entry.name, to: &out)
            out += ":"
            out += entry.value.description
        }
        return out + "}"
    }

    static func appendJSONString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    static func bytes(_ row: Row, _ column: String) throws -> [UInt8] {
        guard let data = row[column] as Data? else { throw StoreError.corrupt("column \(column) is not a blob") }
        return [UInt8](data)
    }

    static func hash(_ row: Row, _ column: String) throws -> Hash256 {
        guard let hash = Hash256(bytes: try bytes(row, column)) else { throw StoreError.corrupt("column \(column) is not a 32-byte hash") }
        return hash
    }

    static func key(_ row: Row, _ column: String) throws -> PublicKey {
        guard let key = PublicKey(bytes: try bytes(row, column)) else { throw StoreError.corrupt("column \(column) is not a 32-byte key") }
        return key
    }

    static func uint64(_ row: Row, _ column: String) throws -> UInt64 {
        guard let value = row[column] as Int64? else { throw StoreError.corrupt("column \(column) is not an integer") }
        return UInt64(bitPattern: value)
    }

    static func uint32(_ row: Row, _ column: String) throws -> UInt32 {
        guard let value = row[column] as Int64?, let narrow = UInt32(exactly: value) else {
            throw StoreError.corrupt("column \(column) is not a 32-bit unsigned integer")
        }
        return narrow
    }

    static func int64(_ row: Row, _ column: String) throws -> Int64 {
        guard let value = row[column] as Int64? else { throw StoreError.corrupt("column \(column) is not an integer") }
        return value
    }

    static func string(_ row: Row, _ column: String) throws -> String {
        guard let value = row[column] as String? else { throw StoreError.corrupt("column \(column) is not text") }
        return value
    }

    static func double(_ row: Row, _ column: String) throws -> Double {
        guard let value = row[column] as Double? else { throw StoreError.corrupt("column \(column) is not a number") }
        return value
    }

    static func namedValues(_ row: Row, _ column: String) throws -> NamedValues {
        guard let dictionary = try? JSONDecoder().decode([String: Double].self, from: Data(try string(row, column).utf8)),
              let values = NamedValues(dictionary) else { throw StoreError.corrupt("column \(column) is not a JSON object of numbers") }
        return values
    }

    static func uint64s(_ row: Row, _ column: String) throws -> [UInt64] {
        guard let values = try? JSONDecoder().decode([UInt64].self, from: Data(try string(row, column).utf8)) else {
            throw StoreError.corrupt("column \(column) is not a JSON array of integers")
        }
        return values
    }

    static func describe(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL"
        case .int64(let v): "\(v)"
        case .double(let v): "\(v)"
        case .string(let v): v.count > 40 ? "\"\(v.prefix(40))…\"" : "\"\(v)\""
        case .blob(let d): d.count > 8 ? "\([UInt8](d.prefix(8)).hexString)…" : [UInt8](d).hexString
        }
    }
}

extension MemberRecord: StateRowMapping {
    static let columns = ["key", "name", "roles", "reputation", "nonce", "joined_at", "updated_at"]
    static let primaryKey = ["key"]
    static let indexes = ["CREATE INDEX members_by_reputation ON members (reputation DESC)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.blob(key), StoreValues.text(name), Int64(roles.rawValue).databaseValue, StoreValues.int(reputation),
         StoreValues.int(nonce), StoreValues.int(joinedAt), StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        let raw = try StoreValues.int64(row, "roles")
        guard let roleBits = UInt8(exactly: raw) else { throw StoreError.corrupt("members.roles \(raw) is not a role set") }
        self.init(key: try StoreValues.key(row, "key"), name: try StoreValues.string(row, "name"), roles: Roles(rawValue: roleBits),
                  reputation: try StoreValues.int64(row, "reputation"), nonce: try StoreValues.uint64(row, "nonce"),
                  joinedAt: try StoreValues.uint64(row, "joined_at"), updatedAt: try StoreValues.uint64(row, "updated_at"))
    }
}

extension DatasetRecord: StateRowMapping {
    static let columns = ["cid", "owner", "schema", "record_count", "label_counts", "epsilon_budget_micro",
                          "epsilon_spent_micro", "registered_at", "updated_at"]
    static let primaryKey = ["cid"]
    static let indexes = ["CREATE INDEX datasets_by_owner ON datasets (owner)",
                          "CREATE INDEX datasets_by_schema ON datasets (schema)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.text(cid), StoreValues.blob(owner), StoreValues.text(schema), StoreValues.int(recordCount),
         StoreValues.json(labelCounts), StoreValues.int(epsilonBudget.micro), StoreValues.int(epsilonSpent.micro),
         StoreValues.int(registeredAt), StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        self.init(cid: try StoreValues.string(row, "cid"), owner: try StoreValues.key(row, "owner"),
                  schema: try StoreValues.string(row, "schema"), recordCount: try StoreValues.uint64(row, "record_count"),
                  labelCounts: try StoreValues.uint64s(row, "label_counts"),
                  epsilonBudget: Epsilon(micro: try StoreValues.uint64(row, "epsilon_budget_micro")),
                  epsilonSpent: Epsilon(micro: try StoreValues.uint64(row, "epsilon_spent_micro")),
                  registeredAt: try StoreValues.uint64(row, "registered_at"), updatedAt: try StoreValues.uint64(row, "updated_at"))
    }
}

extension TaskRecord: StateRowMapping {
    /// `spec` holds the canonical `PublishTask`; the columns after it repeat its queryable fields.
    static let columns = ["id", "publisher", "spec", "name", "dataset_schema", "rounds", "aggregation", "dp_mode",
                          "open_round", "published_at", "updated_at"]
    static let primaryKey = ["id"]
    static let indexes = ["CREATE INDEX tasks_by_publisher ON tasks (publisher)",
                          "CREATE INDEX tasks_by_schema ON tasks (dataset_schema)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.blob(id), StoreValues.blob(publisher), StoreValues.blob(spec.canonicalBytes), StoreValues.text(spec.name),
         StoreValues.text(spec.datasetSchema), StoreValues.int(spec.rounds), StoreValues.text(spec.aggregation),
         Int64(spec.privacy.mode.rawValue).databaseValue, StoreValues.int(openRound), StoreValues.int(publishedAt),
         StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        let spec: PublishTask
        do { spec = try PublishTask(canonicalBytes: try StoreValues.bytes(row, "spec"), context: "tasks.spec") } catch {
            throw StoreError.corrupt("\(error)")
        }
        self.init(id: try StoreValues.hash(row, "id"), publisher: try StoreValues.key(row, "publisher"), spec: spec,
                  openRound: try StoreValues.uint32(row, "open_round"), publishedAt: try StoreValues.uint64(row, "published_at"),
                  updatedAt: try StoreValues.uint64(row, "updated_at"))
    }
}

extension RoundRecord: StateRowMapping {
    static let columns = ["task", "round", "update_count", "aggregated", "opened_at", "updated_at"]
    static let primaryKey = ["task", "round"]
    static let indexes: [String] = []
    var databaseValues: [DatabaseValue] {
        [StoreValues.blob(key.task), StoreValues.int(key.round), StoreValues.int(updateCount), aggregated.databaseValue,
         StoreValues.int(openedAt), StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        guard let aggregated = row["aggregated"] as Bool? else { throw StoreError.corrupt("rounds.aggregated is not a boolean") }
        self.init(key: RoundKey(task: try StoreValues.hash(row, "task"), round: try StoreValues.uint32(row, "round")),
                  updateCount: try StoreValues.uint32(row, "update_count"), aggregated: aggregated,
                  openedAt: try StoreValues.uint64(row, "opened_at"), updatedAt: try StoreValues.uint64(row, "updated_at"))
    }
}

extension UpdateRecord: StateRowMapping {
    static let columns = ["task", "round", "member", "tx_hash", "update_cid", "sample_count", "norm", "metrics", "updated_at"]
    static let primaryKey = ["task", "round", "member"]
    static let indexes = ["CREATE UNIQUE INDEX updates_by_tx ON updates (tx_hash)",
                          "CREATE INDEX updates_by_member ON updates (member, task, round)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.blob(key.task), StoreValues.int(key.round), StoreValues.blob(key.member), StoreValues.blob(txHash),
         StoreValues.text(updateCID), StoreValues.int(sampleCount), norm.databaseValue, StoreValues.json(metrics),
         StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        self.init(key: UpdateKey(task: try StoreValues.hash(row, "task"), round: try StoreValues.uint32(row, "round"),
                                 member: try StoreValues.key(row, "member")),
                  txHash: try StoreValues.hash(row, "tx_hash"), updateCID: try StoreValues.string(row, "update_cid"),
                  sampleCount: try StoreValues.uint64(row, "sample_count"), norm: try StoreValues.double(row, "norm"),
                  metrics: try StoreValues.namedValues(row, "metrics"), updatedAt: try StoreValues.uint64(row, "updated_at"))
    }
}

extension AggregateRecord: StateRowMapping {
    /// `updates` is the concatenation of the included update transaction hashes.
    static let columns = ["task", "round", "aggregator", "tx_hash", "updates", "model_cid", "metrics", "updated_at"]
    static let primaryKey = ["task", "round"]
    static let indexes = ["CREATE INDEX aggregates_by_model ON aggregates (model_cid)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.blob(key.task), StoreValues.int(key.round), StoreValues.blob(aggregator), StoreValues.blob(txHash),
         StoreValues.blob(updates.flatMap(\.bytes)), StoreValues.text(modelCID), StoreValues.json(metrics),
         StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        let raw = try StoreValues.bytes(row, "updates")
        guard raw.count % 32 == 0 else { throw StoreError.corrupt("aggregates.updates is not a list of 32-byte hashes") }
        let updates = stride(from: 0, to: raw.count, by: 32).map { Hash256(bytes: raw[$0..<($0 + 32)])! }
        self.init(key: RoundKey(task: try StoreValues.hash(row, "task"), round: try StoreValues.uint32(row, "round")),
                  aggregator: try StoreValues.key(row, "aggregator"), txHash: try StoreValues.hash(row, "tx_hash"),
                  updates: updates, modelCID: try StoreValues.string(row, "model_cid"),
                  metrics: try StoreValues.namedValues(row, "metrics"), updatedAt: try StoreValues.uint64(row, "updated_at"))
    }
}

extension PrivacySpendRecord: StateRowMapping {
    static let columns = ["dataset", "task", "round", "epsilon_micro", "updated_at"]
    static let primaryKey = ["dataset", "task", "round"]
    static let indexes = ["CREATE INDEX privacy_spending_by_task ON privacy_spending (task, round)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.text(key.dataset), StoreValues.blob(key.task), StoreValues.int(key.round), StoreValues.int(epsilon.micro),
         StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        self.init(key: SpendKey(dataset: try StoreValues.string(row, "dataset"), task: try StoreValues.hash(row, "task"),
                                round: try StoreValues.uint32(row, "round")),
                  epsilon: Epsilon(micro: try StoreValues.uint64(row, "epsilon_micro")), updatedAt: try StoreValues.uint64(row, "updated_at"))
    }
}

extension EvidenceRecord: StateRowMapping {
    /// `evidence` holds the canonical `Evidence`; the columns after it repeat its queryable fields.
    static let columns = ["id", "reporter", "evidence", "offender", "kind", "height", "tx_hash", "updated_at"]
    static let primaryKey = ["id"]
    static let indexes = ["CREATE INDEX evidence_by_offender ON evidence (offender, height)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.blob(id), StoreValues.blob(reporter), StoreValues.blob(evidence.canonicalBytes), StoreValues.blob(evidence.offender),
         Int64(evidence.kind.rawValue).databaseValue, StoreValues.int(evidence.height), StoreValues.blob(txHash),
         StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        let evidence: Evidence
        do { evidence = try Evidence(canonicalBytes: try StoreValues.bytes(row, "evidence"), context: "evidence.evidence") } catch {
            throw StoreError.corrupt("\(error)")
        }
        self.init(id: try StoreValues.hash(row, "id"), reporter: try StoreValues.key(row, "reporter"), evidence: evidence,
                  txHash: try StoreValues.hash(row, "tx_hash"), updatedAt: try StoreValues.uint64(row, "updated_at"))
    }
}
