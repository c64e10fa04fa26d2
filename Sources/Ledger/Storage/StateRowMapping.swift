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
    /// Whether some column repeats part of another (tasks, evidence). Decoding every other
    /// table is strict and total, so only these rows need re-encoding to prove that the
    /// stored columns are exactly what the ledger wrote.
    static var hasDerivedColumns: Bool { get }
    /// Column values in `columns` order.
    var databaseValues: [DatabaseValue] { get }
    init(row: Row) throws
}

extension StateRowMapping {
    static var tableName: String { table.name }
    static var hasDerivedColumns: Bool { false }

    static var createTableSQL: String {
        "CREATE TABLE \(tableName) (\(columns.joined(separator: ", ")), PRIMARY KEY (\(primaryKey.joined(separator: ", ")))) WITHOUT ROWID"
    }

    /// Insert, or update in place: unlike `INSERT OR REPLACE` (a delete and an insert), this
    /// leaves index entries of unchanged columns alone.
    static var upsertSQL: String {
        let values = columns.filter { !primaryKey.contains($0) }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(tableName) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            + " ON CONFLICT (\(primaryKey.joined(separator: ", "))) DO UPDATE SET \(values)"
    }

    static var selectAllSQL: String {
        "SELECT \(columns.joined(separator: ", ")) FROM \(tableName) ORDER BY \(primaryKey.joined(separator: ", "))"
    }

    /// The key columns' values, for naming a row in messages.
    var keyDescription: String {
        databaseValues.prefix(Self.primaryKey.count).map(StoreValues.describe).joined(separator: "/")
    }
}

/// Reads a state row's columns by position (the `SELECT` lists `columns` in order), naming
/// the column in errors.
struct ColumnReader {
    let row: Row
    let table: String
    let columns: [String]

    private func fail(_ i: Int, _ what: String) -> StoreError { .corrupt("\(table).\(columns[i]) is not \(what)") }

    func bytes(_ i: Int) throws -> [UInt8] {
        guard let data = row[i] as Data? else { throw fail(i, "a blob") }
        return [UInt8](data)
    }

    func hash(_ i: Int) throws -> Hash256 {
        guard let data = row[i] as Data?, let hash = Hash256(bytes: data) else { throw fail(i, "a 32-byte hash") }
        return hash
    }

    func key(_ i: Int) throws -> PublicKey {
        guard let data = row[i] as Data?, let key = PublicKey(bytes: data) else { throw fail(i, "a 32-byte key") }
        return key
    }

    func uint64(_ i: Int) throws -> UInt64 { UInt64(bitPattern: try int64(i)) }

    func uint32(_ i: Int) throws -> UInt32 {
        guard let narrow = UInt32(exactly: try int64(i)) else { throw fail(i, "a 32-bit unsigned integer") }
        return narrow
    }

    func int64(_ i: Int) throws -> Int64 {
        guard case .int64(let value) = (row[i] as DatabaseValue).storage else { throw fail(i, "an integer") }
        return value
    }

    func bool(_ i: Int) throws -> Bool {
        switch try int64(i) {
        case 0: return false
        case 1: return true
        default: throw fail(i, "0 or 1")
        }
    }

    func string(_ i: Int) throws -> String {
        guard case .string(let value) = (row[i] as DatabaseValue).storage else { throw fail(i, "text") }
        return value
    }

    func double(_ i: Int) throws -> Double {
        guard case .double(let value) = (row[i] as DatabaseValue).storage else { throw fail(i, "a real number") }
        return value
    }

    func namedValues(_ i: Int) throws -> NamedValues {
        guard let values = CanonicalJSON.namedValues(try string(i)) else { throw fail(i, "a canonical JSON object of numbers") }
        return values
    }

    func uint64s(_ i: Int) throws -> [UInt64] {
        guard let values = CanonicalJSON.integers(try string(i)) else { throw fail(i, "a canonical JSON array of integers") }
        return values
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
        let c = ColumnReader(row: row, table: Self.tableName, columns: Self.columns)
        guard let roleBits = UInt8(exactly: try c.int64(2)) else { throw StoreError.corrupt("members.roles is not a role set") }
        self.init(key: try c.key(0), name: try c.string(1), roles: Roles(rawValue: roleBits), reputation: try c.int64(3),
                  nonce: try c.uint64(4), joinedAt: try c.uint64(5), updatedAt: try c.uint64(6))
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
        let c = ColumnReader(row: row, table: Self.tableName, columns: Self.columns)
        self.init(cid: try c.string(0), owner: try c.key(1), schema: try c.string(2), recordCount: try c.uint64(3),
                  labelCounts: try c.uint64s(4), epsilonBudget: Epsilon(micro: try c.uint64(5)),
                  epsilonSpent: Epsilon(micro: try c.uint64(6)), registeredAt: try c.uint64(7), updatedAt: try c.uint64(8))
    }
}

