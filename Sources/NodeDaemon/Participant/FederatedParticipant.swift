import Consensus
import DataCatalog
import DataSets
import Federation
import Foundation
import Learning
import Ledger
import Synchronization
import Tensor

/// The federated participant inside a node: issue 6's training loop, driven by the chain.
///
/// As a trainer, `run()` watches committed blocks (the runtime's long poll). It registers the
/// node's data share once, and whenever a task naming that dataset has an open round this node
/// has not answered, it rebuilds the round's global model from the chain (`AggregateVerifier`,
/// the same code every validator re-checks with), trains locally (`LocalTraining`), encodes the
/// update (`UpdateEncoder`), stores the blob in the node's blockstore and submits a signed
/// `SubmitUpdate` through the node's own mempool. Training runs off the consensus queue.
///
/// As master, it is the node's `ProposalContributor`: when this node proposes and a round has an
/// update from every named dataset but no aggregate, it fetches the blobs by CID (local store,
/// else peers), checks them and judges reputation (`RoundJudgement`, shared with
/// `FederatedTaskRun`), aggregates the accepted ones (`GlobalModel.next`), stores the model and
/// adds the `ReputationChange`s and the `CommitAggregate` to its block.
///
/// Supported tasks: plaintext updates without sample-level DP, every dataset in every round
/// (`clientsPerRound` 0 or all). Others are logged and skipped.
public final class FederatedParticipant: ProposalContributor, @unchecked Sendable {
    // @unchecked: `registered`, `submitted`, `speculated`, `skipped` and `trainingModels` are
    // touched only by `run()` (one task); `proposals` and `masterModels` only on the runtime's
    // queue (contributor calls, and `forgetClosedProposals` inside `runtime.read`); the rest is
    // immutable or Sendable.

    public let runtime: NodeRuntime
    public let data: ParticipantData
    let key: SigningKey
    let log: @Sendable (String) -> Void
    let policy = ReputationPolicy()
    /// The manifest CID of this node's share, once imported.
    public private(set) var datasetCID: String?
    private var registered = false
    private var submitted: Set<RoundKey> = []
    /// Rounds whose aggregate this node has started computing ahead (`speculateOnCompleteRounds`).
    private var speculated: Set<RoundKey> = []
    private var skipped: Set<Hash256> = []
    private var trainingModels: [Hash256: Sequential] = [:]
    private var noise: SeededGenerator
    private var proposals: [RoundKey: (nonce: UInt64, transactions: [SignedTransaction])] = [:]
    private var masterModels: [Hash256: Sequential] = [:]
    /// Rounds this node completed as trainer (submitted) and as master (proposed), for status.
    private let counters = Mutex<(submitted: Int, aggregated: Int)>((0, 0))

    public init(runtime: NodeRuntime, data: ParticipantData, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.runtime = runtime
        self.data = data
        key = runtime.setup.key
        self.log = log
        // Private randomness (client-level DP noise); a deployment has no reason to repeat it.
        var system = SystemRandomNumberGenerator()
        noise = SeededGenerator(seed: system.next())
    }

    /// Updates submitted and aggregates proposed so far.
    public var progress: (submitted: Int, aggregated: Int) { counters.withLock { $0 } }

    /// Installs the master step, then follows the chain until the task is cancelled.
    public func run() async {
        await runtime.setContributor(self)
        var height: UInt64 = 0
        while !Task.isCancelled {
            let batch = await runtime.commits(after: height, waitMs: 1_000)
            if let last = batch.blocks.last?.height { height = max(height, last) }
            do { try await step() } catch { log("participant: \(error)") }
            if batch.blocks.isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
        }
        await runtime.setContributor(nil)
    }

