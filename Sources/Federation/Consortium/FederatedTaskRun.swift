import ContentStore
import DataSets
import Foundation
import Ledger
import Learning
import Paillier
import Privacy
import Tensor

/// What happened in one round, as the demo reports it.
public struct RoundRecord: Codable, Sendable {
    public var round: Int
    /// The hospital that aggregated (the block proposer).
    public var master: String
    public var accepted: [String]
    public var rejected: [String]
    /// Why each rejected update was left out.
    public var reasons: [String: String]
    /// The new global model on the evaluation set (the observer's view, never used to decide).
    public var accuracy: Double
    public var auc: Double
    /// The new global model's AUC on all hospitals' validation data, computed from the score
    /// histograms each hospital shares (no prediction leaves a hospital).
    public var validationAUC: Double?
    /// Cumulative ε spent per dataset after this round (0 without DP).
    public var epsilon: Double
    public var seconds: Double
    /// Where the round's wall time went (training, ledger, store, crypto), from `PhaseTiming`.
    public var timing: PhaseTiming.Totals
    public var reputation: [String: Int64]
    /// Evidence committed during the round, as "offender: what".
    public var evidence: [String]
    /// Validators barred from proposing after the round.
    public var blacklist: [String]

    enum CodingKeys: String, CodingKey {
        case round, master, accepted, rejected, reasons, accuracy, auc, epsilon, seconds, timing, reputation, evidence, blacklist
        case validationAUC = "validation_auc"
    }
}

/// Runs a published task round by round through the consortium.
///
/// Per round: every hospital trains from the committed global model, encodes its update,
/// stores it and submits `SubmitUpdate`; the block commits. The master fetches the updates by
/// CID, checks them (norm bound, cosine to the coordinate-wise median, loss on its own
/// validation split), records reputation, aggregates the accepted ones, stores the new model
/// and commits `CommitAggregate` — which every other node re-computes before appending.
public final class FederatedTaskRun: AggregateContributor {
    public let consortium: FederatedConsortium
    public let config: FederatedTaskConfig
    public let taskID: Hash256
    public private(set) var global: GlobalModel
    /// The released model: the round with the best federated validation AUC (the latest on ties).
    public private(set) var best: GlobalModel
    public private(set) var rounds: [RoundRecord] = []
    /// Data the observer evaluates each round's model on (the common test split).
    let evaluation: LabeledData
    let policy = ReputationPolicy()
    let training: LocalTraining
    /// The noise multiplier in force (client-level DP), resolved from a target ε if needed.
    public let noiseMultiplier: Double
    /// What each round costs each dataset; every validator works it out the same way.
    let accounting: TaskPrivacyAccounting
    /// Sample-level DP: each hospital's DP-SGD noise multiplier.
    var sampleSigmas: [Double] = []
    var homomorphic: HomomorphicAggregation?
    var encryptors: [PaillierEncryptor] = []
    /// The round waiting for its aggregate, and its submissions.
    var open: (round: Int, submissions: [Submission])?
    /// Aggregates proposed this round by model CID, so the committed one's details are known.
    var proposed: [String: Proposed] = [:]
    /// Why this round's master step failed, if it did (`AggregateContributor.failure`).
    public private(set) var failure: (any Error)?
    /// The `CloseTask` its publisher committed when the run stopped before its last round
    /// (the target AUC was reached, or the ε budget could not pay for another round).
    public private(set) var closure: CloseTask?

    struct Submission {
        var node: HospitalNode
        var tx: SignedTransaction
        var sampleCount: Int
    }

    struct Proposed {
        var model: GlobalModel
        var included: [Int]
        var reasons: [String: String]
        var reputation: [String: Int64]
        /// Whether the model still has to be written to the master's store once the block
        /// commits (false when it was stored before proposing: a homomorphic model).
        var writeOnCommit: Bool
        var master: HospitalNode
    }

