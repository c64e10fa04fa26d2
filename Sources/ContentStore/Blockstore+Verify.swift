/// The result of checking every block in the store.
public struct VerifyReport: Sendable, CustomStringConvertible {
    /// A block file that failed its checks.
    public struct Damage: Sendable {
        public var path: String
        public var error: BlockstoreError
    }

    /// A block a pinned DAG needs but the store lacks.
    public struct Missing: Sendable {
        public var cid: CID
        public var pin: CID
    }

    /// Block files read, decrypted and re-hashed.
    public var blocksChecked = 0
    /// Plaintext bytes re-hashed.
    public var bytesChecked: UInt64 = 0
    /// Pinned roots walked.
    public var pinsChecked = 0
    public var damaged: [Damage] = []
    public var missing: [Missing] = []

    /// No damaged and no missing blocks.
    public var isHealthy: Bool { damaged.isEmpty && missing.isEmpty }

    public var description: String {
        var lines = ["checked \(blocksChecked) blocks (\(bytesChecked) bytes) and \(pinsChecked) pins"]
        for damage in damaged { lines.append("damaged: \(damage.error)") }
        for entry in missing { lines.append("missing: \(entry.cid) (needed by pin \(entry.pin))") }
        lines.append(isHealthy ? "ok" : "\(damaged.count) damaged, \(missing.count) missing")
        return lines.joined(separator: "\n")
    }
}

extension Blockstore {
    /// Re-reads every block file (decrypt, authenticate, re-hash) and walks every pinned DAG
    /// for missing blocks. Changes nothing.
    public func verify() throws(BlockstoreError) -> VerifyReport {
        try withSharedLock { () throws(BlockstoreError) in
            var report = VerifyReport()
            var damagedHashes = Set<Multihash>()
            for entry in try allBlockFiles() {
                report.blocksChecked += 1
                guard let multihash = entry.multihash else {
                    report.damaged.append(.init(path: entry.path, error: .notABlockFile(path: entry.path)))
                    continue
                }
                // The name gives the multihash only; name the block by the CID in its header
                // when that agrees, so reports show the CID the block was stored under.
                let file: [UInt8]
                do throws(FileSystemError) {
                    file = try POSIXFile.readAll(entry.path, limit: Self.maximumBlockFileSize) ?? []
                } catch {
                    report.damaged.append(.init(path: entry.path, error: .fileSystem(error)))
                    damagedHashes.insert(multihash)
                    continue
                }
                let recorded = BlockEnvelope.recordedCID(file)
                let cid = recorded?.multihash == multihash ? recorded! : CID(v1: .raw, multihash: multihash)
                do throws(BlockstoreError) {
                    let (block, _) = try BlockEnvelope.open(file, expected: cid, key: key, path: entry.path)
                    report.bytesChecked += UInt64(block.count)
                } catch {
                    report.damaged.append(.init(path: entry.path, error: error))
                    damagedHashes.insert(multihash)
                }
            }
            for pin in try pins() {
                report.pinsChecked += 1
                try walkForMissing(pin, skipping: damagedHashes) { report.missing.append(.init(cid: $0, pin: pin)) }
            }
            return report
        }
    }

    /// Walks a DAG and reports absent blocks; damaged blocks (already reported) are skipped.
    private func walkForMissing(
        _ root: CID, skipping damaged: Set<Multihash>, missing: (CID) -> Void
    ) throws(BlockstoreError) {
        var seen = Set<Multihash>()
        var pending = [root]
        while let cid = pending.popLast() {
            guard seen.insert(cid.multihash).inserted else { continue }
            guard has(cid) else {
                missing(cid)
                continue
            }
            guard cid.codec == .dagPB, !damaged.contains(cid.multihash),
                let block = try? block(cid), let node = try? DAGPBNode(decoding: block)
            else { continue }
            pending += node.links.reversed().map(\.cid)
        }
    }
}