    /// One pass: register the share if needed, then answer every open round.
    func step() async throws {
        if !registered { try await register() }
        guard let dataset = datasetCID else { return }
        let me = key.publicKey
        let verifier = runtime.aggregates
        let known = submitted, skip = skipped
        // Read on the queue: the open rounds naming this dataset, and their global models.
        let (work, open) = await runtime.read { app -> ([Work], [Hash256: UInt32]?) in
            guard let state = app?.state else { return ([], nil) }
            self.forgetClosedProposals(state: state)
            let open = Dictionary(uniqueKeysWithValues: state.tasks.values.filter(\.isOpen).map { ($0.id, $0.openRound) })
            return (state.tasks.values.sorted { $0.id.hex < $1.id.hex }.compactMap { task -> Work? in
                guard task.isOpen, !skip.contains(task.id), let index = task.spec.datasets.firstIndex(of: dataset) else { return nil }
                let key = RoundKey(task: task.id, round: task.openRound)
                guard !known.contains(key), state.update(UpdateKey(task: task.id, round: task.openRound, member: me)) == nil else { return nil }
                do {
                    let config = try FederatedTaskConfig(publishTask: task.spec)
                    if let reason = Self.unsupported(config, datasets: task.spec.datasets.count) { return Work(key: key, failure: reason) }
                    let global = try verifier.globalModel(after: Int(task.openRound), task: task.id, state: state)
                    return Work(key: key, index: index, participants: task.spec.datasets.count, config: config, global: global)
                } catch {
                    return Work(key: key, failure: "\(error)")
                }
            }, open)
        }
        if let open { forgetClosedRounds(open: open) }
        await speculateOnCompleteRounds()
        for item in work {
            guard let config = item.config, let global = item.global else {
                log("participant: task \(item.key.task.hex.prefix(12))… skipped: \(item.failure ?? "?")")
                skipped.insert(item.key.task)
                continue
            }
            try await train(item, config: config, global: global)
        }
    }

    /// Drops what `run()` kept for rounds that are over and tasks that are finished (`open`:
    /// each unfinished task's open round). Without this a long-running node would keep one
    /// entry per round and one model per task forever.
    func forgetClosedRounds(open: [Hash256: UInt32]) {
        submitted = submitted.filter { open[$0.task] == $0.round }
        speculated = speculated.filter { open[$0.task] == $0.round }
        skipped = skipped.filter { open[$0] != nil }
        trainingModels = trainingModels.filter { open[$0.key] != nil }
        retained.withLock { $0.run = submitted.count + speculated.count + skipped.count + trainingModels.count }
    }

    /// The same for the master step's state; on the runtime's queue.
    func forgetClosedProposals(state: WorldState) {
        func open(_ task: Hash256) -> UInt32? { state.task(task).flatMap { $0.isOpen ? $0.openRound : nil } }
        proposals = proposals.filter { open($0.key.task) == $0.key.round }
        masterModels = masterModels.filter { open($0.key) != nil }
        retained.withLock { $0.queue = proposals.count + masterModels.count }
    }

    /// Entries kept for rounds and tasks, as of the last pruning: `run()`'s and the queue's
    /// (−1 before the first).
    let retained = Mutex<(run: Int, queue: Int)>((-1, -1))

    /// The open round's updates in the task's dataset order (the order the master names them),
    /// or nil until every dataset's owner has submitted one.
    static func completeRound(_ task: TaskRecord, state: WorldState) -> [UpdateRecord]? {
        let owners = task.spec.datasets.compactMap { state.dataset($0)?.owner }
        let records = owners.compactMap { state.update(UpdateKey(task: task.id, round: task.openRound, member: $0)) }
        guard owners.count == task.spec.datasets.count, records.count == owners.count else { return nil }
        return records
    }

    /// A round all of whose updates are on the chain, as the master will name them.
    struct CompleteRound: Sendable {
        var key: RoundKey
        var spec: PublishTask
        var previousModelCID: String?
        var updates: [UpdateRecord]
    }

    /// Starts computing ahead, at idle priority, the aggregate of every open round whose
    /// updates are all committed (`AggregateVerifier.speculate`), in the order the master names
    /// them (the task's datasets). The master then runs its checks; this node's check of its
    /// block is a CID comparison if the block names all of them.
    func speculateOnCompleteRounds() async {
        let started = speculated
        let rounds = await runtime.read { app -> [CompleteRound] in
            guard let state = app?.state else { return [] }
            return state.tasks.values.compactMap { task -> CompleteRound? in
                let key = RoundKey(task: task.id, round: task.openRound)
                guard task.isOpen, !started.contains(key), state.aggregate(key) == nil,
                      let records = Self.completeRound(task, state: state) else { return nil }
                let previous = task.openRound == 0 ? nil : state.aggregate(RoundKey(task: task.id, round: task.openRound - 1))?.modelCID
                return CompleteRound(key: key, spec: task.spec, previousModelCID: previous, updates: records)
            }
        }
        for round in rounds {
            runtime.aggregates.speculate(task: round.key.task, round: round.key.round, spec: round.spec,
                                         previousModelCID: round.previousModelCID,
                                         updates: round.updates.map { ($0.updateCID, $0.sampleCount) })
            speculated.insert(round.key)
        }
    }

