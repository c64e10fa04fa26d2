import Foundation
import Ledger

/// The consensus write-ahead log of one node for one chain (`DIR/consensus/<chain-id>/wal`).
///
/// Every consensus message the node accepts, every timeout that fires, and every message
/// the node signs is appended *before* the node acts on it or sends it. Only the node's own
/// signed messages are synced to disk before they leave (CometBFT's rule): a sync flushes the
/// whole file, so every message received before an own vote (the polka behind a lock, say)
/// is durable by the time that vote is sent. A crash can lose only received messages and
/// timeouts that no own vote depended on yet, which peers re-send anyway. So after a crash,
/// replaying the log rebuilds the round state, and the node finds the votes and proposals it
/// already signed: it can only re-send them, never sign conflicting ones.
///
/// The log starts with a checkpoint; after each commit the new height's checkpoint is appended
/// (one record, synced by the next own vote), and replay starts after the last checkpoint. Once the file outgrows
/// `compactionBytes` it is replaced (write a new file, sync, rename, sync the folder) by one
/// holding only the newest checkpoint — so a height costs one appended record, not a new file.
/// Record: `u32 length ‖ checksum[4] (first bytes of SHA-256 of the body) ‖ body`, body
/// `u8 kind ‖ payload`. A torn or corrupt tail (a crash mid-write) ends the replay there.
public final class WriteAheadLog {
    public enum Record: Hashable, Sendable {
        case checkpoint(ConsensusCheckpoint)
        /// A received or own consensus message, as its wire bytes.
        case message([UInt8])
        case timeout(height: UInt64, round: UInt32, step: RoundStep)
    }

    public let url: URL
    /// Sync every append to disk (turn off only where a crash is simulated, never in a node).
    public let synchronous: Bool
    /// The size past which a new checkpoint replaces the whole log instead of being appended.
    public let compactionBytes: Int
    private var handle: FileHandle?
    /// The length of the file as this log has written it (valid while `handle` is open).
    private var size = 0

