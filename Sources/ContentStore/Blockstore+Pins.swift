import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What garbage collection removed.
public struct GarbageCollectionReport: Hashable, Sendable {
    /// Blocks kept because a pinned DAG reaches them.
    public var keptBlocks: Int
    /// Blocks deleted.
    public var removedBlocks: Int
    /// Bytes of block files deleted.
    public var removedBytes: UInt64
}

extension Blockstore {
    /// Pins `cid` recursively: garbage collection keeps every block of its DAG.
    ///
    /// - Throws: `.missing` (or another read error) when the DAG is not complete locally,
    ///   so a pin always protects a whole file.
    public func pin(_ cid: CID) throws(BlockstoreError) {
        try withSharedLock { () throws(BlockstoreError) in
            try walkDAG(cid) { _ in }
            try writePin(cid)
        }
    }

    /// Removes the pin of `cid`; its blocks go at the next garbage collection unless another
    /// pin reaches them.
    public func unpin(_ cid: CID) throws(BlockstoreError) {
        try withSharedLock { () throws(BlockstoreError) in
            let path = pinPath(cid)
            guard unlink(path) == 0 else {
                if errno == ENOENT { throw .notPinned(cid) }
                throw .fileSystem(FileSystemError(operation: "remove", path: path))
            }
            do throws(FileSystemError) { try POSIXFile.syncDirectory(pinsPath) } catch { throw .fileSystem(error) }
        }
    }

    /// The pinned roots, sorted by their string form.
    public func pins() throws(BlockstoreError) -> [CID] {
        let names: [String]
        do { names = try POSIXFile.list(pinsPath) } catch { throw .fileSystem(error) }
        return names.compactMap { name in
            guard name.hasPrefix("b"), let bytes = try? Base32.decode(name.dropFirst()) else { return nil }
            return try? CID(bytes: bytes)
        }.sorted { $0.description < $1.description }
    }

    /// Deletes every block no pinned DAG reaches, and leftover temporary files.
    ///
    /// Holds the store lock exclusively, so no put runs meanwhile. If a pinned DAG cannot be
    /// walked (a block missing or damaged), nothing is deleted: the blocks under the
    /// unreadable node could be pinned ones.
    public func collectGarbage() throws(BlockstoreError) -> GarbageCollectionReport {
        try withLock(.exclusive) { () throws(BlockstoreError) in
            var reachable = Set<Multihash>()
            for pin in try pins() {
                do {
                    try walkDAG(pin) { reachable.insert($0.multihash) }
                } catch {
                    throw .pinnedDAGUnreadable(pin: pin, cause: "\(error)")
                }
            }
            var report = GarbageCollectionReport(keptBlocks: 0, removedBlocks: 0, removedBytes: 0)
            var touched = Set<String>()
            for file in try allBlockFiles() {
                if let multihash = file.multihash, reachable.contains(multihash) {
                    report.keptBlocks += 1
                    continue
                }
                let size = POSIXFile.size(file.path) ?? 0
                guard unlink(file.path) == 0 else {
                    throw .fileSystem(FileSystemError(operation: "remove", path: file.path))
                }
                report.removedBlocks += 1
                report.removedBytes += UInt64(size)
                touched.insert((file.path as NSString).deletingLastPathComponent)
            }
            do throws(FileSystemError) {
                for name in try POSIXFile.list(temporaryPath) { unlink(temporaryPath + "/" + name) }
                for directory in touched { try POSIXFile.syncDirectory(directory) }
            } catch {
                throw .fileSystem(error)
            }
            return report
        }
    }

    // MARK: Internals

    func pinPath(_ cid: CID) -> String {
        pinsPath + "/b" + Base32.encode(cid.bytes)
    }

    /// Writes the pin's empty marker file and makes it durable. An empty file needs neither a
    /// temporary copy (it exists or not) nor a data sync: the `fsync` of its folder makes the
    /// name durable, and with it the new inode, which a journaling file system commits in the
    /// same transaction.
    func writePin(_ cid: CID) throws(BlockstoreError) {
        do {
            try POSIXFile.touch(pinPath(cid))
            try POSIXFile.syncDirectory(pinsPath)
        } catch {
            throw .fileSystem(error)
        }
    }

    /// Visits every block of the DAG under `root` (each once), reading and checking the
    /// dag-pb nodes to find their links; raw leaves are only checked for presence.
    ///
    /// - Throws: the first missing or damaged block.
    func walkDAG(_ root: CID, visit: (CID) -> Void) throws(BlockstoreError) {
        var seen = Set<Multihash>()
        var pending = [root]
        while let cid = pending.popLast() {
            guard seen.insert(cid.multihash).inserted else { continue }
            visit(cid)
            if cid.codec == .raw {
                guard has(cid) else { throw .missing(cid) }
                continue
            }
            let block = try block(cid)
            guard cid.codec == .dagPB else { continue }
            let node: DAGPBNode
            do { node = try DAGPBNode(decoding: block) } catch { throw .invalidDAG(cid, reason: "\(error)") }
            pending += node.links.reversed().map(\.cid)
        }
    }
}
