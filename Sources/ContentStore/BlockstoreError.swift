/// What went wrong in the block store. Every case names the block and, for damage on disk,
/// the file, and says what to do.
public enum BlockstoreError: Error, Sendable, CustomStringConvertible {
    /// No file holds this block (and no fetcher supplied it).
    case missing(CID)
    /// The block file is shorter than its header says: a cut-off write or a truncated copy.
    case truncated(CID, path: String, expectedBytes: Int, actualBytes: Int)
    /// AES-GCM authentication failed: the ciphertext, tag or header was changed on disk.
    case tampered(CID, path: String)
    /// The block was sealed under another store key than this node's.
    case wrongKey(CID, path: String)
    /// The file under this block's name holds a different block (a file moved or copied).
    case misplaced(CID, path: String, holds: CID)
    /// Decryption worked but the plaintext does not hash to the CID.
    case hashMismatch(CID, path: String)
    /// The file does not start with the block-file magic.
    case notABlockFile(path: String)
    /// Other damage, described by `reason`.
    case corrupt(CID, path: String, reason: String)
    /// The CID uses a hash function the store cannot check (only sha2-256).
    case unsupportedHash(CID)
    /// The DAG is not a UnixFS file, or its sizes disagree.
    case invalidDAG(CID, reason: String)
    /// `unpin` of a CID that is not pinned.
    case notPinned(CID)
    /// A fetcher returned bytes that do not hash to the CID asked for.
    case fetchedBlockMismatch(CID)
    /// Garbage collection stopped because a pinned DAG could not be walked completely.
    case pinnedDAGUnreadable(pin: CID, cause: String)
    /// The node home has no store (or no store key) and was not to be created.
    case noStore(home: String)
    /// The store key cannot be used.
    case key(StoreKeyError)
    /// A file-system operation failed.
    case fileSystem(FileSystemError)

    public var description: String {
        switch self {
        case .missing(let cid):
            "block \(cid) is not in the store; add the file again or fetch it from a peer"
        case .truncated(let cid, let path, let expected, let actual):
            "block \(cid) is truncated: \(path) has \(actual) bytes, its header needs \(expected); "
                + "run `medchain store verify` and re-add or fetch the block"
        case .tampered(let cid, let path):
            "block \(cid) was modified on disk: AES-GCM authentication of \(path) failed; "
                + "re-add or fetch the block"
        case .wrongKey(let cid, let path):
            "block \(cid) in \(path) was encrypted under a different store key; "
                + "check that keys/store.key is this node's key"
        case .misplaced(let cid, let path, let holds):
            "block file \(path) should hold \(cid) but holds \(holds); it was moved or copied there"
        case .hashMismatch(let cid, let path):
            "block \(cid) in \(path) decrypts to bytes with a different hash"
        case .notABlockFile(let path):
            "\(path) is not a MedChain block file (bad magic)"
        case .corrupt(let cid, let path, let reason):
            "block \(cid) in \(path) is corrupt: \(reason)"
        case .unsupportedHash(let cid):
            "cannot check \(cid): only sha2-256 CIDs are supported"
        case .invalidDAG(let cid, let reason):
            "\(cid) is not a readable UnixFS file: \(reason)"
        case .notPinned(let cid):
            "\(cid) is not pinned"
        case .fetchedBlockMismatch(let cid):
            "a peer sent bytes for \(cid) that do not hash to it; they were discarded"
        case .pinnedDAGUnreadable(let pin, let cause):
            "garbage collection stopped, nothing was deleted: pinned \(pin) cannot be walked "
                + "(\(cause)); run `medchain store verify`"
        case .noStore(let home):
            "no block store in \(home) (expected \(home)/store and \(home)/keys/store.key); "
                + "check --home, or create it with `medchain store put`"
        case .key(let error):
            "\(error)"
        case .fileSystem(let error):
            "\(error)"
        }
    }
}
