import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A local, encrypted, content-addressed block store.
///
/// Layout under `directory` (the node home uses `DIR/store/`):
///
/// ```text
/// blocks/<shard>/<name>.block   one block, sealed by BlockEnvelope
/// pins/<b-cid>                  one empty file per pinned root (name: "b" + base32(CID bytes))
/// tmp/                          temporary files before their rename
/// lock                          flock: writers shared, garbage collection exclusive
/// ```
///
/// `<name>` is the lowercase base32 of the block's multihash, so CIDv0 and CIDv1 of one block
/// share a file, and `<shard>` is its next-to-last two characters (Kubo's flatfs
/// `next-to-last/2`, 1,024 folders). Writes are atomic (temporary file, `rename`); a single
/// block is `fsync`ed with its folder, and an import's blocks are made durable together
/// before its pin (`TrustedBlockWriter`). Every read decrypts, authenticates and re-hashes
/// the block.
///
/// ```swift
/// let store = try Blockstore(home: URL(fileURLWithPath: "/var/medchain"))
/// let cid = try store.put(file: url).root          // the CID `ipfs add` prints; pinned
/// try store.get(cid, to: URL(fileURLWithPath: "copy.npz"))
/// ```
public struct Blockstore: Sendable {
    /// Blocks larger than this are refused; `ipfs add` makes blocks of at most ~256 KiB, and
    /// Bitswap's limit is 2 MiB.
    public static let maximumBlockSize = 2 << 20

    /// The largest block file: the biggest block plus header (with a CID of up to 255 bytes)
    /// and tag.
    static let maximumBlockFileSize =
        maximumBlockSize + BlockEnvelope.fixedHeaderLength + 255 + BlockEnvelope.tagLength

    /// The store's root folder.
    public let directory: URL
    let key: StoreKey
    let blocksPath: String
    let pinsPath: String
    let temporaryPath: String
    let lockPath: String

    /// Opens the store of a node home: `home/store/`, keyed by `home/keys/store.key`.
    ///
    /// - Parameter create: make the store and a new key (mode 0600) if they are missing;
    ///   when false, a home without both is an error and nothing is created (for commands
    ///   that only read, so a mistyped path does not produce an empty store and a new key).
    public init(home: URL, create: Bool = true) throws(BlockstoreError) {
        if !create {
            for path in ["store", "keys/store.key"] where !POSIXFile.exists(home.appendingPathComponent(path).path) {
                throw .noStore(home: home.path)
            }
        }
        let key: StoreKey
        do {
            key = try StoreKey.loadOrCreate(at: home.appendingPathComponent("keys/store.key"))
        } catch {
            throw .key(error)
        }
        try self.init(directory: home.appendingPathComponent("store"), key: key)
    }

    /// Opens (creating if needed) a store in `directory` under `key`.
    public init(directory: URL, key: StoreKey) throws(BlockstoreError) {
        self.directory = directory
        self.key = key
        blocksPath = directory.path + "/blocks"
        pinsPath = directory.path + "/pins"
        temporaryPath = directory.path + "/tmp"
        lockPath = directory.path + "/lock"
        do {
            for path in [blocksPath, pinsPath, temporaryPath] { try POSIXFile.makeDirectory(path) }
        } catch {
            throw .fileSystem(error)
        }
    }

    // MARK: Blocks

    /// Whether a file for the block exists (without reading it).
    public func has(_ cid: CID) -> Bool {
        POSIXFile.exists(path(of: cid.multihash))
    }

    /// The bytes of one block, decrypted and checked against its CID.
    ///
    /// - Throws: `.missing`, `.truncated`, `.tampered`, `.wrongKey`, `.misplaced`,
    ///   `.hashMismatch`, … — each names the file.
    public func block(_ cid: CID) throws(BlockstoreError) -> [UInt8] {
        try readBlock(cid).block
    }

    /// Stores one block after checking that it hashes to `cid`.
    ///
    /// - Throws: `.fetchedBlockMismatch` when it does not, `.unsupportedHash` for a hash the
    ///   store cannot compute.
    public func putBlock(_ block: [UInt8], cid: CID) throws(BlockstoreError) {
        let matches: Bool
        do { matches = try cid.multihash.matches(block) } catch { throw .unsupportedHash(cid) }
        guard matches else { throw .fetchedBlockMismatch(cid) }
        try withSharedLock { () throws(BlockstoreError) in try writeBlock(block, cid: cid) }
    }

