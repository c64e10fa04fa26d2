import DataSets
import Foundation
import Ledger
import Learning
import Tensor

/// `medchain demo`: a whole consortium in one process, through the real code paths, compared
/// with each hospital training alone and with pooling all the data.
public struct ConsortiumDemo {
    public let configuration: DemoConfiguration

    public init(configuration: DemoConfiguration) { self.configuration = configuration }

    /// Progress the demo reports while it runs.
    public enum Event {
        case partitioned([(name: String, train: Int, labels: [Int])])
        case baseline(String)
        case round(RoundRecord)
        case verified(DemoReport.Chain)
    }

    public func run(progress: @escaping (Event) -> Void = { _ in }) throws -> DemoReport {
        let c = configuration
        let started = ContinuousClock.now
        let splits = try loadDataset(path: c.dataPath, labelColumn: c.labelColumn, seed: c.seed)
        guard let test = splits.test, let validation = splits.validation else {
            throw FederationError("\(c.dataPath) needs train, validation and test splits")
        }
        let shares = try partition(splits.train, validation: validation, test: test)
        progress(.partitioned(shares.map { ($0.name, $0.train.count, $0.train.labelCounts) }))
        let spec = modelSpec(for: splits.train)
        let task = taskConfig(spec: spec)
        // Before anything trains: a task that cannot run fails here, not after the baselines.
        try task.validate(hospitals: c.hospitals)
        let training = LocalTraining(config: task)

        // Local-only: each hospital alone, threshold from its own validation data.
        var local: [(DemoReport.Score, Sequential, Double)] = []
        for (k, share) in shares.enumerated() {
            let model = try Sequential(spec: spec, seed: c.seed &+ 100 &+ UInt64(k))
            Trainer(model: model, configuration: training.configuration(epochs: c.baselineEpochs, seed: c.seed &+ UInt64(k)))
                .fit(train: share.train)
            let t = ownThreshold(model, share.validation)
            local.append((score(model, test, t), model, t))
        }
        progress(.baseline("local-only: mean AUC \(mean(local.map(\.0.auc)))"))

        // Pooled: the union of the hospitals' training data.
        let pooledTrain = concatenate(shares.map(\.train)), pooledValidation = concatenate(shares.map(\.validation))
        let pooledModel = try Sequential(spec: spec, seed: c.seed &+ 99)
        Trainer(model: pooledModel, configuration: training.configuration(epochs: c.baselineEpochs, seed: c.seed))
            .fit(train: pooledTrain)
        let centralized = score(pooledModel, test, ownThreshold(pooledModel, pooledValidation))
        progress(.baseline("pooled: AUC \(centralized.auc)"))

        // Federated: through the ledger, stores and verification.
        let directory = c.home ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("medchain-demo-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if c.home == nil { try? FileManager.default.removeItem(at: directory) } }
        let consortium = try FederatedConsortium(
            directory: directory, shares: shares.map { .init(name: $0.name, train: $0.train, validation: $0.validation) },
            spec: spec, seed: c.seed, ordering: c.ordering)
        for k in 0..<min(c.malicious, shares.count) {
            // Attackers are the last hospitals; with a single validator only hospital 1 proposes,
            // so only it can be a lying master.
            let index = c.attack.isLyingMaster && c.ordering == .single ? k : shares.count - 1 - k
            consortium.hospitals[index].behaviour = c.attack
            if c.attack.isLyingMaster, let bft = consortium.ordering as? BFTOrdering { bft.makeLyingMaster(index) }
        }
        try consortium.registerDatasets(classNames: splits.classNames, epsilonBudget: c.epsilonBudget)
        let run = try FederatedTaskRun(consortium: consortium, config: task, evaluation: test)
        try run.run { progress(.round($0)) }
        let globalModel = try Sequential(spec: spec)
        try globalModel.loadFlatParameters(run.best.parameters)
        let histograms = shares.map { share in
            FederatedThreshold.histogram(scores: globalModel.evaluate(share.validation).probabilities, labels: share.validation.labels)
        }
        let federatedThreshold = FederatedThreshold.threshold(from: histograms)
        let federated = score(globalModel, test, federatedThreshold)

        // Personalised: each hospital fine-tunes the released model and keeps it only where its
        // own validation data say it helped, with its own operating point (`Personalizer`).
        var hospitals: [DemoReport.Hospital] = []
        for (k, share) in shares.enumerated() {
            let model = try Sequential(spec: spec)
            let personalizer = Personalizer(mode: c.personalization,
                                            training: training.configuration(epochs: c.personalEpochs, seed: c.seed &+ 500 &+ UInt64(k)))
            let chosen = try personalizer.personalize(global: run.best.parameters, model: model,
                                                      train: share.train, validation: share.validation)
            let t = chosen.threshold ?? federatedThreshold
            // The same three models on the hospital's own held-out data, with the same thresholds.
            let own = share.test.map { heldOut in
                DemoReport.OwnHeldOut(labelCounts: heldOut.labelCounts,
                                      local: heldOutScore(local[k].1, heldOut, local[k].2),
                                      federated: heldOutScore(globalModel, heldOut, federatedThreshold),
                                      personalized: heldOutScore(model, heldOut, t))
            }
            hospitals.append(DemoReport.Hospital(
                name: share.name, trainSize: share.train.count, labelCounts: share.train.labelCounts,
                local: local[k].0, federated: federated, personalized: score(model, test, t), ownHeldOut: own))
        }

        let chain = try verifyChain(consortium)
        progress(.verified(chain))
        let t = consortium.timing
        let total = (ContinuousClock.now - started).seconds
        return DemoReport(
            hospitals: hospitals, centralized: centralized,
            mean: .init(local: meanScore(hospitals.map(\.local)), federated: meanScore(hospitals.map(\.federated)),
                        personalized: meanScore(hospitals.map(\.personalized))),
            meanOwnHeldOut: Self.meanOwnHeldOut(hospitals.compactMap(\.ownHeldOut)),
            rounds: run.rounds, chain: chain,
            privacy: .init(mode: c.privacy.mode.rawValue, epsilon: run.epsilonSpent, delta: c.privacy.delta,
                           noiseMultiplier: c.privacy.mode == .none ? nil
                                : c.privacy.mode == .sample ? run.sampleSigmas.max() : run.noiseMultiplier),
            timing: .init(totalSeconds: total, trainingSeconds: t.training, ledgerSeconds: t.ledger,
                          storeSeconds: t.store, cryptoSeconds: t.crypto),
            threshold: federatedThreshold,
            modelSHA256: run.global.parameters.withUnsafeBytes { Hash256.sha256([UInt8]($0)).hex },
            releasedRound: run.best.round,
            configuration: ["data": c.dataPath, "hospitals": "\(c.hospitals)", "alpha": "\(c.alpha)",
                            "rounds": "\(c.rounds)", "local_epochs": "\(c.localEpochs)",
                            "aggregation": "\(c.aggregation)", "server": "\(c.serverOptimizer)", "seed": "\(c.seed)",
                            "consensus": c.ordering.rawValue, "personalization": c.personalization.rawValue,
                            "clients_per_round": "\(c.clientsPerRound)",
                            "home": directory.path,
                            "paillier_decryption": c.privacy.homomorphic ? HomomorphicAggregation.decryptionEngine : "none"],
            stopped: run.closure.map { .init(reason: "\($0.reason)", round: Int($0.round) + 1, detail: $0.detail) })
    }

    // MARK: Protocol pieces

    /// Dirichlet(α) label skew over the train split, each hospital keeping a fraction of its
    /// share; each hospital's validation data (and, given `test`, its held-out test data) are
    /// drawn from that split with the same per-class proportions as its training share, so they
    /// share the hospital's skew. The parts of a split are disjoint and together are the split.
    public func partition(_ train: LabeledData, validation: LabeledData, test: LabeledData? = nil) throws -> [HospitalShare] {
        let c = configuration
        let full = try Partitioner.dirichletLabelSkew(labels: train.labels, classCount: train.classCount,
                                                      institutions: c.hospitals, alpha: c.alpha, seed: c.seed, minimumSize: 1)
        let kept = try Partitioner.keepingFraction(full, fraction: c.keepFraction, minimum: c.minimumShare, seed: c.seed)
        // Per class, how many of the class's training examples each hospital's full share holds.
        let totals = (0..<train.classCount).map { cls in full.map { share in share.filter { train.labels[$0] == cls }.count } }
        var validationRNG = SeededGenerator(seed: c.seed).derived(0x7A1D)
        let validationParts = Self.proportionalParts(of: validation, classTotals: totals, rng: &validationRNG)
        var testRNG = SeededGenerator(seed: c.seed).derived(0x7E57)
        let testParts = test.map { Self.proportionalParts(of: $0, classTotals: totals, rng: &testRNG) }
        return (0..<c.hospitals).map { k in
            HospitalShare(name: "hospital-\(k + 1)", train: train.subset(kept[k]), validation: validation.subset(validationParts[k]),
                          test: test.map { $0.subset(testParts![k]) })
        }
    }

    /// Splits `data` into one disjoint part per hospital: each class's examples, shuffled, are
    /// cut in proportion to `classTotals[class][hospital]` (the last hospital takes the rest).
    static func proportionalParts(of data: LabeledData, classTotals: [[Int]], rng: inout SeededGenerator) -> [[Int]] {
        let hospitals = classTotals.first?.count ?? 0
        var parts = [[Int]](repeating: [], count: hospitals)
        for (cls, totals) in classTotals.enumerated() {
            let sum = max(totals.reduce(0, +), 1)
            var pool = data.labels.indices.filter { data.labels[$0] == cls }
            rng.shuffle(&pool)
            var start = 0
            var cumulative = 0
            for k in 0..<hospitals {
                cumulative += totals[k]
                let end = k == hospitals - 1 ? pool.count : pool.count * cumulative / sum
                parts[k] += pool[start..<max(start, end)]
                start = max(start, end)
            }
        }
        return parts.map { $0.sorted() }
    }

    public func modelSpec(for train: LabeledData) -> ModelSpec {
        let shape = train.exampleShape
        return shape.count == 3 ? .referenceCNN(inputShape: shape, classCount: train.classCount)
            : .mlp(features: shape.reduce(1, *), classCount: train.classCount)
    }

    public func taskConfig(spec: ModelSpec) -> FederatedTaskConfig {
        let c = configuration
        return FederatedTaskConfig(
            name: "demo", modelSpec: spec, rounds: c.rounds, clientsPerRound: c.clientsPerRound,
            localEpochs: c.localEpochs, batchSize: c.batchSize,
            learningRate: c.learningRate, momentum: c.momentum, aggregation: c.aggregation,
            serverOptimizer: c.serverOptimizer, privacy: c.privacy, seed: c.seed)
    }

    func ownThreshold(_ model: Sequential, _ data: LabeledData) -> Double {
        guard data.count > 0, data.labelCounts.allSatisfy({ $0 > 0 }) else { return 0.5 }
        return accuracyMaximisingThreshold(scores: model.evaluate(data).probabilities, labels: data.labels)
    }

    /// A score on the common test split (both classes, so AUC is defined; 0.5 otherwise).
    func score(_ model: Sequential, _ data: LabeledData, _ threshold: Double) -> DemoReport.Score {
        let s = heldOutScore(model, data, threshold)
        return DemoReport.Score(accuracy: s.accuracy, auc: s.auc ?? 0.5)
    }

    func heldOutScore(_ model: Sequential, _ data: LabeledData, _ threshold: Double) -> DemoReport.HeldOutScore {
        let e = model.evaluate(data, threshold: threshold)
        return DemoReport.HeldOutScore(accuracy: e.accuracy, auc: e.auc)
    }

    /// Accuracy averaged over every hospital; AUC over those whose held-out data rank (both
    /// classes present), the same hospitals for all three models.
    static func meanOwnHeldOut(_ parts: [DemoReport.OwnHeldOut]) -> DemoReport.OwnHeldOutMeans? {
        guard !parts.isEmpty else { return nil }
        let ranked = parts.filter { $0.local.auc != nil && $0.federated.auc != nil && $0.personalized.auc != nil }
        func average(_ pick: (DemoReport.OwnHeldOut) -> DemoReport.HeldOutScore) -> DemoReport.HeldOutScore {
            let aucs = ranked.map { pick($0).auc! }
            return DemoReport.HeldOutScore(accuracy: parts.map { pick($0).accuracy }.reduce(0, +) / Double(parts.count),
                                           auc: aucs.isEmpty ? nil : aucs.reduce(0, +) / Double(aucs.count))
        }
        return DemoReport.OwnHeldOutMeans(local: average(\.local), federated: average(\.federated),
                                          personalized: average(\.personalized), aucHospitals: ranked.count)
    }

    func concatenate(_ parts: [LabeledData]) -> LabeledData {
        let shape = parts[0].exampleShape
        return LabeledData(features: Tensor(shape: [parts.map(\.count).reduce(0, +)] + shape,
                                            storage: parts.flatMap(\.features.storage)),
                           labels: parts.flatMap(\.labels), classCount: parts[0].classCount)
    }

    /// Bytes of the node's chain database on disk (SQLite file and write-ahead log).
    func chainBytes(_ node: HospitalNode) -> Int {
        let directory = NodeHome(node.home.path).chainDirectory(node.ledger.chainID)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasPrefix("ledger.sqlite") }.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size]) as? Int
            return total + (size ?? 0)
        }
    }

    func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    func meanScore(_ scores: [DemoReport.Score]) -> DemoReport.Score {
        DemoReport.Score(accuracy: mean(scores.map(\.accuracy)), auc: mean(scores.map(\.auc)))
    }

    /// Re-verifies hospital 2's replica from genesis with the aggregate recomputation installed
    /// (hospital 1 is the validator, so this is a node that did not produce the blocks).
    func verifyChain(_ consortium: FederatedConsortium) throws -> DemoReport.Chain {
        let node = consortium.hospitals[min(1, consortium.hospitals.count - 1)]
        var verifier = ChainVerifier(store: node.ledger.store, genesis: node.ledger.genesis)
        verifier.domainValidators = [AggregateVerifier(blobs: node.blobs)]
        let report = try verifier.verify()
        return DemoReport.Chain(height: report.height, transactions: report.transactions,
                                bytes: chainBytes(node), verified: report.ok,
                                problem: report.problem?.description)
    }
}
