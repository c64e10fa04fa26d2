/// A check a higher layer adds to the ledger's own rules, without the ledger importing it.
///
/// The federation layer installs one that recomputes a `CommitAggregate`'s aggregate from
/// the update blobs and refuses a wrong model CID. The application calls every installed
/// validator for every transaction, in `check` and while applying blocks, after the ledger's
/// own rules passed and before anything is written. A refusal rejects the transaction with
/// `TransactionRejection.rejectedByValidator`; inside a proposed block it rejects the block,
/// and `BlockRejection.evidence()` turns that into `Evidence` against the proposer.
///
/// Validators must be deterministic: every validator node must reach the same verdict.
public protocol DomainValidator: Sendable {
    /// Names the validator in rejection messages.
    var name: String { get }

    /// Throws (any error; its description becomes the reason) to refuse `transaction`.
    func validate(_ transaction: SignedTransaction, context: DomainValidationContext) throws
}

/// What a domain validator may look at.
public struct DomainValidationContext {
    public let chainID: String
    /// The height of the block the transaction is (or would be) in.
    public let height: UInt64
    /// The block's timestamp (the proposer's clock), never the local wall clock.
    public let timestamp: UInt64
    public let proposer: PublicKey
    /// The state including the block's earlier transactions.
    public let state: any LedgerStateReader
}
