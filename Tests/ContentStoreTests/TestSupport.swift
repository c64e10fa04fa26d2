import Foundation
@testable import ContentStore

/// Collects the blocks an import produces, keyed by CID.
///
/// `@unchecked Sendable`: the dictionary is only touched under `lock`.
final class CollectingSink: BlockSink, @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [CID: [UInt8]] = [:]

    func store(_ block: [UInt8], cid: CID) throws {
        lock.lock()
        storage[cid] = block
        lock.unlock()
    }

    var blocks: [CID: [UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

/// Imports `bytes` (or generated content) and returns the result with every block.
func importCollecting(
    _ source: consuming some ByteSource, options: ImportOptions
) throws -> (result: ImportResult, blocks: [CID: [UInt8]]) {
    var source = source
    let sink = CollectingSink()
    let result = try UnixFSImporter(options: options).importFile(from: &source, into: sink)
    return (result, sink.blocks)
}

/// Parses lowercase hex with optional spaces.
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.replacingOccurrences(of: " ", with: "").utf8)
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

/// A fresh empty directory under the system's temporary directory, removed by `body`'s end.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("medchain-store-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}