    public init(consortium: FederatedConsortium, config: FederatedTaskConfig, evaluation: LabeledData) throws {
        try config.validate(hospitals: consortium.hospitals.count)
        var config = config
        config = try config.resolvingClientNoise(hospitals: consortium.hospitals.count)
        noiseMultiplier = config.privacy.noiseMultiplier
        let accounting = TaskPrivacyAccounting(config: config, datasets: consortium.hospitals.count)
        self.accounting = accounting
        if config.privacy.mode == .sample {
            sampleSigmas = try consortium.hospitals.map { try accounting.sampleMechanism(examples: $0.train.count).noiseMultiplier }
        }
        if config.privacy.homomorphic {
            config.homomorphicKeyCID = try consortium.makeHomomorphicKey()
            config.weightBound = consortium.hospitals.map(\.train.count).max() ?? 1
            config.parties = consortium.hospitals.count
            let key = consortium.homomorphicKey!.publicKey
            homomorphic = try HomomorphicAggregation(publicKey: key, codec: config.codec, weightBound: config.weightBound,
                                                     parties: config.parties)
            // Each hospital builds its own fixed-base encryption tables from the public key.
            encryptors = consortium.timing.measure(\.crypto) {
                consortium.hospitals.map { _ in PaillierEncryptor(publicKey: key) }
            }
        }
        self.consortium = consortium
        self.config = config
        self.evaluation = evaluation
        training = LocalTraining(config: config)
        global = try GlobalModel.initial(config)
        best = global
        taskID = try consortium.publish(config)
    }

    /// Cumulative ε of the committed rounds, per dataset; the largest is reported.
    public var epsilonSpent: Double {
        let state = consortium.state
        var committed: UInt32 = 0
        while state.aggregate(RoundKey(task: taskID, round: committed)) != nil { committed += 1 }
        guard config.privacy.mode != .none, let task = state.task(taskID),
              let history = try? accounting.history(of: task, before: committed, state: state) else { return 0 }
        return ((try? accounting.spent(after: history)) ?? []).max() ?? 0
    }

    /// Runs every round, or until the federated validation AUC reaches the task's target, or
    /// until the ledger would refuse a round's ε spend. Either early stop is committed as the
    /// publisher's `CloseTask` (``closure``), so the chain shows why the task ended; a budget
    /// that cannot pay for even the first round is rethrown as the ledger's refusal.
    public func run(progress: ((RoundRecord) -> Void)? = nil) throws {
        var bestAUC = -Double.infinity
        for r in 0..<config.rounds {
            let record: RoundRecord
            do { record = try runRound(r) } catch let refusal as TransactionRejection {
                guard case .privacyBudgetExceeded = refusal else { throw refusal }
                try close(round: r, reason: .budgetExhausted, detail: "\(refusal)")
                if rounds.isEmpty { throw refusal }
                return
            }
            rounds.append(record)
            progress?(record)
            let validation = record.validationAUC ?? 0
            if validation >= bestAUC {
                bestAUC = validation
                best = global
            }
            if let target = config.targetAUC, validation >= target {
                if r + 1 < config.rounds {
                    try close(round: r + 1, reason: .targetReached,
                              detail: String(format: "federated validation AUC %.4f reached the target %.4f in round %d", validation, target, r + 1))
                }
                return
            }
        }
    }

    /// The publisher closes the task at its open round `r` (0-based).
    func close(round r: Int, reason: CloseTask.Reason, detail: String) throws {
        let payload = CloseTask(task: taskID, round: UInt32(r), reason: reason, detail: detail)
        try consortium.close(payload)
        closure = payload
    }

