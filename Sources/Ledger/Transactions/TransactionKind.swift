/// The versioned type tag of a transaction: high byte the kind, low byte the payload version.
///
/// A new transaction type gets a new kind; a changed payload layout gets a new version of its
/// kind (e.g. `0x0402` for a second `SubmitUpdate` layout). Old tags keep decoding forever,
/// so blocks written by earlier versions replay unchanged.
public enum TransactionKind: UInt16, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case registerMember = 0x0101
    case registerDataset = 0x0201
    case publishTask = 0x0301
    case submitUpdate = 0x0401
    case commitAggregate = 0x0501
    case reputationChange = 0x0601
    case evidence = 0x0701
    case closeTask = 0x0801

    /// The name used in JSON files and on the command line (`--type SubmitUpdate`).
    public var name: String {
        switch self {
        case .registerMember: "RegisterMember"
        case .registerDataset: "RegisterDataset"
        case .publishTask: "PublishTask"
        case .submitUpdate: "SubmitUpdate"
        case .commitAggregate: "CommitAggregate"
        case .reputationChange: "ReputationChange"
        case .evidence: "Evidence"
        case .closeTask: "CloseTask"
        }
    }

    public var description: String { name }

    /// Accepts the name in any case, with or without the version suffix ("submitupdate").
    public init?(name: String) {
        guard let kind = TransactionKind.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            return nil
        }
        self = kind
    }

    /// The roles any one of which allows sending this kind.
    public var allowedRoles: Roles {
        switch self {
        case .registerMember: .validator
        case .registerDataset: .trainer
        case .publishTask: .taskPublisher
        case .submitUpdate: .trainer
        case .commitAggregate: .validator
        case .reputationChange: .validator
        case .evidence: [.validator, .auditor]
        case .closeTask: .taskPublisher
        }
    }
}
