/// The rows of the world state. Every row has a canonical key and value; the state root
/// commits to all of them (see `StateTree`). Each row carries `updatedAt`, the height of the
/// block that last wrote it, which also tells `chain verify` where a tampered row came from.
public protocol StateRecord: Hashable, Sendable {
    /// The row's table; its tag is the first byte of the key.
    static var table: StateTable { get }
    /// Height of the block that last wrote this row (0 for genesis rows).
    var updatedAt: UInt64 { get }
    /// The primary key fields (after the table tag).
    func encodeKey(to writer: inout CanonicalWriter)
    /// The other fields, `updatedAt` first.
    func encodeValue(to writer: inout CanonicalWriter)
}

/// The world-state tables and their key tags.
public enum StateTable: UInt8, CaseIterable, Sendable {
    case members = 1, datasets, tasks, rounds, updates, aggregates, privacySpending, evidence

    public var name: String {
        switch self {
        case .members: "members"
        case .datasets: "datasets"
        case .tasks: "tasks"
        case .rounds: "rounds"
        case .updates: "updates"
        case .aggregates: "aggregates"
        case .privacySpending: "privacy_spending"
        case .evidence: "evidence"
        }
    }
}

extension StateRecord {
    /// `tag ‖ key fields`.
    public var keyBytes: [UInt8] {
        var writer = CanonicalWriter(capacity: 80)
        writer.write(Self.table.rawValue)
        encodeKey(to: &writer)
        return writer.bytes
    }

    public var valueBytes: [UInt8] {
        var writer = CanonicalWriter(capacity: 160)
        encodeValue(to: &writer)
        return writer.bytes
    }
}

/// A member institution: identity, roles, reputation, and the next nonce it must use.
public struct MemberRecord: StateRecord {
    public static let table = StateTable.members
    public var key: PublicKey
    public var name: String
    public var roles: Roles
    public var reputation: Int64
    /// The nonce of this member's next transaction.
    public var nonce: UInt64
    public var joinedAt: UInt64
    public var updatedAt: UInt64

    public func encodeKey(to writer: inout CanonicalWriter) { writer.write(key) }
    public func encodeValue(to writer: inout CanonicalWriter) {
        writer.write(updatedAt); writer.write(name); writer.write(roles); writer.write(reputation)
        writer.write(nonce); writer.write(joinedAt)
    }
}

/// A registered dataset and how much of its ε budget has been spent.
public struct DatasetRecord: StateRecord {
    public static let table = StateTable.datasets
    public var cid: String
    public var owner: PublicKey
    public var schema: String
    public var recordCount: UInt64
    public var labelCounts: [UInt64]
    public var epsilonBudget: Epsilon
    public var epsilonSpent: Epsilon
    public var registeredAt: UInt64
    public var updatedAt: UInt64

    public var epsilonRemaining: Epsilon { Epsilon(micro: epsilonBudget.micro - min(epsilonSpent.micro, epsilonBudget.micro)) }

    public func encodeKey(to writer: inout CanonicalWriter) { writer.write(cid) }
    public func encodeValue(to writer: inout CanonicalWriter) {
        writer.write(updatedAt); writer.write(owner); writer.write(schema); writer.write(recordCount)
        writer.write(labelCounts); writer.write(epsilonBudget); writer.write(epsilonSpent); writer.write(registeredAt)
    }
}

/// A published training task and its progress.
public struct TaskRecord: StateRecord {
    public static let table = StateTable.tasks
    /// The hash of the `PublishTask` transaction.
    public var id: Hash256
    public var publisher: PublicKey
    public let spec: PublishTask
    /// The round accepting updates; equals `spec.rounds` once finished.
    public var openRound: UInt32
    public var publishedAt: UInt64
    public var updatedAt: UInt64

    /// Set once a `CloseTask` ended the task early.
    public var closure: TaskClosure?

    public var isFinished: Bool { openRound >= spec.rounds }
    /// Still taking updates: neither finished nor closed.
    public var isOpen: Bool { !isFinished && closure == nil }

    /// `spec.datasets` as a set, for O(1) membership tests (derived, not stored).
    public let datasetSet: Set<String>

    public init(id: Hash256, publisher: PublicKey, spec: PublishTask, openRound: UInt32, publishedAt: UInt64, updatedAt: UInt64,
                closure: TaskClosure? = nil) {
        self.id = id
        self.publisher = publisher
        self.spec = spec
        self.openRound = openRound
        self.publishedAt = publishedAt
        self.updatedAt = updatedAt
        self.closure = closure
        self.datasetSet = Set(spec.datasets)
    }

    public func encodeKey(to writer: inout CanonicalWriter) { writer.write(id) }
    public func encodeValue(to writer: inout CanonicalWriter) {
        writer.write(updatedAt); writer.write(publisher); writer.write(spec); writer.write(openRound); writer.write(publishedAt)
        // Appended only when present, so an open task's row, and the state root of every chain
        // written before `CloseTask` existed, are unchanged.
        if let closure { writer.write(closure) }
    }
}

/// How and when a task was closed early (`CloseTask`). The round it closed at is the task's
/// `openRound`, which a closed task never advances.
public struct TaskClosure: Hashable, Sendable {
    public var reason: CloseTask.Reason
    public var detail: String
    /// The `CloseTask` transaction and the height of its block.
    public var txHash: Hash256
    public var height: UInt64

