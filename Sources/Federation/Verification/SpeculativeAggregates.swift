import Ledger

/// Aggregates a validator computed before their proposal arrived, by the inputs that determine
/// them.
///
/// A plaintext aggregate is a pure function of the committed model it starts from, the update
/// blobs it names (in order) and their sample counts, under the task's fixed rules. A
/// validator holds every update of a round once the last hospital has submitted, and most
/// rounds aggregate them all, so it computes that aggregate at idle priority while the master
/// checks the updates (`AggregateVerifier.speculate`). When the proposal names exactly those
/// inputs, the check compares its model CID with the one computed ahead; otherwise the
/// validator recomputes as usual. Nothing is taken on trust: the result is the one the check
/// would compute, from the same code, earlier.
struct SpeculativeAggregates {
    struct Inputs: Hashable {
        var task: Hash256
        var round: UInt32
        /// The committed model the round starts from (nil: the task's initial model).
        var previousModelCID: String?
        var updateCIDs: [String]
        var sampleCounts: [UInt64]
    }

    /// A few rounds' worth: each holds a model and its optimiser state.
    let capacity: Int
    private var results: [(inputs: Inputs, model: GlobalModel, cid: String)] = []

    init(capacity: Int = 2) { self.capacity = capacity }

    var count: Int { results.count }

    mutating func insert(_ inputs: Inputs, model: GlobalModel, cid: String) {
        results.removeAll { $0.inputs == inputs }
        results.append((inputs, model, cid))
        if results.count > capacity { results.removeFirst(results.count - capacity) }
    }

    /// The aggregate computed for exactly `inputs`, which is then forgotten.
    mutating func take(_ inputs: Inputs) -> (model: GlobalModel, cid: String)? {
        guard let index = results.firstIndex(where: { $0.inputs == inputs }) else { return nil }
        let hit = results.remove(at: index)
        return (hit.model, hit.cid)
    }
}