    // MARK: Internals shared by the extensions

    /// The file of the block with this multihash.
    func path(of multihash: Multihash) -> String {
        let name = Base32.encode(multihash.bytes)
        let characters = Array(name)
        let shard = String(characters[characters.count - 3..<characters.count - 1])
        return "\(blocksPath)/\(shard)/\(name).block"
    }

    func readBlock(_ cid: CID) throws(BlockstoreError) -> (block: [UInt8], storedCID: CID) {
        let path = path(of: cid.multihash)
        let limit = Self.maximumBlockFileSize
        let file: [UInt8]
        do {
            guard let bytes = try POSIXFile.readAll(path, limit: limit) else { throw BlockstoreError.missing(cid) }
            file = bytes
        } catch let error as BlockstoreError {
            throw error
        } catch let error as FileSystemError where error.code == EFBIG {
            throw .corrupt(cid, path: path, reason: "larger than any block (\(limit) bytes)")
        } catch {
            throw .fileSystem(error as! FileSystemError)
        }
        return try BlockEnvelope.open(file, expected: cid, key: key, path: path)
    }

    /// Seals and writes a block whose hash the caller has checked.
    ///
    /// A block already present is kept if it still reads back correctly and replaced if it
    /// is damaged, so adding a file again (or fetching it) repairs what `verify` reported.
    /// - Parameter pending: when given, nothing is `fsync`ed now: the file and the folders it
    ///   changed are recorded there, and the caller makes them durable (`TrustedBlockWriter`)
    ///   before it relies on the block.
    func writeBlock(_ block: [UInt8], cid: CID, pending: PendingSync? = nil) throws(BlockstoreError) {
        guard block.count <= Self.maximumBlockSize else {
            throw .corrupt(cid, path: "-", reason: "block of \(block.count) bytes exceeds \(Self.maximumBlockSize)")
        }
        let path = path(of: cid.multihash)
        if POSIXFile.exists(path), (try? readBlock(cid)) != nil { return }
        do {
            let shard = (path as NSString).deletingLastPathComponent
            var changed = [shard]
            if !POSIXFile.exists(shard) {
                try POSIXFile.makeDirectory(shard)
                if pending == nil { try POSIXFile.syncDirectory(blocksPath) } else { changed.append(blocksPath) }
            }
            let sealed = try BlockEnvelope.seal(block, cid: cid, key: key)
            try POSIXFile.writeAtomically(sealed, to: path, temporaryDirectory: temporaryPath,
                                          durable: pending == nil)
            pending?.insert(file: path, directories: changed)
        } catch let error as FileSystemError {
            throw .fileSystem(error)
        } catch {
            throw .corrupt(cid, path: path, reason: "encryption failed (\(error))")
        }
    }

    func withSharedLock<T>(_ body: () throws(BlockstoreError) -> T) throws(BlockstoreError) -> T {
        try withLock(.shared, body)
    }

    func withLock<T>(
        _ mode: FileLock.Mode, _ body: () throws(BlockstoreError) -> T
    ) throws(BlockstoreError) -> T {
        do {
            return try FileLock.with(lockPath, mode) { try body() }
        } catch let error as BlockstoreError {
            throw error
        } catch let error as FileSystemError {
            throw .fileSystem(error)
        } catch {
            throw .fileSystem(FileSystemError(operation: "lock", path: lockPath, code: EIO))
        }
    }

    /// Every block file: its multihash (nil when the name is not one) and path.
    func allBlockFiles() throws(BlockstoreError) -> [(multihash: Multihash?, path: String)] {
        var files: [(Multihash?, String)] = []
        do {
            for shard in try POSIXFile.list(blocksPath) {
                for name in try POSIXFile.list("\(blocksPath)/\(shard)") {
                    files.append((Self.multihash(fromFileName: name), "\(blocksPath)/\(shard)/\(name)"))
                }
            }
        } catch {
            throw .fileSystem(error)
        }
        return files
    }

    static func multihash(fromFileName name: String) -> Multihash? {
        guard name.hasSuffix(".block"), let bytes = try? Base32.decode(name.dropLast(6)) else { return nil }
        var offset = 0
        guard let multihash = try? Multihash.decode(bytes, at: &offset), offset == bytes.count else { return nil }
        return multihash
    }
}