    public init(reason: CloseTask.Reason, detail: String, txHash: Hash256, height: UInt64) {
        self.reason = reason
        self.detail = detail
        self.txHash = txHash
        self.height = height
    }
}

extension TaskClosure: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(reason); writer.write(detail); writer.write(txHash); writer.write(height)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        reason = try CloseTask.Reason(from: &reader)
        detail = try reader.readString("detail")
        txHash = try Hash256(from: &reader)
        height = try reader.readUInt64("height")
    }
}

/// Identifies one round of one task.
public struct RoundKey: Hashable, Sendable {
    public var task: Hash256
    public var round: UInt32
    public init(task: Hash256, round: UInt32) { self.task = task; self.round = round }
}

/// One round of a task: how many updates arrived and whether it is aggregated.
public struct RoundRecord: StateRecord {
    public static let table = StateTable.rounds
    public var key: RoundKey
    public var updateCount: UInt32
    public var aggregated: Bool
    public var openedAt: UInt64
    public var updatedAt: UInt64

    public func encodeKey(to writer: inout CanonicalWriter) { writer.write(key.task); writer.write(key.round) }
    public func encodeValue(to writer: inout CanonicalWriter) {
        writer.write(updatedAt); writer.write(updateCount); writer.write(aggregated); writer.write(openedAt)
    }
}

/// Identifies one member's update for one round.
public struct UpdateKey: Hashable, Sendable {
    public var task: Hash256
    public var round: UInt32
    public var member: PublicKey
    public init(task: Hash256, round: UInt32, member: PublicKey) { self.task = task; self.round = round; self.member = member }
}

/// A submitted model update (at most one per member per round).
public struct UpdateRecord: StateRecord {
    public static let table = StateTable.updates
    public var key: UpdateKey
    public var txHash: Hash256
    public var updateCID: String
    public var sampleCount: UInt64
    public var norm: Double
    public var metrics: NamedValues
    public var updatedAt: UInt64

    public func encodeKey(to writer: inout CanonicalWriter) {
        writer.write(key.task); writer.write(key.round); writer.write(key.member)
    }
    public func encodeValue(to writer: inout CanonicalWriter) {
        writer.write(updatedAt); writer.write(txHash); writer.write(updateCID); writer.write(sampleCount)
        writer.write(norm); writer.write(metrics)
    }
}

/// A round's committed aggregate.
public struct AggregateRecord: StateRecord {
    public static let table = StateTable.aggregates
    public var key: RoundKey
    public var aggregator: PublicKey
    public var txHash: Hash256
    public var updates: [Hash256]
    public var modelCID: String
    public var metrics: NamedValues
    public var updatedAt: UInt64

    public func encodeKey(to writer: inout CanonicalWriter) { writer.write(key.task); writer.write(key.round) }
    public func encodeValue(to writer: inout CanonicalWriter) {
        writer.write(updatedAt); writer.write(aggregator); writer.write(txHash); writer.write(updates)
        writer.write(modelCID); writer.write(metrics)
    }
}

/// Identifies the ε one round of one task spent on one dataset.
public struct SpendKey: Hashable, Sendable {
    public var dataset: String
    public var task: Hash256
    public var round: UInt32
    public init(dataset: String, task: Hash256, round: UInt32) { self.dataset = dataset; self.task = task; self.round = round }
}

/// ε spent on a dataset by one round of one task.
public struct PrivacySpendRecord: StateRecord {
    public static let table = StateTable.privacySpending
    public var key: SpendKey
    public var epsilon: Epsilon
    public var updatedAt: UInt64

    public func encodeKey(to writer: inout CanonicalWriter) {
        writer.write(key.dataset); writer.write(key.task); writer.write(key.round)
    }
    public func encodeValue(to writer: inout CanonicalWriter) { writer.write(updatedAt); writer.write(epsilon) }
}

/// Committed evidence of misbehaviour.
public struct EvidenceRecord: StateRecord {
    public static let table = StateTable.evidence
    /// `Evidence.id`: the hash of the evidence payload.
    public var id: Hash256
    public var reporter: PublicKey
    public var evidence: Evidence
    public var txHash: Hash256
    public var updatedAt: UInt64

    public func encodeKey(to writer: inout CanonicalWriter) { writer.write(id) }
    public func encodeValue(to writer: inout CanonicalWriter) {
        writer.write(updatedAt); writer.write(reporter); writer.write(evidence); writer.write(txHash)
    }
}

extension DatasetRecord {
    /// The dataset's ε after spending `epsilon` more; throws `privacyBudgetExceeded` when that
    /// would pass its budget. The one budget rule: the state machine applies it to every
    /// `CommitAggregate`, and a master applies it before proposing.
    public func spending(_ epsilon: Epsilon) throws(TransactionRejection) -> Epsilon {
        guard let total = epsilonSpent.adding(epsilon), total <= epsilonBudget else {
            throw .privacyBudgetExceeded(dataset: cid, budget: epsilonBudget, spent: epsilonSpent, requested: epsilon)
        }
        return total
    }
}
