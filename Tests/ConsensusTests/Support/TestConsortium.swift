import Foundation
import Testing
@testable import Consensus
@testable import Ledger

/// Deterministic keys, a genesis with n validators (and a trainer), and scratch homes.
enum TestNet {
    static let chainID = "consensus-test"
    static let genesisTime: UInt64 = 1_767_225_600_000

    static func key(_ n: Int) -> SigningKey { try! SigningKey(seed: [UInt8](repeating: UInt8(n), count: 32)) }

    /// Validator keys 1...n, sorted by public key.
    static func validatorKeys(_ n: Int) -> [SigningKey] { (1...n).map(key).sorted { $0.publicKey < $1.publicKey } }

    static let trainer = key(200)

    static func genesis(validators keys: [SigningKey], reputations: [Int64]? = nil, consensus: ConsensusParameters = .init()) -> Genesis {
        var members = keys.enumerated().map { index, key in
            Genesis.Member(name: "hospital-\(index)", publicKey: key.publicKey, roles: [.validator, .trainer, .taskPublisher],
                           reputation: reputations?[index])
        }
        members.append(Genesis.Member(name: "lab", publicKey: trainer.publicKey, roles: [.trainer]))
        return Genesis(chainID: chainID, genesisTime: genesisTime, members: members, consensus: consensus)
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("medchain-consensus-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Fast timeouts keep virtual rounds short (they cost no real time anyway).
    static let configuration = ConsensusNode.Configuration(
        timeouts: TimeoutPolicy(proposeMs: 300, proposeDeltaMs: 100, prevoteMs: 200, prevoteDeltaMs: 100,
                                precommitMs: 200, precommitDeltaMs: 100),
        synchronousLog: false)

    static func dataset(_ cid: String, signer: SigningKey, nonce: UInt64) -> SignedTransaction {
        Transaction(chainID: chainID, sender: signer.publicKey, nonce: nonce, payload: .registerDataset(RegisterDataset(
            manifestCID: cid, schema: "medmnist/pathmnist@1", recordCount: 10, labelCounts: [6, 4], epsilonBudget: Epsilon(2.0)!)))
        .signed(by: signer)
    }
}

/// Refuses any dataset registration whose CID starts with "bafy-bad": a stand-in for the
/// federation's aggregate recomputation (a deterministic domain rule the ledger alone lacks).
struct RefuseBadDatasets: DomainValidator {
    var name: String { "refuse-bad-datasets" }
    func validate(_ transaction: SignedTransaction, context: DomainValidationContext) throws {
        if case .registerDataset(let dataset) = transaction.transaction.payload, dataset.manifestCID.hasPrefix("bafy-bad") {
            throw EvidenceRefusal("dataset \(dataset.manifestCID) fails the domain check")
        }
    }
}

/// Adds one transaction (once) to the blocks its node proposes.
final class OneShotContributor: ProposalContributor {
    var pending: [SignedTransaction]
    init(_ pending: [SignedTransaction]) { self.pending = pending }
    func transactions(forHeight height: UInt64, round: UInt32, proposer: SigningKey, application: LedgerApplication) -> [SignedTransaction] {
        pending
    }
}

/// A lying master's helper: adds a dataset registration the domain rule refuses, signed by
/// the proposer itself with its next nonce.
final class LyingContributor: ProposalContributor {
    func transactions(forHeight height: UInt64, round: UInt32, proposer: SigningKey, application: LedgerApplication) -> [SignedTransaction] {
        let nonce = application.state.member(proposer.publicKey)?.nonce ?? 0
        return [TestNet.dataset("bafy-bad-\(height)-\(round)", signer: proposer, nonce: nonce)]
    }
}

/// Independent re-derivation of what every committed block must satisfy: replays a node's
/// stored chain into a fresh application and checkpoint, checking each header's blacklist
/// against the one derived from the chain before it, and that no blacklisted master proposed.
enum ChainAudit {
    static func check(_ node: ConsensusNode, rules: ConsensusRules) throws {
        let genesis = node.ledger.genesis
        let app = try LedgerApplication(genesis: genesis)
        app.domainValidators = [EvidenceValidator(), RefuseBadDatasets()]
        var checkpoint = ConsensusCheckpoint.genesis(app, rules: rules)
        var height: UInt64 = 1
        while let committed = try node.ledger.store.committedBlock(at: height) {
            let header = committed.block.header
            #expect(header.blacklist == checkpoint.blacklist.keys, "height \(height): blacklist differs from the chain's")
            #expect(!checkpoint.blacklist.contains(header.proposer), "height \(height): a blacklisted master proposed")
            let staged = try app.stage(committed.block)
            try committed.certificate.verify(for: header, validators: app.validators)
            app.commit(staged)
            checkpoint = checkpoint.advanced(by: committed.block, application: app, rules: rules)
            height += 1
        }
        #expect(checkpoint == node.checkpoint || height - 1 != node.application.tip.height)
    }
}
