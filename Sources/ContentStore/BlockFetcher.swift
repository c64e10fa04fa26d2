/// Where blocks the local store lacks come from: another node, an IPFS gateway, a test.
///
/// The networking layer implements this; the store never trusts what comes back and checks
/// every block against its CID before keeping it.
public protocol BlockFetcher: Sendable {
    /// The bytes of the block named `cid`, or nil if no source has it.
    func fetchBlock(_ cid: CID) async throws -> [UInt8]?
}

/// What `fetchDAG` brought in.
public struct FetchReport: Hashable, Sendable {
    /// Blocks fetched from the fetcher (the rest were local already).
    public var fetchedBlocks: Int
    public var fetchedBytes: UInt64
}

extension Blockstore {
    /// One block, from the store or else from `fetcher` (checked, then stored).
    ///
    /// - Throws: `.fetchedBlockMismatch` when the fetched bytes do not hash to `cid`,
    ///   `.missing` when the fetcher has nothing.
    public func block(_ cid: CID, fetchingFrom fetcher: some BlockFetcher) async throws -> [UInt8] {
        if has(cid) { return try block(cid) }
        guard let bytes = try await fetcher.fetchBlock(cid) else { throw BlockstoreError.missing(cid) }
        try putBlock(bytes, cid: cid)
        return bytes
    }

    /// Makes the whole DAG under `root` local, fetching each absent block from `fetcher` and
    /// checking it on arrival, then pins `root` if asked.
    ///
    /// A block is kept only after its hash matched; a fetch that stops midway leaves the
    /// blocks fetched so far (unpinned) and can simply be repeated. Damaged local dag-pb
    /// blocks are fetched again and replaced (raw leaves are trusted if present: run
    /// `verify` to find damaged ones).
    @discardableResult
    public func fetchDAG(
        _ root: CID, from fetcher: some BlockFetcher, pin: Bool = true
    ) async throws -> FetchReport {
        var report = FetchReport(fetchedBlocks: 0, fetchedBytes: 0)
        var seen = Set<Multihash>()
        var pending = [root]
        while let cid = pending.popLast() {
            guard seen.insert(cid.multihash).inserted else { continue }
            // Raw leaves have no links: a local one needs no reading.
            if cid.codec == .raw && has(cid) { continue }
            // A local block that fails its checks is fetched again and replaced.
            let local = has(cid) ? try? block(cid) : nil
            let bytes: [UInt8]
            if let local {
                bytes = local
            } else {
                guard let fetched = try await fetcher.fetchBlock(cid) else { throw BlockstoreError.missing(cid) }
                try putBlock(fetched, cid: cid)
                report.fetchedBlocks += 1
                report.fetchedBytes += UInt64(fetched.count)
                bytes = fetched
            }
            if cid.codec == .dagPB {
                let node: DAGPBNode
                do { node = try DAGPBNode(decoding: bytes) } catch {
                    throw BlockstoreError.invalidDAG(cid, reason: "\(error)")
                }
                pending += node.links.reversed().map(\.cid)
            }
        }
        if pin { try self.pin(root) }
        return report
    }
}
