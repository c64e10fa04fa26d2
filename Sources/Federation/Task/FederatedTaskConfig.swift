import Foundation
import Ledger
import Learning
import Privacy
import Tensor

/// Everything a federated training task fixes, and its round trip through `PublishTask`.
///
/// The ledger stores the task opaquely (model spec JSON, named numbers, an aggregation string);
/// this type writes and reads that form, so every node — and every validator re-checking an
/// aggregate — derives exactly the same configuration from the chain.
public struct FederatedTaskConfig: Sendable, Equatable {
    public var name: String
    public var modelSpec: ModelSpec
    public var rounds: Int
    /// Hospitals training each round (0 = all).
    public var clientsPerRound: Int
    public var localEpochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var momentum: Float
    /// FedProx proximal coefficient μ (0 = plain local SGD).
    public var proximalMu: Float
    public var aggregation: AggregationRule
    public var serverOptimizer: ServerOptimizer
    /// Fixed-point quantisation of updates.
    public var codec: FixedPointCodec
    /// Every update is clipped to this L2 norm before quantisation; the norm check uses it too.
    public var updateClipNorm: Float
    public var privacy: FederatedPrivacy
    /// Members whose reputation points fall below this are left out of aggregation.
    public var reputationThreshold: Int64
    /// Stop early once the federated validation AUC reaches this (nil: run every round).
    public var targetAUC: Double?
    /// Seeds the initial model; the initial global model is `Sequential(spec, seed)`.
    public var seed: UInt64
    /// With homomorphic encryption: the CID of the key holder's public key (JWK), the largest
    /// sample count of one hospital and the number of hospitals (they size the packing slots).
    public var homomorphicKeyCID: String?
    public var weightBound: Int = 0
    public var parties: Int = 0

    public init(name: String = "task", modelSpec: ModelSpec, rounds: Int = 20, clientsPerRound: Int = 0,
                localEpochs: Int = 1, batchSize: Int = 32, learningRate: Float = 0.01, momentum: Float = 0.9,
                proximalMu: Float = 0, aggregation: AggregationRule = .fedAvg,
                serverOptimizer: ServerOptimizer = .fedAvgM(learningRate: 1, momentum: 0.9),
                codec: FixedPointCodec = FixedPointCodec(bits: 16, range: 0.25), updateClipNorm: Float = 4,
                privacy: FederatedPrivacy = FederatedPrivacy(), reputationThreshold: Int64 = 300,
                targetAUC: Double? = nil, seed: UInt64 = 1) {
        self.name = name
        self.modelSpec = modelSpec
        self.rounds = rounds
        self.clientsPerRound = clientsPerRound
        self.localEpochs = localEpochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
        self.proximalMu = proximalMu
        self.aggregation = aggregation
        self.serverOptimizer = serverOptimizer
        self.codec = codec
        self.updateClipNorm = updateClipNorm
        self.privacy = privacy
        self.reputationThreshold = reputationThreshold
        self.targetAUC = targetAUC
        self.seed = seed
    }

    /// Hospitals training each round when `hospitals` take part in the task.
    public func participantsPerRound(hospitals: Int) -> Int {
        clientsPerRound > 0 ? min(clientsPerRound, hospitals) : hospitals
    }

    /// The indices of the hospitals training in round `r`, in order: all, or `clientsPerRound`
    /// of them drawn with a generator seeded by the task (the same draw on every node).
    public func participantIndices(round r: Int, hospitals: Int) -> [Int] {
        guard clientsPerRound > 0, clientsPerRound < hospitals else { return Array(0..<hospitals) }
        var rng = SeededGenerator(seed: seed).derived(0xC11E_0000 &+ UInt64(r))
        return rng.permutation(hospitals).prefix(clientsPerRound).sorted()
    }

