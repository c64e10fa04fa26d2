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
    public var reputation: [String: Int64]

    enum CodingKeys: String, CodingKey {
        case round, master, accepted, rejected, reasons, accuracy, auc, epsilon, seconds, reputation
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
public final class FederatedTaskRun {
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
    var accountant = RDPAccountant()
    /// Sample-level DP: each hospital's noise multiplier, sampling rate, steps per round and
    /// accountant (ε is per dataset; each hospital's data sees only its own DP-SGD steps).
    var samplePrivacy: [(sigma: Double, rate: Double, stepsPerRound: Int, accountant: RDPAccountant)] = []
    var homomorphic: HomomorphicAggregation?
    var encryptors: [PaillierEncryptor] = []

    public init(consortium: FederatedConsortium, config: FederatedTaskConfig, evaluation: LabeledData) throws {
        var config = config
        if config.privacy.mode == .client, let target = config.privacy.targetEpsilon {
            // Every hospital takes part in every round: sampling rate 1, one step per round.
            config.privacy.noiseMultiplier = try NoiseCalibration.noiseMultiplier(
                targetEpsilon: target, samplingRate: 1, steps: config.rounds, delta: config.privacy.delta)
        }
        noiseMultiplier = config.privacy.noiseMultiplier
        if config.privacy.mode == .sample {
            samplePrivacy = try consortium.hospitals.map { node in
                let plan = PrivateTrainer.plan(datasetSize: node.train.count, batchSize: config.batchSize)
                let perRound = plan.stepsPerEpoch * config.localEpochs
                let sigma = try config.privacy.targetEpsilon.map {
                    try NoiseCalibration.noiseMultiplier(targetEpsilon: $0, samplingRate: plan.samplingRate,
                                                         steps: perRound * config.rounds, delta: config.privacy.delta)
                } ?? config.privacy.noiseMultiplier
                return (sigma, plan.samplingRate, perRound, RDPAccountant())
            }
        }
        if config.privacy.homomorphic {
            guard config.privacy.partialFraction >= 1 else {
                throw FederationError("homomorphic aggregation sums dense updates; it cannot be combined with partial sharing")
            }
            config.homomorphicKeyCID = try consortium.makeHomomorphicKey()
            config.weightBound = consortium.hospitals.map(\.train.count).max() ?? 1
            config.parties = consortium.hospitals.count
            let key = consortium.homomorphicKey!.publicKey
            homomorphic = try HomomorphicAggregation(publicKey: key, codec: config.codec, weightBound: config.weightBound,
                                                     parties: config.parties)
            // Each hospital builds its own fixed-base encryption tables from the public key.
            encryptors = try consortium.timing.measure(\.crypto) {
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

    /// Cumulative ε so far: per dataset under sample-level DP (the largest is reported), for
    /// every hospital's contribution under client-level DP.
    public var epsilonSpent: Double {
        if config.privacy.mode == .sample {
            return samplePrivacy.compactMap { try? $0.accountant.epsilon(delta: config.privacy.delta).epsilon }.max() ?? 0
        }
        return (try? accountant.epsilon(delta: config.privacy.delta).epsilon) ?? 0
    }

    /// Runs every round, or until the federated validation AUC reaches the task's target.
    public func run(progress: ((RoundRecord) -> Void)? = nil) throws {
        var bestAUC = -Double.infinity
        for r in 0..<config.rounds {
            let record = try runRound(r)
            rounds.append(record)
            progress?(record)
            let validation = record.validationAUC ?? 0
            if validation >= bestAUC {
                bestAUC = validation
                best = global
            }
            if let target = config.targetAUC, validation >= target { break }
        }
    }

    func runRound(_ r: Int) throws -> RoundRecord {
        let started = ContinuousClock.now
        let nodes = consortium.hospitals
        let state = consortium.ordering.state(of: 0)
        // 1. Local training and update submission.
        var submissions: [(node: HospitalNode, tx: SignedTransaction, update: ModelUpdate)] = []
        let encoder = UpdateEncoder(config: config, participants: nodes.count)
        for node in nodes {
            let delta = try consortium.timing.measure(\.training) { () throws -> [Float] in
                try node.model.loadFlatParameters(global.parameters)
                let seed = config.seed &+ UInt64(r) &* 1_000_003 &+ UInt64(node.index) &* 7919
                if config.privacy.mode == .sample {
                    // DP-SGD. The noise seed is derived from the run's seed so simulations repeat;
                    // a deployment leaves it nil (system randomness), as a known seed voids privacy.
                    let dp = DPSGDConfiguration(clippingNorm: config.privacy.clipNorm,
                                                noise: .multiplier(samplePrivacy[node.index].sigma),
                                                delta: config.privacy.delta, noiseSeed: seed ^ 0x5EED)
                    let trainer = try PrivateTrainer(model: node.model,
                                                     configuration: training.configuration(epochs: config.localEpochs, seed: seed),
                                                     privacy: dp, datasetSize: node.train.count)
                    trainer.fit(train: node.train)
                } else {
                    training.run(model: node.model, global: global.parameters, data: node.train, seed: seed)
                }
                let local = node.model.flatParameters()
                return zip(local, global.parameters).map { $0 - $1 }
            }
            let update = try encode(delta, node: node, encoder: encoder)
            var blob = [UInt8](update.encoded())
            if let he = homomorphic {
                blob = try consortium.timing.measure(\.crypto) {
                    try he.encrypt(update, weight: node.train.count, encryptor: encryptors[node.index])
                        .encoded(keyBits: he.publicKey.bits)
                }
            }
            let cid = try consortium.timing.measure(\.store) { try node.store.put(bytes: blob).root.description }
            let tx = node.sign(.submitUpdate(SubmitUpdate(
                task: taskID, round: UInt32(r), updateCID: cid, sampleCount: UInt64(node.train.count),
                norm: update.norm, metrics: NamedValues(["train_examples": Double(node.train.count)])!)))
            submissions.append((node, tx, update))
        }
        try consortium.commit(submissions.map(\.tx))

        // 2. The master fetches, checks and aggregates.
        let master = nodes[0]
        let blobs = try consortium.timing.measure(\.store) {
            try submissions.map { s -> [UInt8] in
                guard let record = master.ledger.application.state.update(transaction: s.tx.hash) else {
                    throw FederationError("update of \(s.node.name) is not on the chain")
                }
                return try master.blobs.bytes(of: record.updateCID)
            }
        }
        // Encrypted updates cannot be inspected: the checks then see only the norm each
        // hospital declares in its SubmitUpdate (documented limitation of the HE mode).
        let fetched = homomorphic == nil ? try blobs.map { try ModelUpdate(decoding: Data($0)) } : []
        let decoded = homomorphic == nil ? fetched.map { $0.codec.decode($0.denseValues()) } : []
        let checker = UpdateChecker(normBound: Double(config.updateClipNorm) * 1.02 + 1e-3)
        let checks = homomorphic != nil ? declaredChecks(submissions.map(\.tx), checker: checker) : try consortium.timing.measure(\.training) { () throws -> [UpdateCheck] in
            let baseline = master.model
            let steps = submissions.map { ($0.node.train.count + config.batchSize - 1) / config.batchSize * config.localEpochs }
            return checker.check(decoded, steps: steps) { k in
                let candidate = zip(self.global.parameters, decoded[k]).map { $0 + $1 }
                try? baseline.loadFlatParameters(candidate)
                return baseline.evaluate(master.validation).loss
            }
        }
        var reputationTxs: [SignedTransaction] = []
        var included: [Int] = []
        var reasons: [String: String] = [:]
        var reputation: [String: Int64] = [:]
        for (k, s) in submissions.enumerated() {
            let points = state.member(s.node.key.publicKey)?.reputation ?? 0
            let change = policy.change(from: points, passed: checks[k].passed)
            reputation[s.node.name] = points + change
            if change != 0 {
                reputationTxs.append(master.sign(.reputationChange(ReputationChange(
                    member: s.node.key.publicKey, delta: change,
                    reason: checks[k].passed ? "round \(r): update passed checks" : "round \(r): \(checks[k].reason)"))))
            }
            if checks[k].passed && points + change >= config.reputationThreshold {
                included.append(k)
            } else {
                reasons[s.node.name] = checks[k].passed ? "reputation \(points + change) below \(config.reputationThreshold)" : checks[k].reason
            }
        }
        guard !included.isEmpty else { throw FederationError("round \(r): every update was rejected") }
        var next: GlobalModel
        var modelMetadata: [String: String] = [:]
        if let he = homomorphic {
            (next, modelMetadata) = try encryptedAggregate(he, blobs: included.map { blobs[$0] },
                                                           weight: included.reduce(0) { $0 + submissions[$1].node.train.count },
                                                           master: master)
        } else {
            let weighted = included.map { WeightedUpdate(update: fetched[$0], sampleCount: submissions[$0].node.train.count) }
            next = try global.next(updates: weighted, config: config).0
        }
        if master.behaviour == .lyingMaster {
            // The attack: commit a model that is not the aggregate of the named updates.
            for i in stride(from: 0, to: next.parameters.count, by: 97) { next.parameters[i] += 0.05 }
        }
        let modelCID = try consortium.timing.measure(\.store) {
            try master.store.put(bytes: next.blob(spec: config.modelSpec, metadata: modelMetadata)).root.description
        }
        var spent: [CommitAggregate.DatasetSpend] = []
        if config.privacy.mode == .sample {
            for k in samplePrivacy.indices {
                let before = (try? samplePrivacy[k].accountant.epsilon(delta: config.privacy.delta).epsilon) ?? 0
                try samplePrivacy[k].accountant.compose(samplingRate: samplePrivacy[k].rate,
                                                        noiseMultiplier: samplePrivacy[k].sigma,
                                                        steps: samplePrivacy[k].stepsPerRound)
                let after = try samplePrivacy[k].accountant.epsilon(delta: config.privacy.delta).epsilon
                if let e = Epsilon(max(0, after - before)) { spent.append(.init(dataset: nodes[k].datasetCID, epsilon: e)) }
            }
        }
        if config.privacy.mode == .client {
            let before = epsilonSpent
            try accountant.compose(samplingRate: 1, noiseMultiplier: noiseMultiplier, steps: 1)
            let increment = max(0, epsilonSpent - before)
            if let e = Epsilon(increment) { spent = nodes.map { .init(dataset: $0.datasetCID, epsilon: e) } }
        }
        let aggregateTx = master.sign(.commitAggregate(CommitAggregate(
            task: taskID, round: UInt32(r), updates: included.map { submissions[$0].tx.hash }, modelCID: modelCID,
            metrics: NamedValues(["accepted": Double(included.count), "submitted": Double(submissions.count)])!,
            privacySpent: spent)))
        let (_, proposer) = try consortium.commit(reputationTxs + [aggregateTx])
        global = next

        // 3. Each hospital scores the new model on its own validation data and shares only a
        //    histogram; the observer also scores it on the common evaluation split.
        let (evaluated, validationAUC) = try consortium.timing.measure(\.training) { () throws -> (Evaluation, Double?) in
            var histograms: [(positives: [Int], negatives: [Int])] = []
            for node in nodes where node.validation.count > 0 {
                try node.model.loadFlatParameters(global.parameters)
                histograms.append(FederatedThreshold.histogram(scores: node.model.evaluate(node.validation).probabilities,
                                                              labels: node.validation.labels))
            }
            try master.model.loadFlatParameters(global.parameters)
            return (master.model.evaluate(evaluation), FederatedThreshold.auc(from: histograms))
        }
        return RoundRecord(
            round: r + 1, master: nodes[proposer].name, accepted: included.map { submissions[$0].node.name },
            rejected: submissions.indices.filter { !included.contains($0) }.map { submissions[$0].node.name },
            reasons: reasons, accuracy: evaluated.accuracy, auc: evaluated.auc ?? 0, validationAUC: validationAUC,
            epsilon: epsilonSpent,
            seconds: (ContinuousClock.now - started).seconds, reputation: reputation)
    }

    /// Checks of encrypted updates: only the declared norms can be compared.
    func declaredChecks(_ txs: [SignedTransaction], checker: UpdateChecker) -> [UpdateCheck] {
        let norms: [Double] = txs.map { tx in
            if case .submitUpdate(let s) = tx.transaction.payload { return s.norm }
            return 0
        }
        let unit = norms.map { n -> [Float] in [Float(n)] }
        let steps = consortium.hospitals.map { ($0.train.count + config.batchSize - 1) / config.batchSize * config.localEpochs }
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
        case .honest, .lyingMaster:
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
