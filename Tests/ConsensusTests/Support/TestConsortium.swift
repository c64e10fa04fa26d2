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
