import Foundation
import Ledger

/// The federation rows of a node's ledger state, as `GET /federation` serves them: registered
/// datasets, and every task with its committed aggregates (what a task driver such as
/// `medchain testnet --task` prints as rounds complete).
public struct FederationView: Codable, Sendable, Hashable {
    public struct Dataset: Codable, Sendable, Hashable {
        public var cid: String
        /// The owner's genesis name (or short key).
        public var owner: String
        public var records: UInt64
        /// ε spent so far and the budget it was registered with.
        public var epsilonSpent: Double
        public var epsilonBudget: Double

        enum CodingKeys: String, CodingKey {
            case cid, owner, records
            case epsilonSpent = "epsilon_spent"
            case epsilonBudget = "epsilon_budget"
        }
    }

    public struct Aggregate: Codable, Sendable, Hashable {
        /// 1-based, as the demo prints rounds.
        public var round: Int
        public var master: String
        public var accepted: [String]
        public var submitted: Int
        public var modelCID: String
        /// The most the round cost any one dataset in ε (0 without DP).
        public var epsilon: Double

        enum CodingKeys: String, CodingKey {
            case round, master, accepted, submitted, epsilon
            case modelCID = "model_cid"
        }
    }

    public struct Task: Codable, Sendable, Hashable {
        public var id: String
        public var name: String
        public var rounds: Int
        /// 0-based round accepting updates (= `rounds` once finished).
        public var openRound: Int
        public var finished: Bool
        /// Set when the publisher closed the task early (`CloseTask`).
        public var closed: Closure?
        public var datasets: [String]
        public var aggregates: [Aggregate]

        enum CodingKeys: String, CodingKey {
            case id, name, rounds, finished, closed, datasets, aggregates
            case openRound = "open_round"
        }
    }

    /// Why and when a task was closed: `reason` is `target-reached`, `budget-exhausted` or
    /// `cancelled`; `round` is 1-based, the round that never got an aggregate.
    public struct Closure: Codable, Sendable, Hashable {
        public var reason: String
        public var round: Int
        public var height: UInt64
        public var detail: String
    }

    public var height: UInt64
    public var datasets: [Dataset]
    public var tasks: [Task]
}

extension FederationView {
    /// Reads the view from `state` (on the node's queue).
    init(state: WorldState, height: UInt64, name: (PublicKey) -> String) {
        self.height = height
        datasets = state.datasets.values.sorted { $0.cid < $1.cid }.map {
            Dataset(cid: $0.cid, owner: name($0.owner), records: $0.recordCount,
                    epsilonSpent: $0.epsilonSpent.value, epsilonBudget: $0.epsilonBudget.value)
        }
        tasks = state.tasks.values.sorted { $0.publishedAt == $1.publishedAt ? $0.id.hex < $1.id.hex : $0.publishedAt < $1.publishedAt }.map { task in
            let aggregates = (0..<task.spec.rounds).compactMap { r -> Aggregate? in
                guard let a = state.aggregate(RoundKey(task: task.id, round: r)) else { return nil }
                let accepted = a.updates.compactMap { state.update(transaction: $0).map { name($0.key.member) } }
                let epsilon = task.spec.datasets.compactMap { state.privacySpend(SpendKey(dataset: $0, task: task.id, round: r))?.epsilon.value }.max() ?? 0
                return Aggregate(round: Int(r) + 1, master: name(a.aggregator), accepted: accepted,
                                 submitted: Int(state.round(RoundKey(task: task.id, round: r))?.updateCount ?? 0), modelCID: a.modelCID,
                                 epsilon: epsilon)
            }
            return Task(id: task.id.hex, name: task.spec.name, rounds: Int(task.spec.rounds), openRound: Int(task.openRound),
                        finished: task.isFinished,
                        closed: task.closure.map { Closure(reason: "\($0.reason)", round: Int(task.openRound) + 1, height: $0.height, detail: $0.detail) },
                        datasets: task.spec.datasets, aggregates: aggregates)
        }
    }
}

extension NodeRuntime {
    /// Datasets and tasks on this node's chain, with each task's committed aggregates.
    public func federation() async -> FederationView {
        let names = Dictionary(setup.genesis.members.map { ($0.publicKey, $0.name) }, uniquingKeysWith: { a, _ in a })
        return await read { app in
            guard let app else { return FederationView(height: 0, datasets: [], tasks: []) }
            return FederationView(state: app.state, height: app.tip.height) { names[$0] ?? $0.shortHex }
        }
    }
}
