/// Read access to world state: the committed state, or the state part-way through a block.
/// Domain validators (e.g. the federation layer's aggregate check) receive one.
public protocol LedgerStateReader {
    func member(_ key: PublicKey) -> MemberRecord?
    func dataset(_ cid: String) -> DatasetRecord?
    /// CIDs of the datasets `owner` registered.
    func datasets(ownedBy owner: PublicKey) -> [String]
    func task(_ id: Hash256) -> TaskRecord?
    func round(_ key: RoundKey) -> RoundRecord?
    func update(_ key: UpdateKey) -> UpdateRecord?
    /// The update submitted by the `SubmitUpdate` transaction with this hash.
    func update(transaction hash: Hash256) -> UpdateRecord?
    func aggregate(_ key: RoundKey) -> AggregateRecord?
    func privacySpend(_ key: SpendKey) -> PrivacySpendRecord?
    func evidence(_ id: Hash256) -> EvidenceRecord?
}
