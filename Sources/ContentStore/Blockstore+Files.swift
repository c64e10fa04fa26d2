import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Blockstore {
    /// Imports a file as `ipfs add` would and stores all its blocks.
    ///
    /// Blocks already present are not rewritten. If the import fails midway, the blocks it
    /// wrote stay unpinned until garbage collection removes them.
    /// - Parameters:
    ///   - options: Kubo's defaults unless given (CIDv0, dag-pb leaves).
    ///   - pin: pin the root so garbage collection keeps the file (as `ipfs add` does).
    /// - Returns: the root CID, which equals what `ipfs add` prints, and the sizes.
    @discardableResult
    public func put(
        file url: URL, options: ImportOptions = .kuboDefault, pin: Bool = true
    ) throws(BlockstoreError) -> ImportResult {
        let source: FileByteSource
        do { source = try FileByteSource(url: url) } catch { throw .fileSystem(error) }
        return try put(source: source, options: options, pin: pin)
    }

    /// Stores an in-memory blob (a model update, a manifest) as a UnixFS file, hashing it where
    /// it lies.
    ///
    /// The CID is the one `ipfs add` gives the same bytes.
    @discardableResult
    public func put(
        bytes: [UInt8], options: ImportOptions = .kuboDefault, pin: Bool = true
    ) throws(BlockstoreError) -> ImportResult {
        try put(options: options, pin: pin) { importer, writer in
            try bytes.withUnsafeBytes { try importer.importBytes($0, into: writer) }
        }
    }

    /// Stores a stream of any length as a UnixFS file.
    @discardableResult
    public func put(
        source: consuming some ByteSource, options: ImportOptions = .kuboDefault, pin: Bool = true
    ) throws(BlockstoreError) -> ImportResult {
        var source = source
        return try put(options: options, pin: pin) { importer, writer in
            try importer.importFile(from: &source, into: writer)
        }
    }

    /// Runs an import into this store under its shared lock, then makes the blocks durable and
    /// pins the root.
    private func put(
        options: ImportOptions, pin: Bool, importing: (UnixFSImporter, TrustedBlockWriter) throws -> ImportResult
    ) throws(BlockstoreError) -> ImportResult {
        try withSharedLock { () throws(BlockstoreError) in
            let result: ImportResult
            let writer = TrustedBlockWriter(store: self)
            do {
                result = try importing(UnixFSImporter(options: options), writer)
            } catch let error as BlockstoreError {
                throw error
            } catch let error as FileSystemError {
                throw .fileSystem(error)
            } catch {
                throw .fileSystem(FileSystemError(operation: "import (\(error))", path: "-", code: EIO))
            }
            // Every block is durable before the pin that protects them is written.
            try writer.finish()
            if pin { try writePin(result.root) }
            return result
        }
    }

    /// A reader that yields the file's bytes in order, checking every block as it loads it.
    public func reader(for cid: CID) -> UnixFSFileReader {
        UnixFSFileReader(root: cid) { child in try self.block(child) }
    }

    /// The whole file in memory (for blobs such as model updates).
    ///
    /// - Parameter limit: refuse files larger than this many bytes.
    public func bytes(of cid: CID, limit: Int = 1 << 30) throws(BlockstoreError) -> [UInt8] {
        var reader = reader(for: cid)
        var bytes: [UInt8] = []
        do {
            while let piece = try reader.next() {
                // The root declares the file's size: one allocation instead of repeated growth.
                if bytes.isEmpty, let size = reader.declaredSize, size <= UInt64(limit) { bytes.reserveCapacity(Int(size)) }
                bytes += piece
                if bytes.count > limit {
                    throw BlockstoreError.invalidDAG(cid, reason: "larger than the \(limit)-byte limit")
                }
            }
        } catch {
            throw error as? BlockstoreError ?? .invalidDAG(cid, reason: "\(error)")
        }
        return bytes
    }

    /// Writes the file to `url`, all or nothing.
    ///
    /// The data goes to a temporary file beside `url`, which is `fsync`ed and renamed over
    /// `url` only when every block has been read and checked; on any error the temporary
    /// file is removed and `url` is untouched. Memory stays at one block.
    /// - Returns: the number of bytes written.
    @discardableResult
    public func get(_ cid: CID, to url: URL) throws(BlockstoreError) -> UInt64 {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".partial-" + UUID().uuidString
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .fileSystem(FileSystemError(operation: "create", path: temporary)) }
        var written: UInt64 = 0
        do {
            var reader = reader(for: cid)
            while let piece = try reader.next() {
                try POSIXFile.writeAll(piece, to: descriptor, path: temporary)
                written += UInt64(piece.count)
            }
            guard fsync(descriptor) == 0 else { throw FileSystemError(operation: "fsync", path: temporary) }
            close(descriptor)
            guard rename(temporary, path) == 0 else { throw FileSystemError(operation: "rename to", path: path) }
            try POSIXFile.syncDirectory(directory)
        } catch {
            close(descriptor)
            unlink(temporary)
            if let error = error as? BlockstoreError { throw error }
            if let error = error as? FileSystemError { throw .fileSystem(error) }
            throw .invalidDAG(cid, reason: "\(error)")
        }
        return written
    }

    /// The file's bytes as an async sequence of pieces (one block's data each), read lazily
    /// so memory stays bounded however the consumer paces itself.
    public func contents(of cid: CID) -> FileContents {
        FileContents(store: self, root: cid)
    }
}

/// The data of a stored UnixFS file, one block's worth per element.
public struct FileContents: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let store: Blockstore
    let root: CID

    public struct AsyncIterator: AsyncIteratorProtocol {
        var reader: UnixFSFileReader

        public mutating func next() async throws -> [UInt8]? {
            try reader.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: store.reader(for: root))
    }
}
