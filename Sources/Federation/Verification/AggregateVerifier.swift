import Foundation
import Learning
import Ledger
import Paillier
import Synchronization

/// Re-computes every `CommitAggregate` from the update blobs before the ledger accepts it.
///
/// Installed as a ledger `DomainValidator` on every node: it reads the task from ledger state,
/// rebuilds the previous global model (from its cache, or by replaying the task's earlier
/// aggregates from their update blobs), aggregates the included updates with the task's rule,
/// applies the server optimiser, and compares the CID of the resulting model blob with the one
/// the transaction carries. It also works out what the round costs each dataset in ε
/// (`TaskPrivacyAccounting`) and compares that with the spend the transaction states, so a
/// master cannot understate the privacy ledger. A mismatch refuses the transaction; inside a
/// proposed block that refuses the block and becomes evidence against its proposer.
public final class AggregateVerifier: DomainValidator {
    public let name = "aggregate-recomputation"
    let blobs: any BlobSource
    /// The latest models this node recomputed or computed itself (bounded; see `RecentModels`).
    let cache = Mutex(RecentModels(capacity: 8))
    /// Transactions already re-computed successfully. The verdict is a pure function of the
    /// transaction and the committed chain before it, so a validator that checks a transaction
    /// at admission, again while proposing and again while staging the block does the work once.
    let verified = Mutex<Set<Hash256>>([])
    /// Update blobs fetched and decoded as soon as this node learns of them.
    let prefetched: PrefetchedUpdates
    /// Plaintext aggregates computed ahead of their proposal (`speculate`).
    let speculations = Mutex(SpeculativeAggregates())

    public convenience init(blobs: any BlobSource) { self.init(blobs: blobs, worker: .shared) }

    /// - Parameter worker: runs prefetches and speculative aggregates (tests pass their own).
    init(blobs: any BlobSource, worker: IdleWorker) {
        self.blobs = blobs
        prefetched = PrefetchedUpdates(worker: worker)
    }

    public func validate(_ transaction: SignedTransaction, context: DomainValidationContext) throws {
        if case .submitUpdate(let update) = transaction.transaction.payload {
            // The aggregate naming this update will need it decoded: start now.
            if !prefetched.knows(update.updateCID), let task = context.state.task(update.task),
               let config = try? FederatedTaskConfig(publishTask: task.spec), !config.privacy.homomorphic {
                prefetch(update.updateCID)
            }
            return
        }
        guard case .commitAggregate(let aggregate) = transaction.transaction.payload else { return }
        if verified.withLock({ $0.contains(transaction.hash) }) { return }
        guard let task = context.state.task(aggregate.task) else { return }  // the ledger reports it
        let config = try FederatedTaskConfig(publishTask: task.spec)
        try checkPrivacySpend(aggregate, task: task, config: config, state: context.state)
        let recomputed: GlobalModel, cid: String
        if let hit = speculated(aggregate, config: config, state: context.state) {
            (recomputed, cid) = hit
        } else {
            recomputed = try model(after: Int(aggregate.round) + 1, task: aggregate.task, config: config,
                                   state: context.state, pending: aggregate)
            cid = try recomputed.cid(spec: config.modelSpec, metadata: try encryptedMetadata(aggregate.modelCID, config))
        }
        guard cid == aggregate.modelCID else {
            throw FederationError("round \(aggregate.round) aggregate does not recompute: the update blobs give model \(cid), the transaction claims \(aggregate.modelCID)")
        }
        cache.withLock { $0.insert(recomputed, cid: cid) }
        verified.withLock { _ = $0.insert(transaction.hash) }
    }

    /// Refuses an aggregate whose stated ε spend differs from what its round costs each
    /// dataset by more than one micro-ε (room for another platform's last floating-point bit).
    func checkPrivacySpend(_ aggregate: CommitAggregate, task: TaskRecord, config: FederatedTaskConfig,
                           state: any LedgerStateReader) throws {
        let expected = try TaskPrivacyAccounting(config: config, datasets: task.spec.datasets.count)
            .expectedSpend(of: aggregate, task: task, state: state)
        let stated = Dictionary(aggregate.privacySpent.map { ($0.dataset, $0.epsilon.micro) }, uniquingKeysWith: { a, _ in a })
        let owed = Dictionary(expected.map { ($0.dataset, $0.epsilon.micro) }, uniquingKeysWith: { a, _ in a })
        let agrees = Set(stated.keys) == Set(owed.keys)
            && owed.allSatisfy { dataset, micro in stated[dataset].map { $0 >= micro ? $0 - micro <= 1 : micro - $0 <= 1 } ?? false }
        guard agrees else {
            func list(_ spends: [CommitAggregate.DatasetSpend]) -> String {
                spends.isEmpty ? "nothing" : spends.map { "\($0.dataset.prefix(12))… ε \($0.epsilon)" }.joined(separator: ", ")
            }
            throw FederationError("round \(aggregate.round) states a privacy spend of \(list(aggregate.privacySpent)), but its updates cost \(list(expected))")
        }
    }

