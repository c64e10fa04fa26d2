import Dispatch
import Foundation
import Synchronization
import Testing
@testable import ContentStore
@testable import Federation

struct PrefetchedUpdatesTests {
    /// A blockstore that counts the blobs read through it.
    final class CountingSource: BlobSource {
        let inner: LocalFirstBlobSource
        let reads = Mutex(0)
        init(_ store: Blockstore) { inner = LocalFirstBlobSource(local: store) }
        func bytes(of cid: String) throws -> [UInt8] {
            reads.withLock { $0 += 1 }
            return try inner.bytes(of: cid)
        }
        var count: Int { reads.withLock { $0 } }
    }

    static func update(_ seed: Int32, count: Int = 70_000) -> ModelUpdate {
        ModelUpdate(codec: FixedPointCodec(), parameterCount: count,
                    values: (0..<Int32(count)).map { ($0 &* 7919 &+ seed) % 60_001 - 30_000 })
    }

    static func store() throws -> (URL, Blockstore) {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("prefetch-\(UUID().uuidString)")
        return (home, try Blockstore(home: home))
    }

    /// A worker busy until `gate` is signalled, so prefetches queue behind it.
    static func heldWorker() -> (IdleWorker, DispatchSemaphore) {
        let worker = IdleWorker(), gate = DispatchSemaphore(value: 0)
        worker.submit { gate.wait() }
        return (worker, gate)
    }

    static func waitUntilSettled(_ cache: PrefetchedUpdates, _ source: CountingSource, reads: Int) async throws {
        for _ in 0..<500 where source.count < reads { try await Task.sleep(for: .milliseconds(2)) }
    }

    @Test func prefetchedUpdatesAreTheDecodedBlobsAndAreReadOnce() async throws {
        let (home, store) = try Self.store()
        defer { try? FileManager.default.removeItem(at: home) }
        let updates = [Self.update(1), Self.update(2), Self.update(3)]
        let cids = try updates.map { try store.put(bytes: [UInt8]($0.encoded())).root.description }
        let source = CountingSource(store)
        let cache = PrefetchedUpdates()
        cache.prefetch(cids[0], from: source)
        cache.prefetch(cids[0], from: source)   // already in flight or held: not read again
        cache.prefetch(cids[2], from: source)
        #expect(try cache.updates(cids, from: source) == updates)
        #expect(source.count == 3)             // 0 and 2 prefetched once each, 1 fetched at use
        #expect(cache.count == 0)              // handed out, then forgotten
        // A later mention of a consumed update (its block being staged) fetches nothing.
        cache.prefetch(cids[1], from: source)
        #expect(cache.count == 0)
        #expect(source.count == 3)
    }

    @Test func anUpdateThisNodeEncodedIsNotReadBack() throws {
        let (home, store) = try Self.store()
        defer { try? FileManager.default.removeItem(at: home) }
        let own = Self.update(9)
        let cid = try store.put(bytes: [UInt8](own.encoded())).root.description
        let source = CountingSource(store)
        let cache = PrefetchedUpdates()
        cache.insert(own, cid: cid)
        #expect(try cache.updates([cid], from: source) == [own])
        #expect(source.count == 0)
    }

    /// A blob not yet stored when the prefetch runs is fetched again at use; a malformed blob
    /// is refused at use naming its CID, as a plain fetch would.
    @Test func aFailedPrefetchIsRetriedAtUseAndAMalformedBlobIsNamed() async throws {
        let (home, store) = try Self.store()
        defer { try? FileManager.default.removeItem(at: home) }
        let (otherHome, other) = try Self.store()
        defer { try? FileManager.default.removeItem(at: otherHome) }
        let late = Self.update(4)
        let lateCID = try other.put(bytes: [UInt8](late.encoded())).root.description
        let source = CountingSource(store)
        let cache = PrefetchedUpdates()
        cache.prefetch(lateCID, from: source)
        try await Self.waitUntilSettled(cache, source, reads: 1)
        _ = try store.put(bytes: [UInt8](late.encoded()))
        #expect(try cache.updates([lateCID], from: source) == [late])

        let malformed = try store.put(bytes: Array("MCUP not an update".utf8)).root.description
        cache.prefetch(malformed, from: source)
        let error = #expect(throws: FederationError.self) { try cache.updates([malformed], from: source) }
        #expect(error?.description.contains(malformed) == true)
    }

    @Test func updatesNeverAskedForAreEvictedOldestFirst() async throws {
        let (home, store) = try Self.store()
        defer { try? FileManager.default.removeItem(at: home) }
        let updates = (0..<3).map { Self.update(Int32(10 + $0), count: 1_000) }
        let cids = try updates.map { try store.put(bytes: [UInt8]($0.encoded())).root.description }
        let source = CountingSource(store)
        let (worker, gate) = Self.heldWorker()  // held until all three are queued
        let cache = PrefetchedUpdates(capacity: 2, worker: worker)
        for cid in cids { cache.prefetch(cid, from: source) }
        #expect(cache.count == 2)               // the first was evicted while still queued
        gate.signal()
        try await Self.waitUntilSettled(cache, source, reads: 2)
        #expect(try cache.updates(cids, from: source) == updates)
        #expect(source.count == 3)              // the evicted one is read at use, the others once
    }

    /// An update still queued when it is needed is fetched by the caller, not waited for; the
    /// queued job then finds nothing to do.
    @Test func aQueuedPrefetchIsTakenOverByTheCaller() async throws {
        let (home, store) = try Self.store()
        defer { try? FileManager.default.removeItem(at: home) }
        let update = Self.update(21)
        let cid = try store.put(bytes: [UInt8](update.encoded())).root.description
        let source = CountingSource(store)
        let (worker, gate) = Self.heldWorker()
        let cache = PrefetchedUpdates(worker: worker)
        cache.prefetch(cid, from: source)
        #expect(try cache.updates([cid], from: source) == [update])
        gate.signal()
        let done = DispatchSemaphore(value: 0)
        worker.submit { done.signal() }         // runs after the (now empty) prefetch job
        done.wait()
        #expect(source.count == 1)
        #expect(cache.count == 0)
    }
}
