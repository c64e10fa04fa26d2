import Foundation

/// Writes the blocks of an import: their hashes come from the importer itself.
///
/// Folder `fsync`s are deferred to `finish()`: a 1 GiB file has 4,000 blocks over at most
/// 1,024 shard folders, and each folder needs syncing once, not once per block.
struct TrustedBlockWriter: BlockSink {
    let store: Blockstore
    let touched = TouchedDirectories()

    func store(_ block: [UInt8], cid: CID) throws {
        try store.writeBlock(block, cid: cid, touched: touched)
    }

    /// Makes every new block name durable.
    func finish() throws(BlockstoreError) {
        do throws(FileSystemError) {
            for directory in touched.all { try POSIXFile.syncDirectory(directory) }
        } catch {
            throw .fileSystem(error)
        }
    }
}

/// A set of folder paths shared by the import's writer threads.
///
/// `@unchecked Sendable`: the set is only touched under `lock`.
final class TouchedDirectories: @unchecked Sendable {
    private let lock = NSLock()
    private var paths = Set<String>()

    func insert(_ path: String) {
        lock.lock()
        paths.insert(path)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return paths.sorted()
    }
}
