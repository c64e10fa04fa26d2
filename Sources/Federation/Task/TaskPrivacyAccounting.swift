import Ledger
import Privacy
import Synchronization

/// What each round of a task costs each of its datasets in ε, worked out from what every node
/// can read: the published task, the updates on the chain and the committed aggregates.
///
/// The master states a round's spend in its `CommitAggregate`, and every validator works it out
/// again (`AggregateVerifier`), so a master cannot understate what the ε ledger records.
///
/// - **Sample-level DP** (DP-SGD at each hospital): a dataset whose hospital trained in a round
///   spends that round's DP-SGD steps, at sampling rate batch / examples and the noise
///   multiplier calibrated so the task's rounds reach the target ε. What is aggregated does
///   not matter; the data were protected inside training.
/// - **Client-level DP** (DP-FedAvg with the noise split between the K hospitals drawn per
///   round): one step at sampling rate 1 per round the hospital trained in. The draw is seeded
///   and on the chain, so it amplifies nothing. A round whose aggregate sums m of the K noise
///   shares is protected by σ·√(m/K).
///
/// A round's ε is the dataset's ε after it minus its ε before it (0 before its first round).
public struct TaskPrivacyAccounting: Sendable {
    public let config: FederatedTaskConfig
    /// The task's datasets, one per hospital.
    public let datasets: Int
    /// DP-SGD mechanisms already worked out, shared by every node in the process: calibrating σ
    /// and the sampled Gaussian's RDP are numerical, and pure functions of the key.
    private static let mechanisms = Mutex<[MechanismKey: SampleMechanism]>([:])

    private struct MechanismKey: Hashable {
        var examples: Int, batchSize: Int, localEpochs: Int, rounds: Int
        var targetEpsilon: Double?, noiseMultiplier: Double, delta: Double
    }

    /// One dataset's DP-SGD under sample-level DP.
    public struct SampleMechanism: Sendable, Equatable {
        public var samplingRate: Double
        public var noiseMultiplier: Double
        public var stepsPerRound: Int
        /// The RDP of one round's steps at each of `RDPAccountant.defaultOrders` (computed once:
        /// the sampled Gaussian's RDP is a numerical series, and validators need it every round).
        public var roundRDP: [Double]
    }

    public init(config: FederatedTaskConfig, datasets: Int) {
        self.config = config
        self.datasets = datasets
    }

    /// What a hospital with `examples` training examples runs: its sampling rate, its steps
    /// per round, and σ calibrated so that all the task's rounds reach the target ε (or the
    /// task's fixed σ).
    public func sampleMechanism(examples: Int) throws -> SampleMechanism {
        let key = MechanismKey(examples: examples, batchSize: config.batchSize, localEpochs: config.localEpochs,
                               rounds: config.rounds, targetEpsilon: config.privacy.targetEpsilon,
                               noiseMultiplier: config.privacy.noiseMultiplier, delta: config.privacy.delta)
        if let known = Self.mechanisms.withLock({ $0[key] }) { return known }
        let plan = PrivateTrainer.plan(datasetSize: examples, batchSize: config.batchSize)
        let perRound = plan.stepsPerEpoch * config.localEpochs
        let sigma = try config.privacy.targetEpsilon.map {
            try NoiseCalibration.noiseMultiplier(targetEpsilon: $0, samplingRate: plan.samplingRate,
                                                 steps: perRound * config.rounds, delta: config.privacy.delta)
        } ?? config.privacy.noiseMultiplier
        let step = try RDPAccountant.sampledGaussianRDP(samplingRate: plan.samplingRate, noiseMultiplier: sigma,
                                                        orders: RDPAccountant.defaultOrders)
        let mechanism = SampleMechanism(samplingRate: plan.samplingRate, noiseMultiplier: sigma, stepsPerRound: perRound,
                                        roundRDP: step.map { $0 * Double(perRound) })
        Self.mechanisms.withLock { $0[key] = mechanism }
        return mechanism
    }

    /// The client-level noise multiplier protecting an aggregate of `included` of the noise
    /// shares of `participants` hospitals: each adds N(0, σ²C²/K), so m of them carry m·σ²C²/K.
    public static func effectiveNoiseMultiplier(_ sigma: Double, participants: Int, included: Int) -> Double {
        sigma * (Double(included) / Double(max(participants, 1))).squareRoot()
    }

    /// A round of the task as the accounting sees it.
    public struct Round: Sendable {
        /// The task's datasets (indices into `PublishTask.datasets`) whose hospitals trained,
        /// with their training-example counts.
        public var trained: [(dataset: Int, examples: Int)]
        /// How many updates the round's aggregate sums.
        public var included: Int

        public init(trained: [(dataset: Int, examples: Int)], included: Int) {
            self.trained = trained
            self.included = included
        }
    }