    func runRound(_ r: Int) throws -> RoundRecord {
        let started = ContinuousClock.now
        let phasesBefore = consortium.timing.totals
        let nodes = consortium.hospitals
        let participants = participants(round: r)
        // 1. Local training and update submission. Each hospital's upload (store, sign, submit)
        //    runs while the next hospital trains, as it would on separate machines.
        let uploads = UploadPipeline<Submission>()
        let encoder = UpdateEncoder(config: config, participants: participants.count)
        for node in participants {
            let delta = try consortium.timing.measure(\.training) { () throws -> [Float] in
                let seed = training.seed(round: r, participant: node.index)
                if config.privacy.mode == .sample {
                    // DP-SGD. The noise seed is derived from the run's seed so simulations repeat;
                    // a deployment leaves it nil (system randomness), as a known seed voids privacy.
                    return try training.privateDelta(model: node.model, global: global.parameters, data: node.train, seed: seed,
                                                     noiseMultiplier: sampleSigmas[node.index], noiseSeed: seed ^ 0x5EED)
                }
                return try training.delta(model: node.model, global: global.parameters, data: node.train, seed: seed)
            }
            // The locally trained model (still in `node.model`) on the hospital's own validation data.
            let metrics = consortium.timing.measure(\.training) {
                LocalValidationMetrics.metrics(of: node.model, validation: node.validation, trainExamples: node.train.count)
            }
            let update = try encode(delta, node: node, encoder: encoder)
            var blob = [UInt8](update.encoded())
            if let he = homomorphic {
                blob = try consortium.timing.measure(\.crypto) {
                    try he.encrypt(update, weight: node.train.count, encryptor: encryptors[node.index])
                        .encoded(keyBits: he.publicKey.bits)
                }
            }
            let (consortium, taskID, norm) = (consortium, taskID, update.norm)
            let plaintext = homomorphic == nil
            uploads.add { [blob] in
                let cid = try node.store.put(bytes: blob).root.description
                let tx = try consortium.submit(.submitUpdate(SubmitUpdate(
                    task: taskID, round: UInt32(r), updateCID: cid, sampleCount: UInt64(node.train.count),
                    norm: norm, metrics: metrics)),
                    from: node, measured: false)
                if plaintext { consortium.announce(update, cid: cid, from: node) }
                return Submission(node: node, tx: tx, sampleCount: node.train.count)
            }
        }
        // What is left of the uploads once the last hospital has trained: mostly the last
        // one's store write.
        let submissions = try consortium.timing.measure(\.store) { try uploads.results() }
        // Every node now holds the round's updates: each computes their aggregate at idle
        // priority while the master checks them, so its check of the master's block is
        // usually a CID comparison (`AggregateVerifier.speculate`).
        if homomorphic == nil {
            let previous = r == 0 ? nil : consortium.state.aggregate(RoundKey(task: taskID, round: UInt32(r - 1)))?.modelCID
            consortium.speculate(task: taskID, round: UInt32(r), previousModelCID: previous,
                                 updates: submissions.compactMap { s in
                                     guard case .submitUpdate(let u) = s.tx.transaction.payload else { return nil }
                                     return (u.updateCID, u.sampleCount)
                                 })
        }

        // 2. A master — the proposer of the next block — aggregates, and its block carries the
        //    round's updates and the aggregate together; every validator re-checks it.
        open = (r, submissions)
        proposed = [:]
        failure = nil
        defer { open = nil }
        let key = RoundKey(task: taskID, round: UInt32(r))
        let blocks = try consortium.timing.measure(\.ledger) {
            consortium.clock.advance(by: 1000)
            return try consortium.ordering.commit(until: { consortium.state.aggregate(key) != nil }, contributor: self)
        }
        guard let committed = consortium.state.aggregate(key), let outcome = proposed[committed.modelCID] else {
            throw FederationError("round \(r): the committed aggregate was not proposed in this process")
        }
        global = outcome.model
        // The committed model goes into its master's store while the hospitals evaluate it
        // (see `storeOrHash`); the round ends once it is durable.
        let write = UploadPipeline<String>()
        if outcome.writeOnCommit {
            let (store, model, spec) = (outcome.master.store, outcome.model, config.modelSpec)
            write.add { try store.put(bytes: model.blob(spec: spec)).root.description }
        }
        let masterKey = blocks.last { $0.block.block.transactions.contains { Hash256.sha256($0) == committed.txHash } }?.proposer
        let names = Dictionary(uniqueKeysWithValues: nodes.map { ($0.key.publicKey, $0.name) })

        // 3. Each hospital scores the new model on its own validation data and shares only a
        //    histogram; the observer also scores it on the common evaluation split.
        let (evaluated, validationAUC) = try consortium.timing.measure(\.training) { () throws -> (Evaluation, Double?) in
            var histograms: [(positives: [Int], negatives: [Int])] = []
            for node in nodes where node.validation.count > 0 {
                try node.model.loadFlatParameters(global.parameters)
                histograms.append(FederatedThreshold.histogram(scores: node.model.evaluate(node.validation).probabilities,
                                                              labels: node.validation.labels))
            }
            try nodes[0].model.loadFlatParameters(global.parameters)
            return (nodes[0].model.evaluate(evaluation), FederatedThreshold.auc(from: histograms))
        }
        for stored in try consortium.timing.measure(\.store, { try write.results() }) where stored != committed.modelCID {
            throw FederationError("round \(r): the model blob stored as \(stored), not the committed \(committed.modelCID)")
        }
        return RoundRecord(
            round: r + 1, master: masterKey.flatMap { names[$0] } ?? "?",
            accepted: outcome.included.map { submissions[$0].node.name },
            rejected: submissions.indices.filter { !outcome.included.contains($0) }.map { submissions[$0].node.name },
            reasons: outcome.reasons, accuracy: evaluated.accuracy, auc: evaluated.auc ?? 0, validationAUC: validationAUC,
            epsilon: epsilonSpent, seconds: (ContinuousClock.now - started).seconds,
            timing: consortium.timing.totals.since(phasesBefore), reputation: outcome.reputation,
            evidence: blocks.flatMap(\.evidence).map { "\(names[$0.offender] ?? $0.offender.shortHex): \($0.kind) — \($0.detail)" },
            blacklist: (blocks.last?.blacklist ?? []).map { names[$0] ?? $0.shortHex })
    }

