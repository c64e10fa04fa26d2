/// A problem with the chain database.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    case database(String)
    case corrupt(String)
    case wrongChain(path: String, expected: String, found: String)
    case genesisMismatch(path: String)
    case stateMismatch(height: UInt64)
    case notFound(String)
    case faultInjected(FaultPoint)

    public var description: String {
        switch self {
        case .database(let message): "database error: \(message)"
        case .corrupt(let message): "the chain database is corrupt: \(message); run `medchain chain verify`"
        case .wrongChain(let path, let expected, let found):
            "\(path) holds chain \"\(found)\", not \"\(expected)\""
        case .genesisMismatch(let path):
            "\(path) was created from a different genesis than the one given; use the genesis it was made with"
        case .stateMismatch(let height):
            "the stored state rows do not hash to the state root of block \(height): the database was changed behind the ledger's back; run `medchain chain verify`"
        case .notFound(let what): "\(what) not found"
        case .faultInjected(let point): "fault injected at \(point)"
        }
    }
}

/// Points inside a block commit where tests can inject a crash.
public enum FaultPoint: String, Sendable, Hashable {
    /// The block and transaction rows are written, the state rows not yet; no COMMIT.
    case afterBlockRows
    /// Everything is written, just before COMMIT.
    case beforeCommit
}
