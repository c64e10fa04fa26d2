import Foundation
import Ledger

/// What the simulated network does to messages. Delays are drawn uniformly per message, so
/// messages overtake each other (reordering) whenever the range is wider than their spacing.
public struct NetworkConditions: Hashable, Sendable {
    public var minDelayMs: UInt64
    public var maxDelayMs: UInt64
    /// Probability that a message is lost.
    public var dropRate: Double
    /// Probability that a message is delivered twice.
    public var duplicateRate: Double

    public init(minDelayMs: UInt64 = 1, maxDelayMs: UInt64 = 20, dropRate: Double = 0, duplicateRate: Double = 0) {
        precondition(maxDelayMs >= minDelayMs, "maxDelayMs must be ≥ minDelayMs")
        self.minDelayMs = minDelayMs
        self.maxDelayMs = maxDelayMs
        self.dropRate = dropRate
        self.duplicateRate = duplicateRate
    }

    public static let reliable = NetworkConditions()
}

/// A deterministic in-process network with a virtual clock: a discrete-event simulation of
/// message deliveries and node timers, driven by one seeded generator. The same seed, nodes
/// and calls replay the same run exactly.
///
/// It can delay, drop, duplicate and reorder messages (`conditions`), partition nodes into
/// groups that cannot reach each other, and crash nodes (their pending messages and timers
/// are dropped; `Consortium.restart` reopens them from disk).
public final class SimulatedNetwork: ConsensusTransport, ConsensusTimers {
    enum Payload {
        case deliver(bytes: [UInt8], from: PublicKey)
        case timer(NodeTimer)
    }

    struct Event {
        var time: UInt64
        var sequence: UInt64
        var node: PublicKey
        var epoch: Int
        var payload: Payload

        func precedes(_ other: Event) -> Bool { (time, sequence) < (other.time, other.sequence) }
    }

    public private(set) var now: UInt64
    public var conditions: NetworkConditions
    private var rng: SplitMix64
    private var heap: [Event] = []
    private var sequence: UInt64 = 0
    private var endpoints: [PublicKey: ConsensusNode] = [:]
    private var epochs: [PublicKey: Int] = [:]
    private var groups: [PublicKey: Int] = [:]
    public private(set) var delivered = 0
    public private(set) var dropped = 0
    /// Whether events that fall on the same virtual millisecond at different nodes are
    /// handled concurrently (each node's own events stay in order), as separate machines
    /// would. Nothing a node does at time t reaches another node before t + `minDelayMs`
    /// (≥ 1), so these events are independent; what they send and schedule is queued
    /// afterwards in a fixed order, so a run stays a deterministic function of the seed.
    /// Off by default; the nodes' owner must make any state they share thread-safe.
    public var concurrentDelivery = false

    /// What nodes sent and scheduled during a concurrent batch, per node.
    private final class Outbox: @unchecked Sendable {
        var actions: [(peer: PublicKey, afterMs: UInt64?, payload: Payload)] = []
        var delivered = 0
        var dropped = 0
    }
    private var outboxes: [PublicKey: Outbox]?
    /// Threads of their own, not the shared dispatch pool: a node's work blocks (fsync, the
    /// database's serial queues), and a starved pool grows only slowly.
    private var workers: BatchWorkers?

    deinit { workers?.stop() }

    public init(startTime: UInt64, conditions: NetworkConditions = .reliable, seed: UInt64) {
        now = startTime
        self.conditions = conditions
        rng = SplitMix64(seed: seed)
    }

    /// Connects `node`; messages and timers for its key go to it.
    public func attach(_ node: ConsensusNode) {
        endpoints[node.publicKey] = node
    }

    /// Disconnects a node and forgets its pending timers and messages (a crash).
    public func detach(_ key: PublicKey) {
        endpoints[key] = nil
        epochs[key, default: 0] += 1
    }

    public func isAttached(_ key: PublicKey) -> Bool { endpoints[key] != nil }

    /// Splits the nodes into groups that only reach their own group; nodes in no group
    /// reach everyone not in a group.
    public func partition(_ parts: [[PublicKey]]) {
        groups = [:]
        for (index, part) in parts.enumerated() { for key in part { groups[key] = index + 1 } }
    }

    public func heal() { groups = [:] }

    func reachable(_ a: PublicKey, _ b: PublicKey) -> Bool { groups[a, default: 0] == groups[b, default: 0] }

    public func send(_ bytes: [UInt8], from sender: PublicKey, to peer: PublicKey) {
        if let outbox = outboxes?[sender] {
            outbox.actions.append((peer, nil, .deliver(bytes: bytes, from: sender)))
            return
        }
        guard endpoints[sender] != nil, reachable(sender, peer), !rng.chance(conditions.dropRate) else {
            dropped += 1
            return
        }
        let copies = rng.chance(conditions.duplicateRate) ? 2 : 1
        for _ in 0..<copies {
            push(after: delay(), node: peer, payload: .deliver(bytes: bytes, from: sender))
        }
    }

    public func schedule(_ timer: NodeTimer, for node: PublicKey, afterMs: UInt64) {
        if let outbox = outboxes?[node] {
            outbox.actions.append((node, afterMs, .timer(timer)))
            return
        }
        push(after: afterMs, node: node, payload: .timer(timer))
    }