    /// The hospitals training in round `r`: all, or `clientsPerRound` of them drawn with a
    /// seeded generator (the same draw on every node).
    func participants(round r: Int) -> [HospitalNode] {
        let all = consortium.hospitals
        guard config.clientsPerRound > 0, config.clientsPerRound < all.count else { return all }
        return config.participantIndices(round: r, hospitals: all.count).map { all[$0] }
    }

    /// The master step, run by whichever node proposes while a round waits for its aggregate:
    /// fetch the updates by CID, check them, record reputation, aggregate the accepted ones,
    /// store the new model, and return the round's `SubmitUpdate`s not yet on the chain (the
    /// proposer has them from its mempool; the block must carry them before the aggregate that
    /// names them), then the signed `ReputationChange`s and `CommitAggregate`.
    public func transactions(proposer: Int, application: LedgerApplication) -> [SignedTransaction] {
        guard let (r, submissions) = open,
              application.state.aggregate(RoundKey(task: taskID, round: UInt32(r))) == nil else { return [] }
        do {
            return try aggregateTransactions(round: r, submissions: submissions, master: consortium.hospitals[proposer],
                                             state: application.state)
        } catch {
            failure = error
            return []
        }
    }

    func aggregateTransactions(round r: Int, submissions: [Submission], master: HospitalNode,
                               state: WorldState) throws -> [SignedTransaction] {
        // Updates not yet committed go into this block, ahead of the aggregate.
        let uncommitted = submissions.filter { state.update(transaction: $0.tx.hash) == nil }.map(\.tx)
        let cids = try submissions.map { s -> String in
            guard case .submitUpdate(let update) = s.tx.transaction.payload else {
                throw FederationError("submission of \(s.node.name) is not an update")
            }
            return update.updateCID
        }
        // Plaintext updates come decoded from the master's prefetch (started when each was
        // submitted), or are fetched and decoded now on all cores. Encrypted ones are summed
        // as ciphertexts, so their blobs are fetched as they are.
        let (blobs, fetched) = try consortium.timing.measure(\.store) { () throws -> ([[UInt8]], [ModelUpdate]) in
            guard homomorphic == nil else { return (try concurrentMap(cids.count) { try master.blobs.bytes(of: cids[$0]) }, []) }
            guard let verifier = consortium.verifiers[master.key.publicKey] else { return ([], try master.blobs.updates(cids)) }
            return ([], try verifier.updates(cids))
        }
        // Encrypted updates cannot be inspected: the checks then see only the norm each
        // hospital declares in its SubmitUpdate (documented limitation of the HE mode).
        let checker = updateChecker(dimension: global.parameters.count)
        let checks = homomorphic != nil ? declaredChecks(submissions.map(\.tx), checker: checker)
            : try consortium.timing.measure(\.training) { () throws -> [UpdateCheck] in
                let decoded = try concurrentMap(fetched.count) { fetched[$0].codec.decode(fetched[$0].denseValues()) }
                return RoundJudgement.checks(decoded, sampleCounts: submissions.map(\.sampleCount), global: global.parameters,
                                      config: config, checker: checker) { candidate in
                    try? master.model.loadFlatParameters(candidate)
                    return master.model.evaluate(master.validation).loss
                }
            }
        // After the master's own update, if that is in the block too.
        var nonce = (state.member(master.key.publicKey)?.nonce ?? 0)
            + UInt64(uncommitted.filter { $0.transaction.sender == master.key.publicKey }.count)
        func sign(_ payload: TransactionPayload) -> SignedTransaction {
            defer { nonce += 1 }
            return master.sign(payload, nonce: nonce, chainID: consortium.chainID)
        }
        let judgement = RoundJudgement(round: r, entries: submissions.enumerated().map { k, s in
            RoundJudgement.Entry(member: s.node.key.publicKey, name: s.node.name, check: checks[k],
                                 points: state.member(s.node.key.publicKey)?.reputation ?? 0)
        }, policy: policy, threshold: config.reputationThreshold)
        var txs = uncommitted + judgement.changes.map { sign(.reputationChange($0)) }
        let (included, reasons, reputation) = (judgement.included, judgement.reasons, judgement.reputation)
        guard !included.isEmpty else { throw FederationError("round \(r): every update was rejected") }
        var spent = try privacySpend(round: r, submissions: submissions, included: included.count, state: state)
        if master.behaviour == .understateEpsilon {
            // The attack: claim half the spend, so the budgets last twice as long.
            spent = spent.map { .init(dataset: $0.dataset, epsilon: Epsilon(micro: $0.epsilon.micro / 2)) }
        }
        // The ledger refuses an aggregate that would overspend a dataset's ε budget; the master
        // finds out first and stops the task with the ledger's own error, before it
        // aggregates and stores a model the state machine would refuse.
        try TaskPrivacyAccounting.checkBudgets(spent, state: state)
        var next: GlobalModel
        var modelMetadata: [String: String] = [:]
        if let he = homomorphic {
            (next, modelMetadata) = try encryptedAggregate(he, blobs: included.map { blobs[$0] },
                                                           weight: included.reduce(0) { $0 + submissions[$1].sampleCount },
                                                           master: master)
        } else {
            let weighted = included.map { WeightedUpdate(update: fetched[$0], sampleCount: submissions[$0].sampleCount) }
            next = try global.next(updates: weighted, config: config).0
        }
        if master.behaviour == .lyingMaster {
            // The attack: commit a model that is not the aggregate of the named updates.
            for i in stride(from: 0, to: next.parameters.count, by: 97) { next.parameters[i] += 0.05 }
        }
        let (modelCID, writeOnCommit) = try storeOrHash(next, metadata: modelMetadata, master: master)
        let commit = sign(.commitAggregate(CommitAggregate(
            task: taskID, round: UInt32(r), updates: included.map { submissions[$0].tx.hash }, modelCID: modelCID,
            metrics: NamedValues(["accepted": Double(included.count), "submitted": Double(submissions.count)])!,
            privacySpent: spent)))
        txs.append(commit)
        if !master.behaviour.isLyingMaster {
            consortium.verifiers[master.key.publicKey]?.recordOwnAggregate(commit.hash, model: next, cid: modelCID)
        }
        proposed[modelCID] = Proposed(model: next, included: included, reasons: reasons, reputation: reputation,
                                      writeOnCommit: writeOnCommit, master: master)
        return txs
    }

