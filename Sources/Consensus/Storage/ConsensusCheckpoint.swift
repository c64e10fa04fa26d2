import Ledger

/// What consensus derives from the chain at a committed height and needs to go on: who
/// proposes next and the blacklist the next block must carry. Deterministic from the chain
/// (see `ProposerSchedule` and `Blacklist`), saved in the write-ahead log so a restart does
/// not replay the whole chain.
public struct ConsensusCheckpoint: Hashable, Sendable {
    /// The committed height (0: only the genesis).
    public var height: UInt64
    /// That block's ID (the genesis hash at 0).
    public var blockID: Hash256
    /// The schedule of `height + 1`.
    public var schedule: ProposerSchedule
    /// The blacklist block `height + 1` must carry.
    public var blacklist: Blacklist

    public init(height: UInt64, blockID: Hash256, schedule: ProposerSchedule, blacklist: Blacklist) {
        self.height = height
        self.blockID = blockID
        self.schedule = schedule
        self.blacklist = blacklist
    }

    /// The checkpoint at the genesis.
    public static func genesis(_ application: LedgerApplication, rules: ConsensusRules) -> ConsensusCheckpoint {
        precondition(application.tip.height == 0, "the genesis checkpoint needs an application at height 0")
        let state = application.state
        let schedule = ProposerSchedule.first(validators: application.validators,
                                              reputation: { state.member($0)?.reputation ?? 0 }, weights: rules.weights)
        return ConsensusCheckpoint(height: 0, blockID: application.tip.blockID, schedule: schedule, blacklist: Blacklist())
    }

    /// The checkpoint after `block` committed on top of this one; `application` must hold the
    /// state after it (reputations and validators are read from it).
    public func advanced(by block: Block, application: LedgerApplication, rules: ConsensusRules) -> ConsensusCheckpoint {
        precondition(block.height == height + 1 && application.tip.blockID == block.id, "advancing the checkpoint out of order")
        let evidence = block.transactions.compactMap { bytes -> Evidence? in
            guard let tx = try? SignedTransaction(decoding: bytes), case .evidence(let evidence) = tx.transaction.payload else { return nil }
            return evidence
        }
        let validators = application.validators
        let nextBlacklist = blacklist.advanced(height: block.height, evidence: evidence, validators: validators,
                                               redemptionHeights: rules.redemptionHeights)
        let state = application.state
        let nextSchedule = schedule.next(validators: validators, reputation: { state.member($0)?.reputation ?? 0 },
                                         blacklist: nextBlacklist.keySet, weights: rules.weights)
        return ConsensusCheckpoint(height: block.height, blockID: block.id, schedule: nextSchedule, blacklist: nextBlacklist)
    }
}

extension ConsensusCheckpoint: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(height)
        writer.write(blockID)
        writer.write(schedule)
        writer.write(blacklist)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        height = try reader.readUInt64("height")
        blockID = try Hash256(from: &reader)
        schedule = try ProposerSchedule(from: &reader)
        blacklist = try Blacklist(from: &reader)
    }
}