extension TaskRecord: StateRowMapping {
    /// `spec` holds the canonical `PublishTask`; the columns after it repeat its queryable fields.
    /// `closure` (the canonical `TaskClosure`, NULL while the task is open) was added by the
    /// "v2" migration, so it comes last.
    static let columns = ["id", "publisher", "spec", "name", "dataset_schema", "rounds", "aggregation", "dp_mode",
                          "open_round", "published_at", "updated_at", "closure"]
    static let primaryKey = ["id"]
    static var hasDerivedColumns: Bool { true }
    static let indexes = ["CREATE INDEX tasks_by_publisher ON tasks (publisher)",
                          "CREATE INDEX tasks_by_schema ON tasks (dataset_schema)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.blob(id), StoreValues.blob(publisher), StoreValues.blob(spec.canonicalBytes), StoreValues.text(spec.name),
         StoreValues.text(spec.datasetSchema), StoreValues.int(spec.rounds), StoreValues.text(spec.aggregation),
         Int64(spec.privacy.mode.rawValue).databaseValue, StoreValues.int(openRound), StoreValues.int(publishedAt),
         StoreValues.int(updatedAt), closure.map { StoreValues.blob($0.canonicalBytes) } ?? .null]
    }
    init(row: Row) throws {
        let c = ColumnReader(row: row, table: Self.tableName, columns: Self.columns)
        let spec: PublishTask
        do { spec = try PublishTask(canonicalBytes: try c.bytes(2), context: "tasks.spec") } catch let error as EncodingError {
            throw StoreError.corrupt("\(error)")
        }
        var closure: TaskClosure?
        if !(row[11] as DatabaseValue).isNull {
            do { closure = try TaskClosure(canonicalBytes: try c.bytes(11), context: "tasks.closure") } catch let error as EncodingError {
                throw StoreError.corrupt("\(error)")
            }
        }
        self.init(id: try c.hash(0), publisher: try c.key(1), spec: spec, openRound: try c.uint32(8),
                  publishedAt: try c.uint64(9), updatedAt: try c.uint64(10), closure: closure)
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
        let c = ColumnReader(row: row, table: Self.tableName, columns: Self.columns)
        self.init(key: RoundKey(task: try c.hash(0), round: try c.uint32(1)), updateCount: try c.uint32(2), aggregated: try c.bool(3),
                  openedAt: try c.uint64(4), updatedAt: try c.uint64(5))
    }
}

extension UpdateRecord: StateRowMapping {
    static let columns = ["task", "round", "member", "tx_hash", "update_cid", "sample_count", "norm", "metrics", "updated_at"]
    static let primaryKey = ["task", "round", "member"]
    /// No index on `tx_hash`: a random 32-byte key would dirty a different page per insert;
    /// lookups by transaction hash go through `transactions_by_hash`.
    static let indexes = ["CREATE INDEX updates_by_member ON updates (member, task, round)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.blob(key.task), StoreValues.int(key.round), StoreValues.blob(key.member), StoreValues.blob(txHash),
         StoreValues.text(updateCID), StoreValues.int(sampleCount), norm.databaseValue, StoreValues.json(metrics),
         StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        let c = ColumnReader(row: row, table: Self.tableName, columns: Self.columns)
        self.init(key: UpdateKey(task: try c.hash(0), round: try c.uint32(1), member: try c.key(2)), txHash: try c.hash(3),
                  updateCID: try c.string(4), sampleCount: try c.uint64(5), norm: try c.double(6), metrics: try c.namedValues(7),
                  updatedAt: try c.uint64(8))
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
        let c = ColumnReader(row: row, table: Self.tableName, columns: Self.columns)
        let raw = try c.bytes(4)
        guard raw.count % 32 == 0 else { throw StoreError.corrupt("aggregates.updates is not a list of 32-byte hashes") }
        let updates = stride(from: 0, to: raw.count, by: 32).map { Hash256(bytes: raw[$0..<($0 + 32)])! }
        self.init(key: RoundKey(task: try c.hash(0), round: try c.uint32(1)), aggregator: try c.key(2), txHash: try c.hash(3),
                  updates: updates, modelCID: try c.string(5), metrics: try c.namedValues(6), updatedAt: try c.uint64(7))
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
        let c = ColumnReader(row: row, table: Self.tableName, columns: Self.columns)
        self.init(key: SpendKey(dataset: try c.string(0), task: try c.hash(1), round: try c.uint32(2)),
                  epsilon: Epsilon(micro: try c.uint64(3)), updatedAt: try c.uint64(4))
    }
}

extension EvidenceRecord: StateRowMapping {
    /// `evidence` holds the canonical `Evidence`; the columns after it repeat its queryable fields.
    static let columns = ["id", "reporter", "evidence", "offender", "kind", "height", "tx_hash", "updated_at"]
    static let primaryKey = ["id"]
    static var hasDerivedColumns: Bool { true }
    static let indexes = ["CREATE INDEX evidence_by_offender ON evidence (offender, height)"]
    var databaseValues: [DatabaseValue] {
        [StoreValues.blob(id), StoreValues.blob(reporter), StoreValues.blob(evidence.canonicalBytes), StoreValues.blob(evidence.offender),
         Int64(evidence.kind.rawValue).databaseValue, StoreValues.int(evidence.height), StoreValues.blob(txHash),
         StoreValues.int(updatedAt)]
    }
    init(row: Row) throws {
        let c = ColumnReader(row: row, table: Self.tableName, columns: Self.columns)
        let evidence: Evidence
        do { evidence = try Evidence(canonicalBytes: try c.bytes(2), context: "evidence.evidence") } catch let error as EncodingError {
            throw StoreError.corrupt("\(error)")
        }
        self.init(id: try c.hash(0), reporter: try c.key(1), evidence: evidence, txHash: try c.hash(6), updatedAt: try c.uint64(7))
    }
}
