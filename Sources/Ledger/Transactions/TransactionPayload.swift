/// The typed body of a transaction.
public enum TransactionPayload: Hashable, Sendable {
    case registerMember(RegisterMember)
    case registerDataset(RegisterDataset)
    case publishTask(PublishTask)
    case submitUpdate(SubmitUpdate)
    case commitAggregate(CommitAggregate)
    case reputationChange(ReputationChange)
    case evidence(Evidence)
    case closeTask(CloseTask)

    public var kind: TransactionKind {
        switch self {
        case .registerMember: .registerMember
        case .registerDataset: .registerDataset
        case .publishTask: .publishTask
        case .submitUpdate: .submitUpdate
        case .commitAggregate: .commitAggregate
        case .reputationChange: .reputationChange
        case .evidence: .evidence
        case .closeTask: .closeTask
        }
    }

    func encode(to writer: inout CanonicalWriter) {
        switch self {
        case .registerMember(let p): p.encode(to: &writer)
        case .registerDataset(let p): p.encode(to: &writer)
        case .publishTask(let p): p.encode(to: &writer)
        case .submitUpdate(let p): p.encode(to: &writer)
        case .commitAggregate(let p): p.encode(to: &writer)
        case .reputationChange(let p): p.encode(to: &writer)
        case .evidence(let p): p.encode(to: &writer)
        case .closeTask(let p): p.encode(to: &writer)
        }
    }

    static func decode(kind: TransactionKind, bytes: [UInt8]) throws(EncodingError) -> TransactionPayload {
        let context = "\(kind.name) payload"
        switch kind {
        case .registerMember: return .registerMember(try RegisterMember(canonicalBytes: bytes, context: context))
        case .registerDataset: return .registerDataset(try RegisterDataset(canonicalBytes: bytes, context: context))
        case .publishTask: return .publishTask(try PublishTask(canonicalBytes: bytes, context: context))
        case .submitUpdate: return .submitUpdate(try SubmitUpdate(canonicalBytes: bytes, context: context))
        case .commitAggregate: return .commitAggregate(try CommitAggregate(canonicalBytes: bytes, context: context))
        case .reputationChange: return .reputationChange(try ReputationChange(canonicalBytes: bytes, context: context))
        case .evidence: return .evidence(try Evidence(canonicalBytes: bytes, context: context))
        case .closeTask: return .closeTask(try CloseTask(canonicalBytes: bytes, context: context))
        }
    }

    /// Field checks that need no state (lengths, ranges, finiteness).
    func validateFields() throws(TransactionRejection) {
        switch self {
        case .registerMember(let p): try p.validateFields()
        case .registerDataset(let p): try p.validateFields()
        case .publishTask(let p): try p.validateFields()
        case .submitUpdate(let p): try p.validateFields()
        case .commitAggregate(let p): try p.validateFields()
        case .reputationChange(let p): try p.validateFields()
        case .evidence(let p): try p.validateFields()
        case .closeTask(let p): try p.validateFields()
        }
    }
}

extension TransactionPayload: Codable {
    enum CodingKeys: String, CodingKey { case type, payload }

    /// JSON form: `{"type": "SubmitUpdate", "payload": {…}}`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .type)
        guard let kind = TransactionKind(name: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: "unknown transaction type \"\(name)\"; known: \(TransactionKind.allCases.map(\.name).joined(separator: ", "))")
        }
        switch kind {
        case .registerMember: self = .registerMember(try c.decode(RegisterMember.self, forKey: .payload))
        case .registerDataset: self = .registerDataset(try c.decode(RegisterDataset.self, forKey: .payload))
        case .publishTask: self = .publishTask(try c.decode(PublishTask.self, forKey: .payload))
        case .submitUpdate: self = .submitUpdate(try c.decode(SubmitUpdate.self, forKey: .payload))
        case .commitAggregate: self = .commitAggregate(try c.decode(CommitAggregate.self, forKey: .payload))
        case .reputationChange: self = .reputationChange(try c.decode(ReputationChange.self, forKey: .payload))
        case .evidence: self = .evidence(try c.decode(Evidence.self, forKey: .payload))
        case .closeTask: self = .closeTask(try c.decode(CloseTask.self, forKey: .payload))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.name, forKey: .type)
        switch self {
        case .registerMember(let p): try c.encode(p, forKey: .payload)
        case .registerDataset(let p): try c.encode(p, forKey: .payload)
        case .publishTask(let p): try c.encode(p, forKey: .payload)
        case .submitUpdate(let p): try c.encode(p, forKey: .payload)
        case .commitAggregate(let p): try c.encode(p, forKey: .payload)
        case .reputationChange(let p): try c.encode(p, forKey: .payload)
        case .evidence(let p): try c.encode(p, forKey: .payload)
        case .closeTask(let p): try c.encode(p, forKey: .payload)
        }
    }
}
