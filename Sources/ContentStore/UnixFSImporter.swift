import Crypto
import Dispatch
import Foundation

/// Chunks a byte stream and builds its UnixFS DAG exactly as `ipfs add` does, hashing leaves on
/// all cores with bounded memory.
///
/// The source is read in batches of chunks into one of two buffers. While the worker threads
/// hash the chunks of one batch (leaves are independent), the calling thread reads the next
/// batch into the other buffer and then joins the hashing. The leaves then go, in file order,
/// to a `BalancedDAGBuilder` on the calling thread, which seals inner nodes as they fill. Memory
/// is two batch buffers plus one partial node per tree level, whatever the stream's length.
///
/// ```swift
/// var file = try FileByteSource(url: url)
/// let cid = try UnixFSImporter().cid(of: &file)   // Qm…, as `ipfs add --only-hash` prints
/// ```
public struct UnixFSImporter: Sendable {
    public var options: ImportOptions
    /// Threads that hash leaves, the calling thread included.
    public var workerCount: Int

    /// The active cores, read once (on Linux each read of `activeProcessorCount` opens the
    /// cgroup's CPU quota files, and an importer is made for every CID).
    public static let defaultWorkerCount = ProcessInfo.processInfo.activeProcessorCount

    public init(
        options: ImportOptions = .kuboDefault,
        workerCount: Int = UnixFSImporter.defaultWorkerCount
    ) {
        self.options = options
        self.workerCount = max(1, workerCount)
    }

    /// The root CID of `source`, without keeping any block.
    public func cid(of source: inout some ByteSource) throws -> CID {
        try importFile(from: &source, into: nil).root
    }

    /// The root CID of bytes already in memory, hashed where they lie (no batch buffers, no
    /// copy): the same CID `cid(of:)` gives for a stream of the same bytes.
    public func cid(ofBytes bytes: UnsafeRawBufferPointer) throws -> CID {
        try importBytes(bytes, into: nil).root
    }

    /// Builds the DAG of bytes already in memory, handing every block to `sink` when one is
    /// given; the in-memory counterpart of `importFile(from:into:)`.
    public func importBytes(_ bytes: UnsafeRawBufferPointer, into sink: (any BlockSink)?) throws -> ImportResult {
        try importPieces([bytes], into: sink)
    }

    /// The root CID of the concatenation of `pieces`, each hashed where it lies: a file that
    /// exists in memory as a few separate buffers (a header and a large array) needs no copy
    /// into one. Every piece but the last must be a whole number of chunks long, so that no
    /// chunk spans two pieces.
    public func cid(ofPieces pieces: [UnsafeRawBufferPointer]) throws -> CID {
        try importPieces(pieces, into: nil).root
    }

    private func importPieces(_ pieces: [UnsafeRawBufferPointer], into sink: (any BlockSink)?) throws -> ImportResult {
        let chunk = options.chunkSize
        precondition(pieces.dropLast().allSatisfy { $0.count % chunk == 0 }, "only the last piece may end inside a chunk")
        guard pieces.contains(where: { $0.count > 0 }) else { return try Self.emptyFile(options: options, into: sink) }
        let batch = batchChunks * chunk
        var dag = DAGAssembly(options: options, sink: sink)
        for bytes in pieces {
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + batch, bytes.count)
                try dag.add(hashLeaves(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), sink: sink) {})
                offset = end
            }
        }
        return try dag.finish()
    }

    /// Builds the DAG of `source`, handing every block to `sink` when one is given.
    ///
    /// - Complexity: O(n) time; memory is `2 × batch × chunkSize` (4 MiB with two workers)
    ///   plus O(depth × maxLinks) for the tree.
    public func importFile(
        from source: inout some ByteSource, into sink: (any BlockSink)?
    ) throws -> ImportResult {
        let byteCount = batchChunks * options.chunkSize
        var current = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 64)
        var next = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 64)
        defer {
            current.deallocate()
            next.deallocate()
        }

        var filled = try source.readFully(into: current)
        if filled == 0 { return try Self.emptyFile(options: options, into: sink) }
        var dag = DAGAssembly(options: options, sink: sink)
        while true {
            // While the workers hash this batch, the calling thread reads the next one. The
            // source ended inside this batch if it did not fill it.
            var nextFilled = 0
            let full = filled == current.count
            try dag.add(hashLeaves(UnsafeRawBufferPointer(rebasing: current[..<filled]), sink: sink) {
                if full { nextFilled = try source.readFully(into: next) }
            })
            if nextFilled == 0 { break }
            swap(&current, &next)
            filled = nextFilled
        }
        return try dag.finish()
    }

    /// Chunks per batch: enough for every worker to take several.
    private var batchChunks: Int { max(8, 4 * workerCount) }

    /// The leaves of `batch` in order, hashed on `workerCount` threads; `meanwhile` runs on
    /// the calling thread before it joins the hashing.
    private func hashLeaves(
        _ batch: UnsafeRawBufferPointer, sink: (any BlockSink)?, meanwhile: () throws -> Void
    ) throws -> [DAGChild] {
        let job = LeafBatch(
            buffer: batch, filled: batch.count, chunkSize: options.chunkSize, options: options, sink: sink)
        let group = DispatchGroup()
        for _ in 1..<max(1, min(workerCount, job.count)) {
            DispatchQueue.global().async(group: group) { job.work() }
        }
        do {
            try meanwhile()
        } catch {
            job.cancel()
            group.wait()
            throw error
        }
        job.work()
        group.wait()
        return try job.results()
    }

    private static func emptyFile(options: ImportOptions, into sink: (any BlockSink)?) throws -> ImportResult {
        let (cid, block) = BalancedDAGBuilder.emptyFile(options: options)
        try sink?.store(block, cid: cid)
        return ImportResult(root: cid, fileSize: 0, dagSize: UInt64(block.count), blockCount: 1)
    }
}