    /// How many of the task's rounds each hospital trains in.
    public func participationCounts(hospitals: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: hospitals)
        for r in 0..<rounds { for k in participantIndices(round: r, hospitals: hospitals) { counts[k] += 1 } }
        return counts
    }

    /// The task as it must be published: under client-level DP with a target ε, σ is
    /// calibrated for one step at sampling rate 1 per round a hospital trains in (the draw is
    /// seeded by the task and visible on the chain, so it is no secret and amplifies nothing),
    /// so that the hospital drawn most often reaches the target.
    public func resolvingClientNoise(hospitals: Int) throws -> FederatedTaskConfig {
        guard privacy.mode == .client, let target = privacy.targetEpsilon else { return self }
        var resolved = self
        let busiest = participationCounts(hospitals: hospitals).max() ?? rounds
        resolved.privacy.noiseMultiplier = try NoiseCalibration.noiseMultiplier(
            targetEpsilon: target, samplingRate: 1, steps: max(busiest, 1), delta: privacy.delta)
        return resolved
    }

    /// Refuses a task whose rounds could not run, or would not compute what the task claims,
    /// with `hospitals` taking part. Checked before anything trains, and by every node that
    /// reads the task from the chain.
    public func validate(hospitals: Int) throws(FederationError) {
        func fail(_ reason: String) -> FederationError { FederationError("task \(name): \(reason)") }
        guard rounds >= 1 else { throw fail("rounds must be at least 1") }
        guard localEpochs >= 1 else { throw fail("local epochs must be at least 1") }
        guard batchSize >= 1 else { throw fail("the batch size must be at least 1") }
        guard hospitals >= 1 else { throw fail("no hospital takes part") }
        guard (0...hospitals).contains(clientsPerRound) else {
            throw fail("clients per round must be in 0...\(hospitals) (0 = all), not \(clientsPerRound)")
        }
        let k = participantsPerRound(hospitals: hospitals)
        // A Paillier sum can only be a weighted sum; the robust rules need each update.
        if privacy.homomorphic && aggregation != .fedAvg {
            throw fail("homomorphic aggregation decrypts only the sample-weighted sum of the updates, so the aggregator must be fedavg (or fedprox), not \(aggregation)")
        }
        if privacy.homomorphic && privacy.partialFraction < 1 {
            throw fail("homomorphic aggregation sums dense updates; it cannot be combined with partial sharing")
        }
        // Client-level DP bounds what one hospital changes in the *sum* (its clipped update,
        // C) and calibrates the noise to that; a median, trimmed mean or Krum selection
        // has no such bound, so the accounted ε would not hold.
        if privacy.mode == .client && aggregation != .fedAvg {
            throw fail("client-level DP accounts for the noised sum of the updates, so the aggregator must be fedavg (or fedprox), not \(aggregation)")
        }
        switch aggregation {
        case .fedAvg, .median: break
        case let .trimmedMean(trim):
            guard trim >= 0, k > 2 * trim else {
                throw fail("a trimmed mean dropping \(trim) from each side needs more than \(2 * trim) updates a round; \(k) hospitals train")
            }
        case let .multiKrum(f, m):
            guard f >= 0, k >= f + 3 else { throw fail("Multi-Krum with f = \(f) needs at least \(f + 3) updates a round; \(k) hospitals train") }
            if let m, !(1...k).contains(m) { throw fail("Multi-Krum keeps 1...\(k) updates, not \(m)") }
        }
    }

    /// The transaction payload that publishes this task over `datasets` (manifest CIDs).
    public func publishTask(datasets: [String], datasetSchema: String) -> PublishTask {
        var numbers: [String: Double] = [
            "clients_per_round": Double(clientsPerRound), "local_epochs": Double(localEpochs),
            "batch_size": Double(batchSize), "lr": Double(learningRate), "momentum": Double(momentum),
            "fedprox_mu": Double(proximalMu), "codec_bits": Double(codec.bits), "codec_range": Double(codec.range),
            "update_clip_norm": Double(updateClipNorm), "reputation_threshold": Double(reputationThreshold),
            "seed": Double(seed), "dp_noise_multiplier": privacy.noiseMultiplier,
            "dp_epsilon_target": privacy.targetEpsilon ?? 0, "dp_clip": privacy.clipNorm,
            "partial_random": privacy.randomSubset ? 1 : 0,
        ]
        switch serverOptimizer {
        case let .fedAvg(lr): numbers["server_lr"] = Double(lr)
        case let .fedAvgM(lr, m): numbers["server_lr"] = Double(lr); numbers["server_momentum"] = Double(m)
        case let .fedAdam(lr, b1, b2, tau):
            numbers["server_lr"] = Double(lr); numbers["server_beta1"] = Double(b1)
            numbers["server_beta2"] = Double(b2); numbers["server_tau"] = Double(tau)
        }
        if let targetAUC { numbers["target_auc"] = targetAUC }
        numbers["he_weight_bound"] = Double(weightBound)
        numbers["he_parties"] = Double(parties)
        // The ledger asks what a round may spend: a round never spends more than the whole target.
        let perRound = privacy.mode == .none ? Epsilon.zero : (Epsilon(privacy.targetEpsilon ?? 1e6) ?? .zero)
        let policy = LedgerPrivacyPolicy(
            mode: privacy.ledgerMode, epsilonPerRound: perRound, delta: privacy.delta,
            clippingNorm: privacy.mode == .none ? Double(updateClipNorm) : privacy.clipNorm,
            homomorphicEncryption: privacy.homomorphic, partialFraction: privacy.partialFraction)
        return PublishTask(
            name: name, modelSpec: String(decoding: modelSpec.canonicalJSON(), as: UTF8.self), datasets: datasets,
            datasetSchema: datasetSchema, rounds: UInt32(rounds), hyperParameters: NamedValues(numbers)!,
            aggregation: "\(aggregation);server=\(serverOptimizer)" + (homomorphicKeyCID.map { ";he=\($0)" } ?? ""),
            privacy: policy)
    }

    /// Reads the configuration back from a published task.
    public init(publishTask p: PublishTask) throws(FederationError) {
        let spec: ModelSpec
        do { spec = try ModelSpec.decode(json: Data(p.modelSpec.utf8)) } catch {
            throw FederationError("task \(p.name): bad model spec: \(error)")
        }
        let h = p.hyperParameters
        func number(_ key: String) throws(FederationError) -> Double {
            guard let v = h[key] else { throw FederationError("task \(p.name) lacks hyper-parameter \(key)") }
            return v
        }
        let parts = p.aggregation.split(separator: ";").map(String.init)
        guard let rule = parts.first.flatMap(AggregationRule.init) else {
            throw FederationError("task \(p.name): unknown aggregation rule '\(p.aggregation)'")
        }
        let serverName = parts.dropFirst().first { $0.hasPrefix("server=") }.map { String($0.dropFirst(7)) } ?? "fedavg"
        let server: ServerOptimizer
        switch serverName {
        case "fedavg": server = .fedAvg(learningRate: Float(try number("server_lr")))
        case "fedavgm": server = .fedAvgM(learningRate: Float(try number("server_lr")), momentum: Float(try number("server_momentum")))
        case "fedadam":
            server = .fedAdam(learningRate: Float(try number("server_lr")), beta1: Float(try number("server_beta1")),
                              beta2: Float(try number("server_beta2")), tau: Float(try number("server_tau")))
        default: throw FederationError("task \(p.name): unknown server optimiser '\(serverName)'")
        }
        var privacy = FederatedPrivacy()
        privacy.mode = p.privacy.mode == .local ? .sample : p.privacy.mode == .central ? .client : .none
        privacy.delta = p.privacy.delta
        privacy.clipNorm = try number("dp_clip")
        privacy.noiseMultiplier = try number("dp_noise_multiplier")
        let target = try number("dp_epsilon_target")
        privacy.targetEpsilon = target > 0 ? target : nil
        privacy.homomorphic = p.privacy.homomorphicEncryption
        privacy.partialFraction = p.privacy.partialFraction
        privacy.randomSubset = try number("partial_random") != 0
        self.init(
            name: p.name, modelSpec: spec, rounds: Int(p.rounds), clientsPerRound: Int(try number("clients_per_round")),
            localEpochs: Int(try number("local_epochs")), batchSize: Int(try number("batch_size")),
            learningRate: Float(try number("lr")), momentum: Float(try number("momentum")),
            proximalMu: Float(try number("fedprox_mu")), aggregation: rule, serverOptimizer: server,
            codec: FixedPointCodec(bits: Int(try number("codec_bits")), range: Float(try number("codec_range"))),
            updateClipNorm: Float(try number("update_clip_norm")), privacy: privacy,
            reputationThreshold: Int64(try number("reputation_threshold")), targetAUC: h["target_auc"],
            seed: UInt64(try number("seed")))
        homomorphicKeyCID = parts.dropFirst().first { $0.hasPrefix("he=") }.map { String($0.dropFirst(3)) }
        weightBound = Int(h["he_weight_bound"] ?? 0)
        parties = Int(h["he_parties"] ?? 0)
        try validate(hospitals: p.datasets.count)
    }
}

/// The privacy settings of a task.
public struct FederatedPrivacy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable { case none, sample, client }
    /// `sample`: DP-SGD at each hospital; `client`: DP-FedAvg (each update clipped to
    /// `clipNorm`, Gaussian noise of total standard deviation σ·C added to the sum).
    public var mode: Mode = .none
    public var clipNorm: Double = 1
    public var noiseMultiplier: Double = 0
    public var targetEpsilon: Double?
    public var delta: Double = 1e-5
    /// Updates are Paillier-encrypted and only their sum is decrypted.
    public var homomorphic = false
    /// Fraction of coordinates each hospital shares per round (1 = all).
    public var partialFraction: Double = 1
    /// Share a seeded random subset instead of the top-k largest changes.
    public var randomSubset = false

    public init() {}

    var ledgerMode: LedgerPrivacyPolicy.Mode {
        switch mode {
        case .none: .none
        case .sample: .local
        case .client: .central
        }
    }
}

/// A federation failure with a message naming what went wrong.
public struct FederationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