    struct Work: Sendable {
        var key: RoundKey
        var index = 0
        var participants = 0
        var config: FederatedTaskConfig?
        var global: GlobalModel?
        var failure: String?
    }

    /// Why a task cannot run inside a node yet (nil: it can).
    static func unsupported(_ config: FederatedTaskConfig, datasets: Int) -> String? {
        if config.privacy.homomorphic { return "homomorphic aggregation needs the publisher's key holder, which nodes do not run" }
        if config.privacy.mode == .client && !(config.privacy.noiseMultiplier > 0) {
            return "client-level DP task published without its noise multiplier (resolve σ before publishing)"
        }
        if config.clientsPerRound > 0 && config.clientsPerRound < datasets { return "client sampling is not supported in nodes" }
        return nil
    }

    /// Local training from the committed global model, then the update: stored, signed, submitted.
    func train(_ work: Work, config: FederatedTaskConfig, global: GlobalModel) async throws {
        let r = Int(work.key.round)
        let started = ContinuousClock.now
        let model: Sequential
        if let cached = trainingModels[work.key.task] { model = cached } else {
            model = try Sequential(spec: config.modelSpec, seed: config.seed, workerCount: 1)
            trainingModels[work.key.task] = model
        }
        let training = LocalTraining(config: config, workers: 1)
        let seed = training.seed(round: r, participant: work.index)
        let delta: [Float]
        if config.privacy.mode == .sample {
            // DP-SGD with noise from the system's generator; σ as every validator derives it.
            let sigma = try TaskPrivacyAccounting(config: config, datasets: work.participants)
                .sampleMechanism(examples: data.train.count).noiseMultiplier
            delta = try training.privateDelta(model: model, global: global.parameters, data: data.train, seed: seed,
                                              noiseMultiplier: sigma, noiseSeed: nil)
        } else {
            delta = try training.delta(model: model, global: global.parameters, data: data.train, seed: seed)
        }
        let metrics = LocalValidationMetrics.metrics(of: model, validation: data.validation, trainExamples: data.train.count)
        let update = try UpdateEncoder(config: config, participants: work.participants).encode(delta, noise: &noise)
        let cid = try runtime.blockstore.put(bytes: [UInt8](update.encoded()), pin: true).root.description
        let payload = TransactionPayload.submitUpdate(SubmitUpdate(
            task: work.key.task, round: work.key.round, updateCID: cid, sampleCount: UInt64(data.train.count), norm: update.norm,
            metrics: metrics))
        let outcome = try await submit(payload)
        submitted.insert(work.key)
        counters.withLock { $0.submitted += 1 }
        log("participant: round \(r + 1) update \(cid) (\(data.train.count) examples, norm \(String(format: "%.4f", update.norm)), "
            + "\((ContinuousClock.now - started).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2))))) \(outcome)")
    }

    /// Imports the share into the node's store and registers it, unless the chain has it.
    func register() async throws {
        let (manifest, cid) = try DatasetImporter.importSplits(["train": data.train, "validation": data.validation],
                                                               classNames: data.classNames, into: runtime.blockstore)
        datasetCID = cid
        let onChain = await runtime.read { app in app?.state.dataset(cid) != nil }
        if !onChain {
            guard let budget = Epsilon(data.epsilonBudget) else { throw FederationError("invalid ε budget \(data.epsilonBudget)") }
            let outcome = try await submit(.registerDataset(RegisterDataset(
                manifestCID: cid, schema: manifest.schema, recordCount: UInt64(manifest.recordCount),
                labelCounts: manifest.labelCounts.map(UInt64.init), epsilonBudget: budget)))
            log("participant: registering dataset \(cid) (\(manifest.recordCount) records): \(outcome)")
        }
        registered = true
    }

    /// Signs `payload` with this node's next nonce and admits it to its own mempool.
    func submit(_ payload: TransactionPayload) async throws -> String {
        let nonce = await runtime.nextNonce(for: key.publicKey)
        let tx = Transaction(chainID: runtime.setup.chainID, sender: key.publicKey, nonce: nonce, payload: payload).signed(by: key)
        switch await runtime.submit(tx.bytes) {
        case .admitted, .duplicate: return "submitted \(tx.hash.hex.prefix(12))…"
        case .refused(let reason, let message): throw FederationError("the node refused our transaction (\(reason)): \(message)")
        }
    }

    // MARK: Master step (on the runtime's queue)

