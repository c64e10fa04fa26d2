/// Why a proposed (or stored) block is invalid, with what is needed to accuse its proposer.
public struct BlockRejection: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        case wrongChain(expected: String, found: String)
        case wrongHeight(expected: UInt64, found: UInt64)
        case wrongPrevious(expected: Hash256, found: Hash256)
        case timestampNotIncreasing(previous: UInt64, found: UInt64)
        case proposerNotValidator(PublicKey)
        case proposerBlacklisted(PublicKey)
        case optionsMismatch
        case validatorsHashMismatch
        case blacklistTooLong(count: Int, limit: Int)
        case tooManyTransactions(count: Int, limit: Int)
        case tooLarge(bytes: Int, limit: Int)
        case txCountMismatch(header: UInt32, actual: Int)
        case txRootMismatch(header: Hash256, computed: Hash256)
        case typeCountsMismatch
        case transactionRejected(index: Int, hash: Hash256?, TransactionRejection)
        case stateRootMismatch(header: Hash256, computed: Hash256)
        case certificate(CertificateError)
    }

    public var height: UInt64
    public var blockID: Hash256
    public var proposer: PublicKey
    public var reason: Reason

    public var description: String {
        let what: String
        switch reason {
        case .wrongChain(let expected, let found): what = "block is for chain \"\(found)\", expected \"\(expected)\""
        case .wrongHeight(let expected, let found): what = "block height \(found), expected \(expected)"
        case .wrongPrevious(let expected, let found):
            what = "hash link broken: previous ID \(found.hex.prefix(16))… but the block before has ID \(expected.hex.prefix(16))…"
        case .timestampNotIncreasing(let previous, let found): what = "timestamp \(found) is not after the previous block's \(previous)"
        case .proposerNotValidator(let key): what = "proposer \(key.shortHex)… is not a validator"
        case .proposerBlacklisted(let key): what = "proposer \(key.shortHex)… is blacklisted"
        case .optionsMismatch: what = "header options differ from the chain's genesis options"
        case .validatorsHashMismatch: what = "header validators hash does not match the validator set"
        case .blacklistTooLong(let count, let limit): what = "blacklist has \(count) masters, at most f = \(limit) allowed"
        case .tooManyTransactions(let count, let limit): what = "\(count) transactions, limit \(limit)"
        case .tooLarge(let bytes, let limit): what = "\(bytes) bytes of transactions, limit \(limit)"
        case .txCountMismatch(let header, let actual): what = "header says \(header) transactions, block has \(actual)"
        case .txRootMismatch(let header, let computed):
            what = "Merkle root mismatch: header \(header.hex.prefix(16))…, transactions give \(computed.hex.prefix(16))…"
        case .typeCountsMismatch: what = "per-type transaction counts differ from the transactions"
        case .transactionRejected(let index, let hash, let rejection):
            what = "transaction \(index)\(hash.map { " (\($0.hex.prefix(16))…)" } ?? "") invalid: \(rejection)"
        case .stateRootMismatch(let header, let computed):
            what = "state root mismatch: header \(header.hex.prefix(16))…, replay gives \(computed.hex.prefix(16))…"
        case .certificate(let error): what = "commit certificate invalid: \(error)"
        }
        return "height \(height): \(what)"
    }

    /// Evidence against the proposer, for a validator to submit as a transaction. A block
    /// refused because a domain validator rejected its `CommitAggregate` is a wrong aggregate;
    /// anything else is an invalid block.
    public func evidence() -> Evidence {
        var kind = Evidence.Kind.invalidBlock
        if case .transactionRejected(_, _, .rejectedByValidator) = reason { kind = .invalidAggregate }
        return Evidence(offender: proposer, kind: kind, height: height, blockID: blockID, detail: description)
    }
}
