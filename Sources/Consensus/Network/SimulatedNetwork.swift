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

    /// Delivers the next event; false when nothing is pending.
    @discardableResult
    public func step() -> Bool {
        guard let event = pop() else { return false }
        now = max(now, event.time)
        guard event.epoch == epochs[event.node, default: 0], let node = endpoints[event.node] else { return true }
        switch event.payload {
        case .deliver(let bytes, let from):
            guard reachable(from, event.node) else {
                dropped += 1
                return true
            }
            delivered += 1
            node.receive(bytes, from: from)
        case .timer(let timer):
            node.fire(timer)
        }
        return true
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
