import Foundation
@testable import Ledger

/// A small chain for tests: deterministic keys, a genesis, and helpers to sign transactions.
struct TestChain {
    static let chainID = "test-chain"

    /// Validator (also publisher and auditor), two hospitals, and an outsider with no roles granted.
    let validator = TestChain.key(1)
    let hospitalA = TestChain.key(2)
    let hospitalB = TestChain.key(3)
    let outsider = TestChain.key(9)
    let genesis: Genesis

    static func key(_ n: UInt8) -> SigningKey { try! SigningKey(seed: [UInt8](repeating: n, count: 32)) }

    init(limits: Limits = Limits(), extraValidators: [SigningKey] = []) {
        var members = [
            Genesis.Member(name: "validator", publicKey: validator.publicKey, roles: [.validator, .taskPublisher, .auditor]),
            Genesis.Member(name: "hospital-a", publicKey: hospitalA.publicKey, roles: [.trainer]),
            Genesis.Member(name: "hospital-b", publicKey: hospitalB.publicKey, roles: [.trainer], reputation: 80),
        ]
        for (i, key) in extraValidators.enumerated() {
            members.append(Genesis.Member(name: "validator-\(i + 2)", publicKey: key.publicKey, roles: [.validator]))
        }
        genesis = Genesis(chainID: TestChain.chainID, genesisTime: 1_767_225_600_000, members: members, limits: limits)
    }

    func application() -> LedgerApplication { try! LedgerApplication(genesis: genesis) }

    func sign(_ key: SigningKey, nonce: UInt64, _ payload: TransactionPayload, chainID: String = TestChain.chainID) -> SignedTransaction {
        Transaction(chainID: chainID, sender: key.publicKey, nonce: nonce, payload: payload).signed(by: key)
    }

    func verified(_ tx: SignedTransaction) -> VerifiedTransaction {
        try! TransactionVerifier.verify(tx, maxBytes: genesis.limits.maxTransactionBytes)
    }

    static func dataset(_ cid: String, budget: Double = 2.0, schema: String = "medmnist/pathmnist@1") -> TransactionPayload {
        .registerDataset(RegisterDataset(manifestCID: cid, schema: schema, recordCount: 1000, labelCounts: [600, 400],
                                         epsilonBudget: Epsilon(budget)!))
    }

    static func task(datasets: [String], rounds: UInt32 = 3, epsilonPerRound: Double = 0.5) -> TransactionPayload {
        .publishTask(PublishTask(
            name: "pathology-cnn", modelSpec: #"{"layers":[{"conv":8},{"dense":9}]}"#, datasets: datasets,
            datasetSchema: "medmnist/pathmnist@1", rounds: rounds,
            hyperParameters: NamedValues(["learningRate": 0.01, "localEpochs": 1])!, aggregation: "fedavg",
            privacy: PrivacyPolicy(mode: .local, epsilonPerRound: Epsilon(epsilonPerRound)!, delta: 1e-5, clippingNorm: 1.0,
                                   homomorphicEncryption: false, partialFraction: 1.0)))
    }

    static func update(task: Hash256, round: UInt32, cid: String) -> TransactionPayload {
        .submitUpdate(SubmitUpdate(task: task, round: round, updateCID: cid, sampleCount: 500, norm: 0.75,
                                   metrics: NamedValues(["accuracy": 0.8, "loss": 0.4])!))
    }

    static func aggregate(task: Hash256, round: UInt32, updates: [Hash256], spend: [(String, Double)]) -> TransactionPayload {
        .commitAggregate(CommitAggregate(task: task, round: round, updates: updates, modelCID: "bafymodel\(round)",
                                         metrics: NamedValues(["accuracy": 0.85])!,
                                         privacySpent: spend.map { .init(dataset: $0.0, epsilon: Epsilon($0.1)!) }))
    }

    /// Proposes, votes (validator only) and commits in memory; fails the test on any rejection.
    @discardableResult
    func commit(_ app: LedgerApplication, _ txs: [SignedTransaction], timestamp: UInt64? = nil) throws -> StagedBlock {
        let proposal = app.propose(txs.map(verified), proposer: validator.publicKey,
                                   timestamp: timestamp ?? app.tip.timestamp + 1000)
        if let first = proposal.rejected.first { throw first.rejection }
        app.commit(proposal.staged)
        return proposal.staged
    }

    /// A scratch directory removed when the returned closure runs.
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("medchain-ledger-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