    /// ε per dataset (indexed like `PublishTask.datasets`) after `rounds`, in order.
    public func spent(after rounds: [Round]) throws -> [Double] {
        guard config.privacy.mode != .none else { return Array(repeating: 0, count: datasets) }
        return try (0..<datasets).map { k in try epsilon(of: k, over: rounds) }
    }

    /// What `round` costs each dataset whose hospital trained in it, after `earlier` rounds.
    public func spend(of round: Round, after earlier: [Round]) throws -> [(dataset: Int, epsilon: Double)] {
        guard config.privacy.mode != .none else { return [] }
        return try round.trained.map { k, _ in
            let before = try epsilon(of: k, over: earlier)
            let after = try epsilon(of: k, over: earlier + [round])
            return (k, max(0, after - before))
        }
    }

    /// Dataset `k`'s ε over `rounds`; 0 before its first.
    func epsilon(of k: Int, over rounds: [Round]) throws -> Double {
        let taking = rounds.filter { $0.trained.contains { $0.dataset == k } }
        guard !taking.isEmpty else { return 0 }
        switch config.privacy.mode {
        case .none:
            return 0
        case .sample:
            let examples = taking.last!.trained.first { $0.dataset == k }!.examples
            let rdp = try sampleMechanism(examples: examples).roundRDP.map { $0 * Double(taking.count) }
            return try RDPAccountant.epsilon(orders: RDPAccountant.defaultOrders, rdp: rdp, delta: config.privacy.delta).epsilon
        case .client:
            // Each drawn hospital added 1/K of the noise variance, K = the round's draw.
            let drawn = config.participantsPerRound(hospitals: datasets)
            var accountant = RDPAccountant()
            for round in taking {
                try accountant.compose(samplingRate: 1, noiseMultiplier: Self.effectiveNoiseMultiplier(
                    config.privacy.noiseMultiplier, participants: drawn, included: round.included))
            }
            return try accountant.epsilon(delta: config.privacy.delta).epsilon
        }
    }
}

extension TaskPrivacyAccounting {
    /// Round `r` of `task` as the chain holds it: the task's datasets whose owners have an
    /// update for the round, and `included` (the pending aggregate's count), or the committed
    /// aggregate's. Nil when the round has neither.
    public func round(_ r: UInt32, of task: TaskRecord, state: any LedgerStateReader, included: Int? = nil) -> Round? {
        guard let included = included ?? state.aggregate(RoundKey(task: task.id, round: r))?.updates.count else { return nil }
        let trained = task.spec.datasets.enumerated().compactMap { k, cid -> (dataset: Int, examples: Int)? in
            guard let owner = state.dataset(cid)?.owner,
                  let update = state.update(UpdateKey(task: task.id, round: r, member: owner)) else { return nil }
            return (k, Int(update.sampleCount))
        }
        return Round(trained: trained, included: included)
    }

    /// The task's committed rounds before `r`, in order.
    public func history(of task: TaskRecord, before r: UInt32, state: any LedgerStateReader) throws -> [Round] {
        try (0..<r).map { earlier in
            guard let round = round(earlier, of: task, state: state) else {
                throw FederationError("round \(earlier) of task \(task.id.hex.prefix(12))… has no committed aggregate")
            }
            return round
        }
    }

    /// Throws the ledger's own refusal (`privacyBudgetExceeded`) when `spent` would take a
    /// dataset past its budget: a master checks before it proposes what the state machine
    /// would refuse.
    public static func checkBudgets(_ spent: [CommitAggregate.DatasetSpend], state: any LedgerStateReader) throws {
        for spend in spent {
            guard let dataset = state.dataset(spend.dataset) else { throw FederationError("dataset \(spend.dataset) is not on the chain") }
            _ = try dataset.spending(spend.epsilon)
        }
    }

    /// What `round` costs each dataset (`cids` indexed like `PublishTask.datasets`), as a
    /// `CommitAggregate` states it: by CID, rounded to the ledger's micro-ε.
    public func datasetSpends(of round: Round, after earlier: [Round], cids: [String]) throws -> [CommitAggregate.DatasetSpend] {
        try spend(of: round, after: earlier).map { k, e in
            guard let epsilon = Epsilon(e) else { throw FederationError("the accountant gave ε = \(e) for dataset \(cids[k])") }
            return CommitAggregate.DatasetSpend(dataset: cids[k], epsilon: epsilon)
        }
    }

    /// The spend `aggregate` must state: its round's cost to each dataset.
    public func expectedSpend(of aggregate: CommitAggregate, task: TaskRecord,
                              state: any LedgerStateReader) throws -> [CommitAggregate.DatasetSpend] {
        guard let round = round(aggregate.round, of: task, state: state, included: aggregate.updates.count) else { return [] }
        return try datasetSpends(of: round, after: try history(of: task, before: aggregate.round, state: state),
                                 cids: task.spec.datasets)
    }
}