/// Leaves, in file order, going into the balanced tree, with the counts `ImportResult` reports.
private struct DAGAssembly {
    var builder: BalancedDAGBuilder
    let sink: (any BlockSink)?
    var blockCount = 0
    var fileSize: UInt64 = 0

    init(options: ImportOptions, sink: (any BlockSink)?) {
        builder = BalancedDAGBuilder(options: options)
        self.sink = sink
    }

    mutating func add(_ leaves: [DAGChild]) throws {
        let sink = self.sink
        var sealed = 0
        for leaf in leaves {
            fileSize += leaf.fileSize
            blockCount += 1
            try builder.append(leaf: leaf) { cid, block in
                sealed += 1
                try sink?.store(block, cid: cid)
            }
        }
        blockCount += sealed
    }

    mutating func finish() throws -> ImportResult {
        let sink = self.sink
        var sealed = 0
        let root = try builder.finish { cid, block in
            sealed += 1
            try sink?.store(block, cid: cid)
        }
        blockCount += sealed
        return ImportResult(root: root.cid, fileSize: fileSize, dagSize: root.totalSize, blockCount: blockCount)
    }
}

/// The leaves of one batch, hashed by whichever threads call `work()`.
///
/// `@unchecked Sendable` because the shared state is guarded: the chunk index and the first
/// error are behind `lock`; the buffer is only read while workers run; each result slot is
/// written by the one worker that took its index and read only after every worker is done
/// (`DispatchGroup.wait()` orders those accesses).
private final class LeafBatch: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
    let filled: Int
    let chunkSize: Int
    let count: Int
    let options: ImportOptions
    let sink: (any BlockSink)?
    private let slots: UnsafeMutablePointer<DAGChild?>
    private let lock = NSLock()
    private var nextIndex = 0
    private var failure: (any Error)?
    /// The framing of a full chunk, shared by every full dag-pb leaf.
    private let fullFraming: (prefix: [UInt8], suffix: [UInt8])

    init(
        buffer: UnsafeRawBufferPointer, filled: Int, chunkSize: Int, options: ImportOptions,
        sink: (any BlockSink)?
    ) {
        self.buffer = buffer
        self.filled = filled
        self.chunkSize = chunkSize
        count = (filled + chunkSize - 1) / chunkSize
        self.options = options
        self.sink = sink
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
        fullFraming = UnixFSData.leafFraming(chunkCount: chunkSize)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// Takes chunk indices until none are left (or a worker failed).
    func work() {
        while let index = take() {
            let start = index * chunkSize
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[start..<min(start + chunkSize, filled)])
            do {
                slots[index] = try leaf(chunk)
            } catch {
                lock.lock()
                if failure == nil { failure = error }
                lock.unlock()
            }
        }
    }

    /// Stops handing out indices (after an error elsewhere).
    func cancel() {
        lock.lock()
        nextIndex = count
        lock.unlock()
    }

    /// The leaves in file order, or the first error a worker met.
    func results() throws -> [DAGChild] {
        if let failure { throw failure }
        return (0..<count).map { slots[$0]! }
    }

    private func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil, nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    private func leaf(_ chunk: UnsafeRawBufferPointer) throws -> DAGChild {
        let size = UInt64(chunk.count)
        if options.rawLeaves {
            let cid = options.leafCID(.sha2_256(bufferPointer: chunk))
            try sink?.store(Array(chunk), cid: cid)
            return DAGChild(cid: cid, totalSize: size, fileSize: size)
        }
        let (prefix, suffix) =
            chunk.count == chunkSize ? fullFraming : UnixFSData.leafFraming(chunkCount: chunk.count)
        let blockSize = UInt64(prefix.count + chunk.count + suffix.count)
        let cid: CID
        if let sink {
            var block = prefix
            block.reserveCapacity(Int(blockSize))
            block += chunk
            block += suffix
            cid = options.leafCID(.sha2_256(block))
            try sink.store(block, cid: cid)
        } else {
            // Hash the framing and the chunk in place: no copy of the chunk.
            var hasher = SHA256()
            prefix.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            hasher.update(bufferPointer: chunk)
            suffix.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            cid = options.leafCID(Multihash(code: Multihash.sha2_256Code, digest: Array(hasher.finalize())))
        }
        return DAGChild(cid: cid, totalSize: blockSize, fileSize: size)
    }
}