    public init(url: URL, synchronous: Bool = true, compactionBytes: Int = 4 << 20) throws(ConsensusStorageError) {
        self.url = url
        self.synchronous = synchronous
        self.compactionBytes = compactionBytes
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .io(path: url.path, reason: "\(error)")
        }
    }

    deinit { try? handle?.close() }

    /// Every intact record, in order.
    public static func read(_ url: URL) -> [Record] { scan(url).records }

    /// The intact records and the length of the file they fill; bytes past it are a torn or
    /// corrupt tail.
    static func scan(_ url: URL) -> (records: [Record], intactBytes: Int) {
        guard let data = FileManager.default.contents(atPath: url.path) else { return ([], 0) }
        let bytes = [UInt8](data)
        var records: [Record] = []
        var offset = 0
        while offset + 8 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let start = offset + 8
            guard length > 0, start + length <= bytes.count else { break }
            let body = Array(bytes[start..<(start + length)])
            guard Array(Hash256.sha256(body).bytes.prefix(4)) == Array(bytes[(offset + 4)..<start]),
                  let record = decode(body) else { break }
            records.append(record)
            offset = start + length
        }
        return (records, offset)
    }

    /// Appends `record`; `sync` (for the node's own signed messages) also forces it, and
    /// everything written before it, to disk before returning.
    public func append(_ record: Record, sync: Bool = true) throws(ConsensusStorageError) {
        do {
            let handle = try openForAppend()
            let frame = WriteAheadLog.frame(record)
            try handle.write(contentsOf: frame)
            size += frame.count
            // fdatasync: the data and the new length, without the timestamps an fsync adds.
            if synchronous && sync, fdatasync(handle.fileDescriptor) != 0 {
                throw ConsensusStorageError.io(path: url.path, reason: "fdatasync failed (errno \(errno))")
            }
        } catch let error as ConsensusStorageError {
            throw error
        } catch {
            throw .io(path: url.path, reason: "\(error)")
        }
    }

    /// Records the checkpoint of a committed height: appended while the log is smaller than
    /// `compactionBytes`, otherwise the log is replaced by it (`rotate`, durably).
    ///
    /// The append is not synced on its own. The committed block is already durable in the
    /// ledger, and a checkpoint is a function of the ledger: after a crash that loses it,
    /// `ConsensusNode.restore` advances the previous checkpoint by the tip block. The node's
    /// next signed vote syncs the file, and with it this record, before anything that
    /// depends on the new height leaves the node.
    public func record(checkpoint: ConsensusCheckpoint) throws(ConsensusStorageError) {
        if handle != nil, size < compactionBytes {
            try append(.checkpoint(checkpoint), sync: false)
        } else {
            try rotate(to: checkpoint)
        }
    }

    /// Replaces the log by one holding only `checkpoint`, atomically and durably.
    public func rotate(to checkpoint: ConsensusCheckpoint) throws(ConsensusStorageError) {
        let temporary = url.appendingPathExtension("new")
        do {
            try? handle?.close()
            handle = nil
            let data = WriteAheadLog.frame(.checkpoint(checkpoint))
            _ = FileManager.default.createFile(atPath: temporary.path, contents: nil)
            let out = try FileHandle(forWritingTo: temporary)
            try out.write(contentsOf: data)
            if synchronous { try out.synchronize() }
            try out.close()
            if rename(temporary.path, url.path) != 0 { throw ConsensusStorageError.io(path: url.path, reason: "rename failed (errno \(errno))") }
            if synchronous { try syncFolder() }
            _ = try openForAppend()
        } catch let error as ConsensusStorageError {
            throw error
        } catch {
            throw .io(path: url.path, reason: "\(error)")
        }
    }

    /// Makes the rename durable: without it a crash could bring the old log back.
    private func syncFolder() throws(ConsensusStorageError) {
        let folder = url.deletingLastPathComponent().path
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(path: folder, reason: "open failed (errno \(errno))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io(path: folder, reason: "fsync failed (errno \(errno))") }
    }

    /// Opens the log for appending. A torn or corrupt tail left by a crash is cut off first:
    /// records appended after it would be unreachable, since replay stops at the first bad
    /// record, and a signed vote lost that way could be signed differently after a second crash.
    private func openForAppend() throws -> FileHandle {
        if let handle { return handle }
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let opened = try FileHandle(forWritingTo: url)
        let end = Int(try opened.seekToEnd())
        let intact = WriteAheadLog.scan(url).intactBytes
        if intact < end {
            try opened.truncate(atOffset: UInt64(intact))
            try opened.synchronize()
        }
        size = Int(try opened.seekToEnd())
        handle = opened
        return opened
    }

    static func frame(_ record: Record) -> Data {
        var body = CanonicalWriter()
        switch record {
        case .checkpoint(let checkpoint):
            body.write(UInt8(1))
            body.write(checkpoint)
        case .message(let bytes):
            body.write(UInt8(2))
            body.write(lengthPrefixed: bytes)
        case .timeout(let height, let round, let step):
            body.write(UInt8(3))
            body.write(height)
            body.write(round)
            body.write(step.rawValue)
        }
        var out = CanonicalWriter(capacity: body.bytes.count + 8)
        out.write(UInt32(body.bytes.count))
        out.write(raw: Hash256.sha256(body.bytes).bytes.prefix(4))
        out.write(raw: body.bytes)
        return out.data
    }

    static func decode(_ body: [UInt8]) -> Record? {
        var reader = CanonicalReader(bytes: body, context: "consensus log record")
        let record: Record?
        switch try? reader.readUInt8("kind") {
        case 1: record = (try? ConsensusCheckpoint(from: &reader)).map(Record.checkpoint)
        case 2: record = (try? reader.readLengthPrefixed("message")).map(Record.message)
        case 3:
            guard let height = try? reader.readUInt64("height"), let round = try? reader.readUInt32("round"),
                  let raw = try? reader.readUInt8("step"), let step = RoundStep(rawValue: raw) else { return nil }
            record = .timeout(height: height, round: round, step: step)
        default: record = nil
        }
        guard (try? reader.finish()) != nil else { return nil }
        return record
    }
}

/// A failure to read or write consensus files.
public enum ConsensusStorageError: Error, Hashable, Sendable, CustomStringConvertible {
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let reason): "consensus log \(path): \(reason); check the disk and permissions of the node home"
        }
    }
}
