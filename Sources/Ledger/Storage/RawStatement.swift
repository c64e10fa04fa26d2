import Foundation
import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// A statement bound and stepped through the SQLite C API, for the commit path's bulk
/// inserts: a block writes thousands of rows, and boxing each value into GRDB's
/// `StatementArguments` cost more than SQLite's own insert. Used only inside a GRDB write
/// transaction, on that transaction's connection.
///
/// The prepared statement is the connection's cached one (`Database.cachedStatement`), so a
/// block of ten transactions does not prepare the same nine statements again; GRDB owns and
/// finalises it.
final class RawStatement {
    private let handle: OpaquePointer
    private let sql: String
    /// Keeps GRDB's statement (and so `handle`) alive while this is in use.
    private let statement: Statement

    init(_ db: Database, sql: String) throws {
        self.sql = sql
        statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
    }

    /// Binds `values` to the parameters in order and runs the statement once.
    func execute(_ values: [DatabaseValue]) throws {
        sqlite3_reset(handle)
        for (i, value) in values.enumerated() { bind(value, at: Int32(i + 1)) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            sqlite3_reset(handle)
            throw StoreError.database("\(message) (code \(code), executing \(sql))")
        }
        // Left reset, as GRDB expects the statements it caches.
        sqlite3_reset(handle)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func bind(_ value: DatabaseValue, at index: Int32) {
        switch value.storage {
        case .null: sqlite3_bind_null(handle, index)
        case .int64(let v): sqlite3_bind_int64(handle, index, v)
        case .double(let v): sqlite3_bind_double(handle, index, v)
        case .string(let s): sqlite3_bind_text(handle, index, s, -1, RawStatement.transient)
        case .blob(let d) where d.isEmpty:
            // A null pointer would bind NULL, not an empty blob.
            sqlite3_bind_zeroblob(handle, index, 0)
        case .blob(let d):
            _ = d.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), RawStatement.transient) }
        }
    }
}
