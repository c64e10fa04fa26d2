/// Why a transaction was refused. Each case is distinct, so callers (and tests) can tell a
/// replay from a bad signature from a missing reference, and each message says what to do.
public enum TransactionRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// Larger than the genesis `maxTransactionBytes`.
    case oversized(size: Int, limit: Int)
    /// Bytes that are not a canonical transaction.
    case malformed(String)
    /// A type tag this version does not know.
    case unknownType(UInt16)
    /// Signed for another chain.
    case wrongChain(expected: String, found: String)
    /// The signature does not verify with the sender's key.
    case badSignature(sender: PublicKey)
    /// The sender is not a member of this chain.
    case unknownSender(PublicKey)
    /// The nonce was already used: a replay.
    case replayedNonce(sender: PublicKey, expected: UInt64, found: UInt64)
    /// The nonce skips ahead: an earlier transaction from this sender is missing.
    case nonceGap(sender: PublicKey, expected: UInt64, found: UInt64)
    /// The sender lacks every role that may send this kind.
    case missingRole(sender: PublicKey, kind: TransactionKind, required: Roles, has: Roles)
    /// A referenced task, dataset, round, update or member does not exist.
    case missingReference(kind: String, id: String)
    /// The thing already exists (member, dataset, update for this round, evidence, …).
    case duplicate(kind: String, id: String)
    /// The round is not the task's open round.
    case wrongRound(task: Hash256, open: UInt32, found: UInt32)
    /// All of the task's rounds are aggregated.
    case taskFinished(task: Hash256)
    /// The task's publisher closed it (`CloseTask`).
    case taskClosed(task: Hash256, round: UInt32, reason: CloseTask.Reason)
    /// Spending would take a dataset past its ε budget.
    case privacyBudgetExceeded(dataset: String, budget: Epsilon, spent: Epsilon, requested: Epsilon)
    /// The sender may not do this to this object (e.g. update without owning a task dataset).
    case notPermitted(String)
    /// A payload field is out of range.
    case invalidField(field: String, reason: String)
    /// An injected domain validator (e.g. the federation layer's aggregate check) refused it.
    case rejectedByValidator(validator: String, reason: String)

    /// A short stable code for logs, JSON and tests.
    public var code: String {
        switch self {
        case .oversized: "oversized"
        case .malformed: "malformed"
        case .unknownType: "unknown-type"
        case .wrongChain: "wrong-chain"
        case .badSignature: "bad-signature"
        case .unknownSender: "unknown-sender"
        case .replayedNonce: "replayed-nonce"
        case .nonceGap: "nonce-gap"
        case .missingRole: "missing-role"
        case .missingReference: "missing-reference"
        case .duplicate: "duplicate"
        case .wrongRound: "wrong-round"
        case .taskFinished: "task-finished"
        case .taskClosed: "task-closed"
        case .privacyBudgetExceeded: "privacy-budget-exceeded"
        case .notPermitted: "not-permitted"
        case .invalidField: "invalid-field"
        case .rejectedByValidator: "rejected-by-validator"
        }
    }

    public var description: String {
        switch self {
        case .oversized(let size, let limit):
            "transaction is \(size) bytes, over the chain's limit of \(limit); split it or store the bulk in the content store"
        case .malformed(let why):
            "transaction bytes are not canonical: \(why)"
        case .unknownType(let tag):
            "unknown transaction type 0x\(String(tag, radix: 16)); this node is older than the sender, upgrade it"
        case .wrongChain(let expected, let found):
            "transaction is for chain \"\(found)\" but this is chain \"\(expected)\"; sign it for \"\(expected)\""
        case .badSignature(let sender):
            "signature does not verify with the sender's key \(sender.shortHex)…; sign the exact bytes with that key"
        case .unknownSender(let sender):
            "sender \(sender.shortHex)… is not a member of this chain; a validator must register it first"
        case .replayedNonce(let sender, let expected, let found):
            "nonce \(found) of \(sender.shortHex)… was already used (a replay); the next nonce is \(expected)"
        case .nonceGap(let sender, let expected, let found):
            "nonce \(found) of \(sender.shortHex)… skips ahead; the next nonce is \(expected)"
        case .missingRole(let sender, let kind, let required, let has):
            "\(kind.name) needs the role \(required.names.joined(separator: " or ")), but \(sender.shortHex)… has \(has)"
        case .missingReference(let kind, let id):
            "\(kind) \(id) does not exist on this chain"
        case .duplicate(let kind, let id):
            "\(kind) \(id) already exists"
        case .wrongRound(let task, let open, let found):
            "round \(found) of task \(task.hex.prefix(12))… is not open; the open round is \(open)"
        case .taskFinished(let task):
            "task \(task.hex.prefix(12))… has finished all its rounds"
        case .taskClosed(let task, let round, let reason):
            "task \(task.hex.prefix(12))… was closed by its publisher at round \(round) (\(reason)); it takes no more updates or aggregates"
        case .privacyBudgetExceeded(let dataset, let budget, let spent, let requested):
            "dataset \(dataset) would exceed its privacy budget: ε spent \(spent) + requested \(requested) > budget \(budget)"
        case .notPermitted(let why):
            why
        case .invalidField(let field, let reason):
            "field \(field) \(reason)"
        case .rejectedByValidator(let validator, let reason):
            "\(validator) rejected the transaction: \(reason)"
        }
    }
}
