import Dispatch
import Synchronization

/// Update blobs fetched, checked against their CIDs and decoded before the aggregate that
/// names them is proposed.
///
/// Every validator recomputes an aggregate from the update blobs it names. Fetching and
/// decoding them only when the proposal arrives puts that work on the round's critical path,
/// although each blob is known as soon as its hospital submits it, while the others still
/// train. So a node queues an update for fetching when it learns of it (`prefetch`), and the
/// aggregate check takes the decoded update from here (`updates`).
///
/// Prefetches run on the `IdleWorker`, on cores training leaves idle. An update still queued
/// when it is needed is fetched by the caller, with the other missing ones, on all cores; only
/// one already being fetched is waited for.
///
/// Nothing here is trusted more than a fresh fetch: the prefetch goes through the same
/// `BlobSource`, which checks every block against its CID. A failed prefetch is dropped and the
/// blob fetched again at use, so its error is reported where a plain fetch would have met it.
/// A decoded update is handed out once and then forgotten, since an aggregate consumes a
/// round's updates; entries never asked for are evicted oldest first past `capacity`.
final class PrefetchedUpdates: Sendable {
    private enum Slot {
        case queued
        case loading(DispatchGroup)
        case ready(ModelUpdate)
    }

    private struct Entries {
        var slots: [String: Slot] = [:]
        /// Insertion order, for eviction.
        var order: [String] = []
        /// CIDs recently handed out: a later mention of the same update (the block that carries
        /// it being staged) does not fetch it again.
        var consumed: [String] = []
    }

    let capacity: Int
    let worker: IdleWorker
    private let entries = Mutex(Entries())

    init(capacity: Int = 32, worker: IdleWorker = .shared) {
        precondition(capacity > 0, "a prefetch cache needs room for one update")
        self.capacity = capacity
        self.worker = worker
    }

    /// Whether `cid` is held, queued or being fetched, or was handed out recently.
    func knows(_ cid: String) -> Bool {
        entries.withLock { $0.slots[cid] != nil || $0.consumed.contains(cid) }
    }

    /// Queues `cid` for fetching and decoding, unless `knows(cid)`.
    func prefetch(_ cid: String, from blobs: any BlobSource) {
        let queued = entries.withLock { e -> Bool in
            guard e.slots[cid] == nil, !e.consumed.contains(cid) else { return false }
            e.slots[cid] = .queued
            Self.admit(cid, into: &e, capacity: capacity)
            return true
        }
        guard queued else { return }
        worker.submit { [self] in
            let group = DispatchGroup()
            group.enter()
            defer { group.leave() }
            // Claimed here unless a caller took it (or it was evicted) meanwhile.
            let claimed = entries.withLock { e -> Bool in
                guard case .queued = e.slots[cid] else { return false }
                e.slots[cid] = .loading(group)
                return true
            }
            guard claimed else { return }
            let update = try? ModelUpdate(decoding: blobs.bytes(of: cid))
            entries.withLock { e in
                guard case .loading(let current) = e.slots[cid], current === group else { return }
                if let update { e.slots[cid] = .ready(update) } else { Self.remove(cid, from: &e) }
            }
        }
    }

    /// Holds `update`, which this node encoded and stored as `cid` itself.
    func insert(_ update: ModelUpdate, cid: String) {
        entries.withLock { e in
            if e.slots[cid] == nil { Self.admit(cid, into: &e, capacity: capacity) }
            e.slots[cid] = .ready(update)
            e.consumed.removeAll { $0 == cid }
        }
    }

    /// The decoded updates `cids`, in order: prefetched ones (waiting for those being fetched),
    /// the rest fetched and decoded now, on all cores. A malformed blob is refused naming its
    /// CID, as `BlobSource.updates(_:)` does.
    func updates(_ cids: [String], from blobs: any BlobSource) throws -> [ModelUpdate] {
        let loading = entries.withLock { e in
            cids.compactMap { cid -> DispatchGroup? in
                if case .loading(let group) = e.slots[cid] { return group }
                return nil
            }
        }
        for group in loading { group.wait() }
        var held: [Int: ModelUpdate] = [:]
        entries.withLock { e in
            for (k, cid) in cids.enumerated() {
                if case .ready(let update) = e.slots[cid] { held[k] = update }
            }
            Self.consume(cids, from: &e, capacity: capacity)
        }
        let missing = cids.indices.filter { held[$0] == nil }
        let fetched = try blobs.updates(missing.map { cids[$0] })
        for (k, update) in zip(missing, fetched) { held[k] = update }
        return cids.indices.map { held[$0]! }
    }

    /// The decoded updates `cids`, in order, if every one is held; they stay held. For work
    /// ahead of need (an aggregate computed before its proposal), which must not fetch.
    func ready(_ cids: [String]) -> [ModelUpdate]? {
        entries.withLock { e in
            var held: [ModelUpdate] = []
            for cid in cids {
                guard case .ready(let update) = e.slots[cid] else { return nil }
                held.append(update)
            }
            return held
        }
    }

    /// Forgets `cids` as `updates(_:from:)` does once it has handed them out (their aggregate
    /// was checked another way).
    func discard(_ cids: [String]) {
        entries.withLock { Self.consume(cids, from: &$0, capacity: capacity) }
    }

    /// Updates held, queued or in flight (for tests).
    var count: Int { entries.withLock { $0.slots.count } }

    private static func admit(_ cid: String, into e: inout Entries, capacity: Int) {
        e.order.append(cid)
        while e.order.count > capacity { e.slots[e.order.removeFirst()] = nil }
    }

    /// Forgets `cids` and remembers them as handed out, so a later mention fetches nothing (a
    /// queued prefetch then finds no slot and does nothing).
    private static func consume(_ cids: [String], from e: inout Entries, capacity: Int) {
        for cid in cids {
            remove(cid, from: &e)
            e.consumed.append(cid)
        }
        if e.consumed.count > 4 * capacity { e.consumed.removeFirst(e.consumed.count - 4 * capacity) }
    }

    private static func remove(_ cid: String, from e: inout Entries) {
        e.slots[cid] = nil
        e.order.removeAll { $0 == cid }
    }
}