    public func transactions(forHeight height: UInt64, round: UInt32, proposer: SigningKey,
                             application: LedgerApplication) -> [SignedTransaction] {
        let state = application.state
        var nonce = state.member(proposer.publicKey)?.nonce ?? 0
        var out: [SignedTransaction] = []
        for task in state.tasks.values.sorted(by: { $0.id.hex < $1.id.hex }) where task.isOpen {
            let key = RoundKey(task: task.id, round: task.openRound)
            guard state.aggregate(key) == nil, let records = Self.completeRound(task, state: state) else { continue }
            // A re-proposal of the same round (a failed consensus round) reuses the same transactions.
            if let cached = proposals[key], cached.nonce == nonce {
                out += cached.transactions
                nonce += UInt64(cached.transactions.count)
                continue
            }
            do {
                let txs = try aggregate(task, records: records, state: state, nonce: nonce, proposer: proposer)
                proposals[key] = (nonce, txs)
                out += txs
                nonce += UInt64(txs.count)
                counters.withLock { $0.aggregated += 1 }
            } catch {
                log("participant: could not aggregate round \(task.openRound + 1) of task \(task.id.hex.prefix(12))…: \(error)")
            }
        }
        return out
    }

    /// The master step for one round (see the type's discussion).
    func aggregate(_ task: TaskRecord, records: [UpdateRecord], state: WorldState, nonce first: UInt64,
                   proposer: SigningKey) throws -> [SignedTransaction] {
        let config = try FederatedTaskConfig(publishTask: task.spec)
        if let reason = Self.unsupported(config, datasets: task.spec.datasets.count) { throw FederationError(reason) }
        let r = Int(task.openRound)
        let global = try runtime.aggregates.globalModel(after: r, task: task.id, state: state)
        let fetched = try runtime.aggregates.updates(records.map(\.updateCID))  // prefetched since admission
        let decoded = fetched.map { $0.codec.decode($0.denseValues()) }
        let checker = config.updateChecker(dimension: global.parameters.count, participants: records.count)
        let model: Sequential
        if let cached = masterModels[task.id] { model = cached } else {
            model = try Sequential(spec: config.modelSpec, seed: config.seed, workerCount: 1)
            masterModels[task.id] = model
        }
        let validation = data.validation
        let checks = RoundJudgement.checks(decoded, sampleCounts: records.map { Int($0.sampleCount) }, global: global.parameters,
                                           config: config, checker: checker,
                                           validationLoss: validation.count == 0 ? nil : { candidate in
                                               try? model.loadFlatParameters(candidate)
                                               return model.evaluate(validation).loss
                                           })
        let judgement = RoundJudgement(round: r, entries: records.enumerated().map { k, record in
            RoundJudgement.Entry(member: record.key.member, name: runtime.name(of: record.key.member), check: checks[k],
                                 points: state.member(record.key.member)?.reputation ?? 0)
        }, policy: policy, threshold: config.reputationThreshold)
        guard !judgement.included.isEmpty else { throw FederationError("every update was rejected: \(judgement.reasons)") }
        let weighted = judgement.included.map { WeightedUpdate(update: fetched[$0], sampleCount: Int(records[$0].sampleCount)) }
        let next = try global.next(updates: weighted, config: config).0
        let modelCID = try runtime.blockstore.put(bytes: next.blob(spec: config.modelSpec), pin: true).root.description
        var nonce = first
        func sign(_ payload: TransactionPayload) -> SignedTransaction {
            defer { nonce += 1 }
            return Transaction(chainID: runtime.setup.chainID, sender: proposer.publicKey, nonce: nonce, payload: payload).signed(by: proposer)
        }
        var aggregate = CommitAggregate(
            task: task.id, round: task.openRound, updates: judgement.included.map { records[$0].txHash }, modelCID: modelCID,
            metrics: NamedValues(["accepted": Double(judgement.included.count), "submitted": Double(records.count)])!,
            privacySpent: [])
        // What the round costs each dataset, worked out from the chain as every validator will.
        aggregate.privacySpent = try TaskPrivacyAccounting(config: config, datasets: task.spec.datasets.count)
            .expectedSpend(of: aggregate, task: task, state: state)
        // A round that would overspend is refused here with the ledger's error; the task stops.
        try TaskPrivacyAccounting.checkBudgets(aggregate.privacySpent, state: state)
        var txs = judgement.changes.map { sign(.reputationChange($0)) }
        txs.append(sign(.commitAggregate(aggregate)))
        log("participant: master of round \(r + 1): \(judgement.included.count)/\(records.count) accepted, model \(modelCID)")
        return txs
    }
}