    /// The CID of the master's new model, and whether it is still to be written once the block
    /// that names it commits.
    ///
    /// A plaintext model is derived data: every validator recomputes it from the update blobs
    /// the hospitals have already stored. So the master proposes as soon as it knows the CID
    /// (hashed without encoding the blob), and only the committed model is encoded and
    /// written, after consensus, while the hospitals evaluate it (`runRound` waits for the
    /// write before the round ends). Consensus then does not share the cores with the write,
    /// and a proposal the validators refuse leaves no blob behind. A homomorphic model is
    /// stored first, since validators read the encrypted and decrypted sums' CIDs from its
    /// metadata.
    func storeOrHash(_ model: GlobalModel, metadata: [String: String], master: HospitalNode) throws -> (cid: String, writeOnCommit: Bool) {
        try consortium.timing.measure(\.store) {
            guard homomorphic == nil else {
                return (try master.store.put(bytes: model.blob(spec: config.modelSpec, metadata: metadata)).root.description, false)
            }
            return (try model.cid(spec: config.modelSpec, metadata: metadata), true)
        }
    }

    /// ε each dataset spends in round `r` when the aggregate sums `included` of the
    /// `submissions` (`TaskPrivacyAccounting`; validators recompute it from the chain).
    func privacySpend(round r: Int, submissions: [Submission], included: Int,
                      state: WorldState) throws -> [CommitAggregate.DatasetSpend] {
        guard config.privacy.mode != .none else { return [] }
        guard let task = state.task(taskID) else { throw FederationError("task \(taskID.hex.prefix(12))… is not on the chain") }
        let round = TaskPrivacyAccounting.Round(trained: submissions.map { ($0.node.index, $0.sampleCount) }, included: included)
        let history = try accounting.history(of: task, before: UInt32(r), state: state)
        return try accounting.datasetSpends(of: round, after: history, cids: task.spec.datasets)
    }