    /// Queues the plaintext update blob `cid` for fetching and decoding at idle priority (see
    /// `PrefetchedUpdates`): a node calls it when it learns of a submitted update.
    public func prefetch(_ cid: String) { prefetched.prefetch(cid, from: blobs) }

    /// Holds the update this node encoded and stored as `cid` itself, so it is not read back.
    public func adopt(ownUpdate update: ModelUpdate, cid: String) { prefetched.insert(update, cid: cid) }

    /// The decoded update blobs `cids`, prefetched or fetched now (every blob checked against
    /// its CID); a malformed one is refused naming its CID.
    public func updates(_ cids: [String]) throws -> [ModelUpdate] { try prefetched.updates(cids, from: blobs) }

    /// Computes at idle priority the aggregate of `round` as it will be if it names `updates`
    /// in this order (see `SpeculativeAggregates`): a node calls it once it knows every update
    /// of a round, typically while the master checks them. It runs only once every update is
    /// prefetched and decoded, and on one thread, so it takes only cores nothing else wants;
    /// a round whose previous model this node does not hold, and homomorphic rounds, are skipped.
    /// - Parameters:
    ///   - spec: the task as published on the chain; its configuration is derived as the
    ///     check derives it, so both compute with the same rules.
    ///   - previousModelCID: the committed model of the round before (nil for round 0).
    public func speculate(task: Hash256, round: UInt32, spec: PublishTask, previousModelCID: String?,
                          updates: [(cid: String, sampleCount: UInt64)]) {
        guard let config = try? FederatedTaskConfig(publishTask: spec), !config.privacy.homomorphic, !updates.isEmpty else { return }
        var previous: GlobalModel? = nil
        if let previousModelCID {
            guard let held = cache.withLock({ $0.model(previousModelCID) }) else { return }
            previous = held
        }
        let inputs = SpeculativeAggregates.Inputs(task: task, round: round, previousModelCID: previousModelCID,
                                                  updateCIDs: updates.map(\.cid), sampleCounts: updates.map(\.sampleCount))
        prefetched.worker.submit { [self, previous] in
            guard let decoded = prefetched.ready(inputs.updateCIDs),
                  let start = try? previous ?? GlobalModel.initial(config) else { return }
            let weighted = zip(decoded, inputs.sampleCounts).map { WeightedUpdate(update: $0, sampleCount: Int($1)) }
            guard let next = try? start.next(updates: weighted, config: config, workers: 1).0,
                  let cid = try? next.cid(spec: config.modelSpec, workers: 1) else { return }
            speculations.withLock { $0.insert(inputs, model: next, cid: cid) }
        }
    }

    /// The aggregate computed ahead for exactly the inputs `aggregate` names, if any; its
    /// prefetched updates are then released.
    func speculated(_ aggregate: CommitAggregate, config: FederatedTaskConfig,
                    state: any LedgerStateReader) -> (model: GlobalModel, cid: String)? {
        guard !config.privacy.homomorphic, speculations.withLock({ $0.count > 0 }) else { return nil }
        var cids: [String] = [], counts: [UInt64] = []
        for hash in aggregate.updates {
            guard let update = state.update(transaction: hash) else { return nil }
            cids.append(update.updateCID)
            counts.append(update.sampleCount)
        }
        var previous: String? = nil
        if aggregate.round > 0 {
            guard let committed = state.aggregate(RoundKey(task: aggregate.task, round: aggregate.round - 1)) else { return nil }
            previous = committed.modelCID
        }
        let inputs = SpeculativeAggregates.Inputs(task: aggregate.task, round: aggregate.round, previousModelCID: previous,
                                                  updateCIDs: cids, sampleCounts: counts)
        guard let hit = speculations.withLock({ $0.take(inputs) }) else { return nil }
        prefetched.discard(cids)
        return hit
    }

    /// Records the aggregate this node computed itself, as master, from the same update blobs
    /// and with the same code (`GlobalModel.next`): staging its own proposal then does not
    /// compute it a second time. Other validators still recompute it.
    func recordOwnAggregate(_ transaction: Hash256, model: GlobalModel, cid: String) {
        cache.withLock { $0.insert(model, cid: cid) }
        verified.withLock { _ = $0.insert(transaction) }
    }

    /// The committed global model of `task` after `rounds` aggregated rounds (0 = the initial
    /// model), rebuilt from the chain and the update blobs like a validation, and cached.
    /// A node's participant trains from it. Call it where `state` may be read (the node's queue).
    public func globalModel(after rounds: Int, task: Hash256, state: any LedgerStateReader) throws -> GlobalModel {
        guard let record = state.task(task) else { throw FederationError("task \(task.hex.prefix(12))… is not on the chain") }
        return try model(after: rounds, task: task, config: try FederatedTaskConfig(publishTask: record.spec), state: state, pending: nil)
    }

