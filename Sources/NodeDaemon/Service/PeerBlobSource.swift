import ContentStore
import Dispatch
import Federation
import Foundation
import Ledger
import PeerNetwork
import Synchronization

/// Blobs from this node's blockstore, else fetched by CID from the connected validators
/// (over `PeerNetwork`), with the CID recomputed from the bytes before they are used.
///
/// `BlobSource` is synchronous (the ledger's domain validators run inside block staging on
/// the node's serial queue), so a remote fetch blocks that queue until it answers or times
/// out; the network's own threads do the I/O, so this cannot deadlock.
struct PeerBlobSource: BlobSource {
    let local: Blockstore
    let network: PeerNetwork

    func bytes(of text: String) throws -> [UInt8] {
        let cid: CID
        do { cid = try CID(parsing: text) } catch { throw FederationError("malformed CID '\(text)': \(error)") }
        if local.has(cid) { return try local.bytes(of: cid) }
        var failures: [String] = []
        for peer in network.connectedPeers.sorted() {
            do {
                let bytes = try Self.wait { try await network.fetch(cid: text, from: peer) }
                var source = MemoryByteSource(bytes)
                let actual = try UnixFSImporter(options: ImportOptions(cidVersion: cid.version)).cid(of: &source)
                guard actual == cid else {
                    failures.append("\(peer.shortHex)… sent bytes that hash to \(actual)")
                    continue
                }
                return bytes
            } catch {
                failures.append("\(peer.shortHex)…: \(error)")
            }
        }
        throw FederationError("blob \(cid) is not in this node's store and no connected peer supplied it"
            + (failures.isEmpty ? "" : " (\(failures.joined(separator: "; ")))"))
    }

    /// Runs `body` on the concurrency pool and blocks this (non-pool) thread for its result.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }
}