    /// The checks for this task (see `FederatedTaskConfig.updateChecker`).
    func updateChecker(dimension d: Int) -> UpdateChecker {
        config.updateChecker(dimension: d, participants: config.participantsPerRound(hospitals: consortium.hospitals.count))
    }

    /// Checks of encrypted updates: only the declared norms can be compared.
    func declaredChecks(_ txs: [SignedTransaction], checker: UpdateChecker) -> [UpdateCheck] {
        let norms: [Double] = txs.map { tx in
            if case .submitUpdate(let s) = tx.transaction.payload { return s.norm }
            return 0
        }
        let unit = norms.map { n -> [Float] in [Float(n)] }
        let steps = txs.map { tx -> Int in
            guard case .submitUpdate(let s) = tx.transaction.payload else { return 1 }
            return (Int(s.sampleCount) + config.batchSize - 1) / config.batchSize * config.localEpochs
        }
        return checker.check(unit, steps: steps, validationLoss: nil)
    }

    /// The encrypted round: the master multiplies the ciphertexts, the key holder decrypts the
    /// sum only, and the model follows from the integer sums exactly as in plaintext.
    func encryptedAggregate(_ he: HomomorphicAggregation, blobs: [[UInt8]], weight: Int,
                            master: HospitalNode) throws -> (GlobalModel, [String: String]) {
        let (sum, sums) = try consortium.timing.measure(\.crypto) { () throws -> (EncryptedVector, DecryptedSums) in
            let vectors = try blobs.map { try EncryptedVector(decoding: $0, publicKey: he.publicKey) }
            let sum = try he.sum(vectors)
            let numerators = try he.decryptSums(sum, totalWeight: weight, key: consortium.homomorphicKey!)
            return (sum, DecryptedSums(totalWeight: Int64(weight), numerators: numerators))
        }
        let (sumCID, sumsCID) = try consortium.timing.measure(\.store) {
            (try master.store.put(bytes: sum.encoded(keyBits: he.publicKey.bits)).root.description,
             try consortium.officeStore.put(bytes: sums.encoded()).root.description)
        }
        let next = global.applying(delta: sums.delta(codec: config.codec), config: config)
        return (next, [GlobalModel.encryptedSumKey: sumCID, GlobalModel.decryptedSumsKey: sumsCID])
    }

    /// Applies the node's behaviour, then the task's encoding.
    func encode(_ delta: [Float], node: HospitalNode, encoder: UpdateEncoder) throws -> ModelUpdate {
        switch node.behaviour {
        case .honest, .lyingMaster, .understateEpsilon:
            return try encoder.encode(delta, noise: &node.noise)
        case .signFlip:
            return try encoder.encode(delta.map { -4 * $0 }, noise: &node.noise)
        case .scale:
            // Skips clipping: quantise the boosted delta directly.
            return ModelUpdate(codec: config.codec, parameterCount: delta.count, values: config.codec.encode(delta.map { 10 * $0 }))
        case .noise:
            let norm = GaussianMechanism.norm(delta)
            var v = (0..<delta.count).map { _ in Float(node.noise.normal()) }
            let scale = Float(norm / max(GaussianMechanism.norm(v), 1e-12))
            v = v.map { $0 * scale }
            return try encoder.encode(v, noise: &node.noise)
        }
    }
}
