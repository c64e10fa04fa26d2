import ContentStore
import Dispatch
import Federation
import Foundation
import Ledger
import PeerNetwork
import Synchronization

/// Blobs from this node's blockstore, else fetched block by block from the connected
/// validators (over `PeerNetwork`, each block checked against its CID on arrival) into the
/// local store, then read from there.
///
/// `BlobSource` is synchronous (the ledger's domain validators run inside block staging on
/// the node's serial queue), so a remote fetch blocks that queue until it completes or times
/// out; the network's own threads do the I/O and serve content without the queue, so this
/// cannot deadlock.
struct PeerBlobSource: BlobSource {
    let local: Blockstore
    let network: PeerNetwork

    func bytes(of text: String) throws -> [UInt8] {
        let cid: CID
        do { cid = try CID(parsing: text) } catch { throw FederationError("malformed CID '\(text)': \(error)") }
        if !local.has(cid) {
            let (store, fetcher) = (local, PeerBlockFetcher(network: network, peers: network.connectedPeers))
            do { _ = try Self.wait { try await store.fetchDAG(cid, from: fetcher, pin: false) } } catch {
                throw FederationError("blob \(cid) is not in this node's store and the connected peers did not supply it: \(error)")
            }
        }
        return try local.bytes(of: cid)
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
