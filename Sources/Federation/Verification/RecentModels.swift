/// The few most recently used global models, by model CID.
///
/// A validator needs only the latest committed model of each active task (and the one it just
/// recomputed) to check the next aggregate; an older one is rebuilt from the chain if it is
/// ever asked for. Keeping every round's model (parameters and optimiser state, a few MB each)
/// would grow a long-running node's memory by that much per round.
struct RecentModels {
    let capacity: Int
    /// Least recently used first.
    private var entries: [(cid: String, model: GlobalModel)] = []

    init(capacity: Int) {
        precondition(capacity > 0, "a model cache needs room for one model")
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// The model stored under `cid`, which becomes the most recently used.
    mutating func model(_ cid: String) -> GlobalModel? {
        guard let i = entries.firstIndex(where: { $0.cid == cid }) else { return nil }
        let entry = entries.remove(at: i)
        entries.append(entry)
        return entry.model
    }

    /// Stores `model` as the most recently used, evicting the least recently used past capacity.
    mutating func insert(_ model: GlobalModel, cid: String) {
        entries.removeAll { $0.cid == cid }
        entries.append((cid, model))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }
}