    /// The global model after `rounds` aggregated rounds. `pending` is the aggregate being
    /// validated (not yet in state).
    func model(after rounds: Int, task: Hash256, config: FederatedTaskConfig, state: any LedgerStateReader,
               pending: CommitAggregate?) throws -> GlobalModel {
        if rounds == 0 { return try GlobalModel.initial(config) }
        let round = UInt32(rounds - 1)
        let record: (updates: [Hash256], modelCID: String?, claimed: String)
        if let pending, pending.round == round {
            record = (pending.updates, nil, pending.modelCID)
        } else {
            guard let committed = state.aggregate(RoundKey(task: task, round: round)) else {
                throw FederationError("round \(round) of task \(task.hex.prefix(12))… has no committed aggregate")
            }
            if let cached = cache.withLock({ $0.model(committed.modelCID) }) { return cached }
            record = (committed.updates, committed.modelCID, committed.modelCID)
        }
        let previous = try model(after: rounds - 1, task: task, config: config, state: state, pending: nil)
        if config.privacy.homomorphic {
            let next = try encryptedNext(previous, updates: record.updates, modelCID: record.claimed, config: config, state: state)
            if let cid = record.modelCID {
                guard try next.cid(spec: config.modelSpec, metadata: try encryptedMetadata(cid, config)) == cid else {
                    throw FederationError("committed round \(round) does not recompute to its model \(cid)")
                }
                cache.withLock { $0.insert(next, cid: cid) }
            }
            return next
        }
        let named = try record.updates.map { hash in
            guard let update = state.update(transaction: hash) else {
                throw FederationError("aggregate names update \(hash.hex.prefix(12))…, which is not on the chain")
            }
            return update
        }
        let updates = zip(try prefetched.updates(named.map(\.updateCID), from: blobs), named).map {
            WeightedUpdate(update: $0, sampleCount: Int($1.sampleCount))
        }
        let next = try previous.next(updates: updates, config: config).0
        if let cid = record.modelCID {  // committed plaintext round
            guard try next.cid(spec: config.modelSpec) == cid else {
                throw FederationError("committed round \(round) does not recompute to its model \(cid)")
            }
            cache.withLock { $0.insert(next, cid: cid) }
        }
        return next
    }

    // MARK: Homomorphic rounds

    /// The metadata a homomorphic model blob carries (empty for plaintext tasks): read from the
    /// claimed model blob, so the recomputed blob can be compared byte for byte.
    func encryptedMetadata(_ modelCID: String, _ config: FederatedTaskConfig) throws -> [String: String] {
        guard config.privacy.homomorphic else { return [:] }
        let (_, metadata) = try ModelFile.decode(Data(blobs.bytes(of: modelCID)), file: modelCID)
        guard let e = metadata[GlobalModel.encryptedSumKey], let d = metadata[GlobalModel.decryptedSumsKey] else {
            throw FederationError("model \(modelCID) of a homomorphic task names no encrypted and decrypted sums")
        }
        return [GlobalModel.encryptedSumKey: e, GlobalModel.decryptedSumsKey: d]
    }

    /// Re-checks a homomorphic round: the encrypted sum must be the product of the named
    /// updates' ciphertexts (recomputed here), and the model must follow from the decrypted
    /// sums. The decryption itself is the key holder's word until threshold decryption.
    func encryptedNext(_ previous: GlobalModel, updates: [Hash256], modelCID: String, config: FederatedTaskConfig,
                       state: any LedgerStateReader) throws -> GlobalModel {
        guard let keyCID = config.homomorphicKeyCID else { throw FederationError("homomorphic task without a public key") }
        let publicKey = try PaillierJWK.publicKey(from: Data(blobs.bytes(of: keyCID)))
        let metadata = try encryptedMetadata(modelCID, config)
        let he = try HomomorphicAggregation(publicKey: publicKey, codec: config.codec, weightBound: config.weightBound,
                                            parties: config.parties)
        var weight: Int64 = 0
        let vectors = try updates.map { hash -> EncryptedVector in
            guard let update = state.update(transaction: hash) else {
                throw FederationError("aggregate names update \(hash.hex.prefix(12))…, which is not on the chain")
            }
            weight += Int64(update.sampleCount)
            return try EncryptedVector(decoding: blobs.bytes(of: update.updateCID), publicKey: publicKey)
        }
        let claimedSum = try EncryptedVector(decoding: blobs.bytes(of: metadata[GlobalModel.encryptedSumKey]!), publicKey: publicKey)
        guard try he.sum(vectors) == claimedSum else {
            throw FederationError("the encrypted sum is not the product of the named updates' ciphertexts")
        }
        let sums = try DecryptedSums(decoding: blobs.bytes(of: metadata[GlobalModel.decryptedSumsKey]!))
        guard sums.totalWeight == weight, sums.numerators.count == previous.parameters.count else {
            throw FederationError("the decrypted sums do not match the round's updates")
        }
        return previous.applying(delta: sums.delta(codec: config.codec), config: config)
    }
}
