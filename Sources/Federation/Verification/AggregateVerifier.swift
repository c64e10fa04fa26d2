import Foundation
import Ledger
import Synchronization

/// Re-computes every `CommitAggregate` from the update blobs before the ledger accepts it.
///
/// Installed as a ledger `DomainValidator` on every node: it reads the task from ledger state,
/// rebuilds the previous global model (from its cache, or by replaying the task's earlier
/// aggregates from their update blobs), aggregates the included updates with the task's rule,
/// applies the server optimiser, and compares the CID of the resulting model blob with the one
/// the transaction carries. A mismatch refuses the transaction; inside a proposed block that
/// refuses the block and becomes evidence against its proposer.
public final class AggregateVerifier: DomainValidator {
    public let name = "aggregate-recomputation"
    let blobs: any BlobSource
    /// Homomorphic aggregates carry their decrypted sums in a separate blob; see `EncryptedRound`.
    let cache = Mutex<[String: GlobalModel]>([:])
    /// Transactions already re-computed successfully. The verdict is a pure function of the
    /// transaction and the committed chain before it, so a validator that checks a transaction
    /// at admission, again while proposing and again while staging the block does the work once.
    let verified = Mutex<Set<Hash256>>([])

    public init(blobs: any BlobSource) { self.blobs = blobs }

    public func validate(_ transaction: SignedTransaction, context: DomainValidationContext) throws {
        guard case .commitAggregate(let aggregate) = transaction.transaction.payload else { return }
        if verified.withLock({ $0.contains(transaction.hash) }) { return }
        guard let task = context.state.task(aggregate.task) else { return }  // the ledger reports it
        let config = try FederatedTaskConfig(publishTask: task.spec)
        let recomputed = try model(after: Int(aggregate.round) + 1, task: aggregate.task, config: config,
                                   state: context.state, pending: aggregate)
        let cid = try recomputed.cid(spec: config.modelSpec)
        guard cid == aggregate.modelCID else {
            throw FederationError("round \(aggregate.round) aggregate does not recompute: the update blobs give model \(cid), the transaction claims \(aggregate.modelCID)")
        }
        cache.withLock { $0[cid] = recomputed }
        verified.withLock { _ = $0.insert(transaction.hash) }
    }

    /// The global model after `rounds` aggregated rounds. `pending` is the aggregate being
    /// validated (not yet in state).
    func model(after rounds: Int, task: Hash256, config: FederatedTaskConfig, state: any LedgerStateReader,
               pending: CommitAggregate?) throws -> GlobalModel {
        if rounds == 0 { return try GlobalModel.initial(config) }
        let round = UInt32(rounds - 1)
        let record: (updates: [Hash256], modelCID: String?)
        if let pending, pending.round == round {
            record = (pending.updates, nil)
        } else {
            guard let committed = state.aggregate(RoundKey(task: task, round: round)) else {
                throw FederationError("round \(round) of task \(task.hex.prefix(12))… has no committed aggregate")
            }
            if let cached = cache.withLock({ $0[committed.modelCID] }) { return cached }
            record = (committed.updates, committed.modelCID)
        }
        let previous = try model(after: rounds - 1, task: task, config: config, state: state, pending: nil)
        let updates = try record.updates.map { hash -> WeightedUpdate in
            guard let update = state.update(transaction: hash) else {
                throw FederationError("aggregate names update \(hash.hex.prefix(12))…, which is not on the chain")
            }
            let blob = try blobs.bytes(of: update.updateCID)
            let decoded: ModelUpdate
            do { decoded = try ModelUpdate(decoding: Data(blob)) } catch {
                throw FederationError("update \(update.updateCID): \(error)")
            }
            return WeightedUpdate(update: decoded, sampleCount: Int(update.sampleCount))
        }
        let next = try previous.next(updates: updates, config: config).0
        if let cid = record.modelCID {
            guard try next.cid(spec: config.modelSpec) == cid else {
                throw FederationError("committed round \(round) does not recompute to its model \(cid)")
            }
            cache.withLock { $0[cid] = next }
        }
        return next
    }
}
