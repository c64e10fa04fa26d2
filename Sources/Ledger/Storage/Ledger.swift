import Foundation

/// A persisted chain: the ledger application with its database, kept in step.
///
/// `commit` writes a block to disk in one SQL transaction first and only then advances the
/// in-memory state, so memory never runs ahead of disk. Several `Ledger`s (one per chain) can
/// live in one process.
public final class Ledger {
    public let application: LedgerApplication
    public let store: ChainStore

    /// Opens the chain database at `url`, restoring the state and checking it against the last
    /// block's state root.
    public init(url: URL, genesis: Genesis, faultInjector: (@Sendable (FaultPoint) throws -> Void)? = nil) throws(StoreError) {
        store = try ChainStore(url: url, genesis: genesis, faultInjector: faultInjector)
        application = try store.loadApplication(genesis: genesis)
    }

    public var genesis: Genesis { application.genesis }
    public var chainID: String { application.chainID }
    public var tip: ChainTip { application.tip }

    /// Verifies `certificate` for `staged` against the current validator set, persists both,
    /// then commits in memory. `verifiedVotes` are votes whose signatures the caller checked
    /// already (see `CommitCertificate.verify`).
    public func commit(_ staged: StagedBlock, certificate: CommitCertificate,
                       verifiedVotes: Set<CommitCertificate.Vote> = []) throws(LedgerError) {
        do { try certificate.verify(for: staged.block.header, validators: application.validators, verified: verifiedVotes) } catch {
            throw .block(BlockRejection(height: staged.height, blockID: staged.block.id, proposer: staged.block.header.proposer,
                                        reason: .certificate(error)))
        }
        do { try store.append(staged, certificate: certificate) } catch { throw .store(error) }
        application.commit(staged)
    }

    /// Validates, persists and commits a block committed elsewhere (block sync, replay).
    public func append(_ committed: CommittedBlock) throws(LedgerError) {
        let staged: StagedBlock
        do { staged = try application.stage(committed.block) } catch { throw .block(error) }
        try commit(staged, certificate: committed.certificate)
    }
}

/// A failure to commit: an invalid block or a storage problem.
public enum LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    case block(BlockRejection)
    case transaction(TransactionRejection)
    case store(StoreError)
    case notSoleValidator(validators: Int)

    public var description: String {
        switch self {
        case .block(let rejection): "block rejected: \(rejection)"
        case .transaction(let rejection): "transaction rejected (\(rejection.code)): \(rejection)"
        case .store(let error): "\(error)"
        case .notSoleValidator(let count):
            "this chain has \(count) validators; committing needs their votes through consensus, which a single node cannot provide"
        }
    }
}
