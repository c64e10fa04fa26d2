import Ledger

/// Verified transactions waiting for a block, in arrival order.
///
/// Admission runs the ledger's full check (signature, nonce, rules, domain validators), but a
/// transaction whose only fault is a nonce gap (an earlier one of its sender is still on
/// the way) is kept: it becomes valid once the earlier one commits.
public struct Mempool: Sendable {
    public private(set) var transactions: [VerifiedTransaction] = []
    private var byHash: [Hash256: VerifiedTransaction] = [:]
    public var limit: Int

    public init(limit: Int = 100_000) { self.limit = limit }

    public var count: Int { transactions.count }
    public func contains(_ hash: Hash256) -> Bool { byHash[hash] != nil }
    /// The verified transaction with this hash, if waiting here.
    public func verified(_ hash: Hash256) -> VerifiedTransaction? { byHash[hash] }

    /// Admits `bytes` if the application accepts it (or it only waits for an earlier nonce).
    @discardableResult
    public mutating func add(_ bytes: [UInt8], application: LedgerApplication) throws(TransactionRejection) -> VerifiedTransaction? {
        let hash = Hash256.sha256(bytes)
        guard byHash[hash] == nil else { return nil }
        guard transactions.count < limit else { throw .notPermitted("the mempool is full (\(limit) transactions); retry later") }
        let verified = try TransactionVerifier.verify(bytes, maxBytes: application.limits.maxTransactionBytes)
        guard verified.transaction.transaction.chainID == application.chainID else {
            throw .wrongChain(expected: application.chainID, found: verified.transaction.transaction.chainID)
        }
        do { try application.check(verified) } catch {
            guard case .nonceGap = error else { throw error }
        }
        transactions.append(verified)
        byHash[hash] = verified
        return verified
    }

    /// Drops the committed transactions and those whose nonce the chain has passed (cheap:
    /// the rules run again when a proposer builds a block, see `drop(_:)`).
    public mutating func update(committed: Set<Hash256>, application: LedgerApplication) {
        transactions.removeAll { tx in
            if committed.contains(tx.hash) { return true }
            let body = tx.transaction.transaction
            return body.nonce < (application.state.member(body.sender)?.nonce ?? 0)
        }
        byHash = Dictionary(transactions.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Drops transactions a proposal rejected for a reason time cannot fix (anything but a
    /// nonce gap or a reference to something not committed yet).
    public mutating func drop(_ rejected: [(hash: Hash256, rejection: TransactionRejection)]) {
        let doomed = Set(rejected.compactMap { item -> Hash256? in
            switch item.rejection {
            case .nonceGap, .missingReference: return nil
            default: return item.hash
            }
        })
        guard !doomed.isEmpty else { return }
        transactions.removeAll { doomed.contains($0.hash) }
        for hash in doomed { byHash[hash] = nil }
    }
}