    private func delay() -> UInt64 {
        let span = conditions.maxDelayMs - conditions.minDelayMs
        return conditions.minDelayMs + (span == 0 ? 0 : rng.next() % (span + 1))
    }

    private func push(after: UInt64, node: PublicKey, payload: Payload) {
        sequence += 1
        heap.append(Event(time: now + after, sequence: sequence, node: node, epoch: epochs[node, default: 0], payload: payload))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func pop() -> Event? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    /// Delivers the next event (with `concurrentDelivery`, every event of its millisecond);
    /// false when nothing is pending.
    @discardableResult
    public func step() -> Bool {
        guard let event = pop() else { return false }
        now = max(now, event.time)
        guard concurrentDelivery, let next = heap.first, next.time == event.time else {
            handle(event)
            return true
        }
        var batch = [event]
        while let next = heap.first, next.time == event.time { batch.append(pop()!) }
        // Per node, in order; nodes in the order of their first event.
        var groups: [[Event]] = []
        var slot: [PublicKey: Int] = [:]
        for e in batch {
            if let i = slot[e.node] { groups[i].append(e) } else {
                slot[e.node] = groups.count
                groups.append([e])
            }
        }
        guard groups.count > 1 else {
            for e in batch { handle(e) }
            return true
        }
        let boxes = groups.map { _ in Outbox() }
        outboxes = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1[0].node, boxes[$0]) })
        let work = groups.map { events in
            events.map { e -> (Event, ConsensusNode?) in
                (e, e.epoch == epochs[e.node, default: 0] ? endpoints[e.node] : nil)
            }
        }
        let shared = UncheckedBox((work, self, boxes))
        if workers == nil { workers = BatchWorkers() }
        workers!.run(groups.count) { g in
            let box = shared.value.2[g]
            for (e, node) in shared.value.0[g] {
                guard let node else { continue }
                switch e.payload {
                case .deliver(let bytes, let from):
                    guard shared.value.1.reachable(from, e.node) else {
                        box.dropped += 1
                        continue
                    }
                    box.delivered += 1
                    node.receive(bytes, from: from)
                case .timer(let timer):
                    node.fire(timer)
                }
            }
        }
        outboxes = nil
        for box in boxes {
            delivered += box.delivered
            dropped += box.dropped
        }
        for (g, box) in boxes.enumerated() {
            let sender = groups[g][0].node
            for action in box.actions {
                switch (action.afterMs, action.payload) {
                case (let after?, let payload): push(after: after, node: action.peer, payload: payload)
                case (nil, .deliver(let bytes, _)): send(bytes, from: sender, to: action.peer)
                default: break
                }
            }
        }
        return true
    }

    private func handle(_ event: Event) {
        guard event.epoch == epochs[event.node, default: 0], let node = endpoints[event.node] else { return }
        switch event.payload {
        case .deliver(let bytes, let from):
            guard reachable(from, event.node) else {
                dropped += 1
                return
            }
            delivered += 1
            node.receive(bytes, from: from)
        case .timer(let timer):
            node.fire(timer)
        }
    }

    /// Runs events until `done()` holds (true) or the virtual clock passes `deadline` or
    /// nothing is pending (false).
    public func run(until deadline: UInt64, _ done: () -> Bool) -> Bool {
        while !done() {
            guard let next = heap.first, next.time <= deadline else {
                now = max(now, min(deadline, heap.first?.time ?? deadline))
                return done()
            }
            step()
        }
        return true
    }

    /// Moves the clock forward with no events in between (a quiet period).
    public func advance(to time: UInt64) {
        _ = run(until: time) { false }
        now = max(now, time)
    }
}

/// Hands values that are used from one thread at a time to a concurrent loop.
private final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// A few long-lived threads that run the iterations of a batch and wait for all of them.
final class BatchWorkers: @unchecked Sendable {
    private let condition = NSCondition()
    private var job: ((Int) -> Void)?
    private var next = 0
    private var count = 0
    private var finished = 0
    private var generation = 0
    private var threads: [Thread] = []
    private var stopping = false

    /// Ends the threads (each keeps this object alive while it waits, so its owner calls this).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Calls `body(i)` for every i in 0..<count, on the calling thread and the workers.
    func run(_ count: Int, _ body: @escaping (Int) -> Void) {
        condition.lock()
        while threads.count < count - 1 {
            let thread = Thread { [weak self] in
                while let workers = self, workers.waitForWork() { workers.drain() }
            }
            thread.name = "medchain.simnet.\(threads.count)"
            threads.append(thread)
            thread.start()
        }
        job = body
        next = 0
        self.count = count
        finished = 0
        generation += 1
        condition.broadcast()
        condition.unlock()
        drain()
        condition.lock()
        while finished < count { condition.wait() }
        job = nil
        condition.unlock()
    }

    /// Takes iterations until none are left.
    private func drain() {
        while true {
            condition.lock()
            guard let job, next < count else {
                condition.unlock()
                return
            }
            let i = next
            next += 1
            condition.unlock()
            job(i)
            condition.lock()
            finished += 1
            if finished == count { condition.broadcast() }
            condition.unlock()
        }
    }

    /// Waits for a new batch; false when the workers stop.
    private func waitForWork() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let seen = Thread.current.threadDictionary["medchain.generation"] as? Int ?? 0
        while generation == seen, !stopping { condition.wait() }
        Thread.current.threadDictionary["medchain.generation"] = generation
        return !stopping
    }
}
