/// Ends a task before its last round, sent by the task's publisher.
///
/// A task that stops early, because its stop rule was met, because a dataset's ε budget cannot
/// pay for another round, or because its publisher cancels it, would otherwise look on the chain
/// exactly like a task whose nodes crashed: an open round that never gets an aggregate. Once
/// this is committed, the task's record says when and why it ended, and the state machine
/// refuses any further update or aggregate for it.
public struct CloseTask: Hashable, Sendable, Codable {
    public enum Reason: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        /// The stop rule was met (the federated validation AUC reached the task's target).
        case targetReached = 1
        /// The next round would take a dataset past its ε budget.
        case budgetExhausted = 2
        /// The publisher withdrew the task.
        case cancelled = 3

        /// The name in JSON and on the command line.
        public var description: String {
            switch self {
            case .targetReached: "target-reached"
            case .budgetExhausted: "budget-exhausted"
            case .cancelled: "cancelled"
            }
        }
    }

    public var task: Hash256
    /// The task's open round when it closes: every earlier round is committed, this one never
    /// will be. Stating it makes a late or replayed closure fail instead of ending a later round.
    public var round: UInt32
    public var reason: Reason
    /// Free text for auditors, e.g. the AUC reached or the ledger's budget refusal.
    public var detail: String

    public init(task: Hash256, round: UInt32, reason: Reason, detail: String) {
        self.task = task
        self.round = round
        self.reason = reason
        self.detail = detail
    }

    func validateFields() throws(TransactionRejection) {
        try FieldRules.text(detail, "detail", max: 1024)
    }
}

extension CloseTask.Reason: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let reason = Self.allCases.first(where: { $0.description == name }) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "reason must be one of \(Self.allCases.map(\.description)), got \"\(name)\"")
        }
        self = reason
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension CloseTask: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(task); writer.write(round); writer.write(reason); writer.write(detail)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        task = try Hash256(from: &reader)
        round = try reader.readUInt32("round")
        reason = try Reason(from: &reader)
        detail = try reader.readString("detail")
    }
}

/// One byte, the raw value; shared by the transaction and the task row that keeps it.
extension CloseTask.Reason: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) { writer.write(rawValue) }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        let raw = try reader.readUInt8("close reason")
        guard let reason = Self(rawValue: raw) else { throw reader.fail("unknown close reason \(raw)") }
        self = reason
    }
}
