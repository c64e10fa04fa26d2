import ContentStore
import DataSets
import Foundation
import Learning
import Ledger
import Privacy
import Tensor
import Testing
@testable import Federation

/// End-to-end runs of a small consortium through the real ledger, stores and verification.
struct ConsortiumTests {
    /// Two Gaussian blobs in 4-D, split unevenly between three hospitals.
    static func shares(seed: UInt64 = 1) -> (shares: [FederatedConsortium.Share], test: LabeledData) {
        var rng = SeededGenerator(seed: seed)
        func blobs(_ n: Int, positiveRate: Double) -> LabeledData {
            var x = [Float](), y = [Int]()
            for _ in 0..<n {
                let label = rng.uniform() < positiveRate ? 1 : 0
                for _ in 0..<4 { x.append(Float(rng.normal()) + (label == 1 ? 1 : -1)) }
                y.append(label)
            }
            return LabeledData(features: Tensor(shape: [n, 4], storage: x), labels: y, classCount: 2)
        }
        let shares = [(40, 0.2), (30, 0.5), (50, 0.8)].enumerated().map { k, s in
            FederatedConsortium.Share(name: "hospital-\(k + 1)", train: blobs(s.0, positiveRate: s.1),
                                      validation: blobs(10, positiveRate: s.1))
        }
        return (shares, blobs(60, positiveRate: 0.5))
    }

    static func config(rounds: Int = 2) -> FederatedTaskConfig {
        FederatedTaskConfig(name: "test", modelSpec: .mlp(features: 4, hidden: 6), rounds: rounds, batchSize: 16,
                            learningRate: 0.05, seed: 3)
    }

    func directory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("consortium-\(UUID().uuidString)")
    }

    func run(_ config: FederatedTaskConfig, in dir: URL, epsilonBudget: Double = 100, ordering: FederatedConsortium.Ordering = .single,
             setup: (FederatedConsortium) -> Void = { _ in }) throws -> (FederatedConsortium, FederatedTaskRun) {
        let (shares, test) = Self.shares()
        let consortium = try FederatedConsortium(directory: dir, shares: shares, spec: config.modelSpec, seed: 1, ordering: ordering)
        setup(consortium)
        try consortium.registerDatasets(classNames: ["0", "1"], epsilonBudget: epsilonBudget)
        let run = try FederatedTaskRun(consortium: consortium, config: config, evaluation: test)
        try run.run()
        return (consortium, run)
    }

    @Test(arguments: [FederatedConsortium.Ordering.single, .bft])
    func everyReplicaAgreesAndTheChainReverifiesWithAggregatesRecomputed(ordering: FederatedConsortium.Ordering) throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (consortium, run) = try run(Self.config(), in: dir, ordering: ordering)
        #expect(run.rounds.count == 2 && run.rounds.allSatisfy { $0.accepted.count == 3 })
        // Each update carries its hospital's local validation metrics.
        for node in consortium.hospitals {
            let metrics = try #require(consortium.state.update(UpdateKey(task: run.taskID, round: 1, member: node.key.publicKey))).metrics
            #expect(metrics["val_loss"] != nil && metrics["val_accuracy"] != nil && metrics["val_examples"] == Double(node.validation.count))
        }
        let roots = Set(consortium.hospitals.map { $0.ledger.tip.stateRoot })
        #expect(roots.count == 1)
        // Re-verification from genesis of a node that did not produce the blocks.
        for home in NodeHomeDiscovery.nodeHomes(at: dir.path) {
            let (store, genesis) = try NodeHome(home).openStore()
            var verifier = ChainVerifier(store: store, genesis: genesis)
            verifier.domainValidators = [AggregateVerifier(blobs: try NodeHomeDiscovery.blobSource(for: home))]
            #expect(try verifier.verify().ok, "\(home)")
        }
        // The committed model is the recomputation: replay on a fresh verifier.
        let state = consortium.hospitals[2].ledger.application.state
        let last = try #require(state.aggregate(RoundKey(task: run.taskID, round: 1)))
        #expect(try run.global.cid(spec: run.config.modelSpec) == last.modelCID)
        // Every committed model blob is in its master's store (written once its block committed)
        // and reads back as the recomputed model.
        for (r, record) in run.rounds.enumerated() {
            let aggregate = try #require(state.aggregate(RoundKey(task: run.taskID, round: UInt32(r))))
            let master = try #require(consortium.hospitals.first { $0.name == record.master })
            let blob = try master.store.bytes(of: try CID(parsing: aggregate.modelCID))
            #expect(try GlobalModel.cid(ofBlob: blob) == aggregate.modelCID)
        }
        #expect(try consortium.hospitals.contains {
            try $0.store.bytes(of: try CID(parsing: last.modelCID)) == run.global.blob(spec: run.config.modelSpec)
        })
    }

    @Test func homomorphicAggregationGivesTheSameModelBitForBit() throws {
        let a = directory(), b = directory()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        var encrypted = Self.config()
        encrypted.privacy.homomorphic = true
        let plain = try run(Self.config(), in: a).1.global.parameters
        let (_, heRun) = try run(encrypted, in: b)
        #expect(heRun.global.parameters.map(\.bitPattern) == plain.map(\.bitPattern))
    }

    /// Under BFT a master that skips its own check proposes a wrong aggregate: the other
    /// validators refuse the block, evidence against it is committed, it is blacklisted, and an
    /// honest master aggregates the round. Rounds are run until the liar has proposed once.
    @Test func underBFTALyingMasterIsCaughtWithEvidenceAndBlacklisted() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (consortium, run) = try run(Self.config(rounds: 12), in: dir, ordering: .bft) { consortium in
            consortium.hospitals[2].behaviour = .lyingMaster
            (consortium.ordering as! BFTOrdering).makeLyingMaster(2)
        }
        let caught = run.rounds.filter { !$0.evidence.isEmpty }
        #expect(!caught.isEmpty, "the liar never proposed an aggregate in 12 rounds")
        #expect(caught.allSatisfy { $0.evidence.allSatisfy { $0.hasPrefix("hospital-3") } })
        // The blacklist shows from the next block on, so in a later round unless caught last.
        #expect(run.rounds.contains { $0.blacklist == ["hospital-3"] } || caught.last?.round == run.rounds.count)
        #expect(run.rounds.allSatisfy { $0.master != "hospital-3" || $0.evidence.isEmpty })
        // Every committed aggregate recomputes, so the replicas hold one history.
        #expect(Set(consortium.hospitals.map { $0.ledger.tip.stateRoot }).count == 1)
        #expect(!consortium.state.evidence.isEmpty)
    }

    /// A master that states half of each dataset's ε spend proposes a block the other
    /// validators refuse with evidence; the ledger ends with what the rounds really cost.
    @Test func underBFTAMasterUnderstatingTheEpsilonSpendIsCaughtWithEvidence() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = Self.config(rounds: 12)
        config.privacy.mode = .sample
        config.privacy.targetEpsilon = 5
        config.privacy.clipNorm = 1
        let (consortium, run) = try run(config, in: dir, ordering: .bft) { consortium in
            consortium.hospitals[2].behaviour = .understateEpsilon
            (consortium.ordering as! BFTOrdering).makeLyingMaster(2)
        }
        let caught = run.rounds.filter { !$0.evidence.isEmpty }
        #expect(!caught.isEmpty, "the liar never proposed an aggregate in 12 rounds")
        #expect(caught.allSatisfy { $0.evidence.allSatisfy { $0.hasPrefix("hospital-3") && $0.contains("privacy spend") } })
        #expect(Set(consortium.hospitals.map { $0.ledger.tip.stateRoot }).count == 1)
        // Every dataset's ledger ε is the full cost of the rounds it trained in: the target.
        for node in consortium.hospitals {
            let spent = try #require(consortium.state.dataset(node.datasetCID)).epsilonSpent.value
            #expect(abs(spent - 5) < 1e-3, "\(node.name): ledger ε \(spent)")
        }
    }

    /// With one validator the liar is the validator itself: its ledger re-computes the
    /// aggregate before proposing and refuses it, so the lie never reaches a block.
    @Test func aLyingMastersAggregateIsRefusedBecauseItDoesNotRecompute() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var before: UInt64 = 0
        #expect {
            try run(Self.config(rounds: 1), in: dir) { consortium in
                consortium.hospitals[0].behaviour = .lyingMaster
                before = consortium.ordering.height
            }
        } throws: { error in
            "\(error)".contains("does not recompute")
        }
        _ = before
    }

    @Test func aTamperedUpdateBlobFailsVerificationAtItsHeight() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (consortium, run) = try run(Self.config(rounds: 1), in: dir)
        let node = consortium.hospitals[1]
        let state = node.ledger.application.state
        let update = try #require(state.update(UpdateKey(task: run.taskID, round: 0, member: node.key.publicKey)))
        // Flip one byte in every stored block of that update: AES-GCM authentication fails.
        let blocks = try FileManager.default.subpathsOfDirectory(atPath: node.home.path + "/store/blocks")
            .filter { $0.hasSuffix(".block") }
        for block in blocks {
            let path = node.home.path + "/store/blocks/" + block
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count / 2] ^= 1
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        let home = consortium.hospitals[2].home.path
        let (store, genesis) = try NodeHome(home).openStore()
        var verifier = ChainVerifier(store: store, genesis: genesis)
        verifier.domainValidators = [AggregateVerifier(blobs: try NodeHomeDiscovery.blobSource(for: home))]
        let report = try verifier.verify()
        #expect(!report.ok)
        #expect(report.problem?.what.contains("modified on disk") == true, "\(String(describing: report.problem))")
        _ = update
    }

    @Test func aSampledSubsetTrainsEachRoundAndOnlyItsDatasetsSpendEpsilon() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = Self.config(rounds: 3)
        config.clientsPerRound = 2
        config.privacy.mode = .sample
        config.privacy.targetEpsilon = 5
        config.privacy.clipNorm = 1
        let (consortium, run) = try run(config, in: dir)
        #expect(run.rounds.allSatisfy { $0.accepted.count + $0.rejected.count == 2 })
        for node in consortium.hospitals {
            let trained = run.rounds.filter { $0.accepted.contains(node.name) || $0.rejected.contains(node.name) }.count
            let spent = try #require(consortium.state.dataset(node.datasetCID)).epsilonSpent
            #expect((trained == 0) == (spent == .zero), "\(node.name) trained \(trained) rounds, spent \(spent)")
        }
    }

    /// Client-level DP with 2 of 3 hospitals drawn per round: the draw is seeded and on the
    /// chain, so it amplifies nothing. Each dataset's ledger ε is its own accountant's at
    /// sampling rate 1 over the rounds its hospital trained in; the busiest reaches the target.
    @Test func clientLevelDPChargesEachDatasetForTheRoundsItTrainedInAtRateOne() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = Self.config(rounds: 4)
        config.clientsPerRound = 2
        config.privacy.mode = .client
        config.privacy.targetEpsilon = 5
        config.privacy.clipNorm = 1
        let (consortium, run) = try run(config, in: dir)
        #expect(run.rounds.allSatisfy { $0.accepted.count == 2 && $0.rejected.isEmpty })
        var largest = 0.0
        for node in consortium.hospitals {
            let trained = run.rounds.filter { $0.accepted.contains(node.name) }.count
            var expected = RDPAccountant()
            try expected.compose(samplingRate: 1, noiseMultiplier: run.noiseMultiplier, steps: trained)
            let epsilon = trained == 0 ? 0 : try expected.epsilon(delta: config.privacy.delta).epsilon
            let spent = try #require(consortium.state.dataset(node.datasetCID)).epsilonSpent.value
            #expect(abs(spent - epsilon) < 1e-4, "\(node.name) trained \(trained) rounds: ledger ε \(spent), accountant \(epsilon)")
            largest = max(largest, epsilon)
        }
        #expect(abs(largest - 5) < 1e-3)
        #expect(abs(run.epsilonSpent - largest) < 1e-9)
        // The same draw as the run: counts add up to 2 per round.
        #expect(config.participationCounts(hospitals: 3).reduce(0, +) == 8)
    }

    /// Every validator works out what a round costs each dataset from the chain: the spend the
    /// master committed passes, and an understated, missing or extra one is refused.
    @Test(arguments: [FederatedPrivacy.Mode.client, .sample])
    func validatorsRefuseAnAggregateThatMisstatesTheRoundsPrivacySpend(mode: FederatedPrivacy.Mode) throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = Self.config(rounds: 2)
        config.privacy.mode = mode
        config.privacy.targetEpsilon = 5
        config.privacy.clipNorm = 1
        let (consortium, run) = try run(config, in: dir)
        let state = consortium.state
        let task = try #require(state.task(run.taskID))
        let committed = try #require(state.aggregate(RoundKey(task: run.taskID, round: 1)))
        let spent = try task.spec.datasets.map { cid in
            CommitAggregate.DatasetSpend(dataset: cid, epsilon: try #require(state.privacySpend(SpendKey(dataset: cid, task: run.taskID, round: 1))).epsilon)
        }
        #expect(spent.allSatisfy { $0.epsilon > .zero })
        func aggregate(_ spend: [CommitAggregate.DatasetSpend]) -> CommitAggregate {
            CommitAggregate(task: run.taskID, round: 1, updates: committed.updates, modelCID: committed.modelCID,
                            metrics: committed.metrics, privacySpent: spend)
        }
        let verifier = AggregateVerifier(blobs: consortium.hospitals[1].blobs)
        let parsed = try FederatedTaskConfig(publishTask: task.spec)
        try verifier.checkPrivacySpend(aggregate(spent), task: task, config: parsed, state: state)
        var understated = spent
        understated[0].epsilon = Epsilon(micro: spent[0].epsilon.micro - 10_000)
        for wrong in [understated, Array(spent.dropLast()), spent + [.init(dataset: "QmElsewhere", epsilon: Epsilon(0.1)!)], []] {
            #expect(throws: FederationError.self) {
                try verifier.checkPrivacySpend(aggregate(wrong), task: task, config: parsed, state: state)
            }
        }
    }

    /// An aggregate of m of the K noise shares carries m·σ²C²/K: σ·√(m/K) is what protects it.
    @Test func leavingUpdatesOutWeakensTheNoiseOfTheSum() {
        #expect(TaskPrivacyAccounting.effectiveNoiseMultiplier(2, participants: 4, included: 4) == 2)
        #expect(abs(TaskPrivacyAccounting.effectiveNoiseMultiplier(2, participants: 4, included: 3) - 3.0.squareRoot()) < 1e-12)
        #expect(TaskPrivacyAccounting.effectiveNoiseMultiplier(2, participants: 4, included: 1) == 1)
    }

    /// Client-level DP calibrated to ε 6 over 3 rounds: its first round costs ε ≈ 3.2.
    static var clientDPCostingAbout3PerRound: FederatedTaskConfig {
        var config = Self.config(rounds: 3)
        config.privacy.mode = .client
        config.privacy.targetEpsilon = 6
        config.privacy.clipNorm = 1
        return config
    }

    /// Client-level DP calibrated to ε 6 over 3 rounds against a budget of 3: the round that
    /// would overspend stops the task with the ledger's refusal under either ordering (under
    /// BFT it used to commit 50 blocks and report that no master completed the round); no
    /// dataset's ε exceeds its budget and the replicas agree.
    @Test(arguments: [FederatedConsortium.Ordering.single, .bft])
    func aRoundThatWouldExceedTheEpsilonBudgetIsRefusedCleanly(ordering: FederatedConsortium.Ordering) throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var built: FederatedConsortium?
        #expect {
            try run(Self.clientDPCostingAbout3PerRound, in: dir, epsilonBudget: 3, ordering: ordering) { built = $0 }
        } throws: { error in
            "\(error)".contains("privacy budget") || "\(error)".contains("budget")
        }
        let consortium = try #require(built)
        let datasets = consortium.state.datasets.values
        #expect(!datasets.isEmpty)
        // The first round already asks for ε ≈ 3.2 of a budget of 3: nothing is spent.
        #expect(datasets.allSatisfy { $0.epsilonSpent <= $0.epsilonBudget })
        #expect(consortium.state.aggregates.isEmpty)
        #expect(Set(consortium.hospitals.map { $0.ledger.tip.stateRoot }).count == 1)
        // Stopped at once: setup, the rounds that fit (one block each), the refused round's updates.
        #expect(consortium.ordering.height < 10)
        // The publisher closed the task at its first round, with the ledger's refusal as the reason.
        let task = try #require(consortium.state.tasks.values.first)
        let closure = try #require(task.closure)
        #expect(closure.reason == .budgetExhausted && task.openRound == 0 && closure.detail.contains("privacy budget"))
        #expect(!task.isOpen && !task.isFinished)
        // The refused round's updates are on record; no aggregate follows them.
        #expect(consortium.state.round(RoundKey(task: task.id, round: 0))?.updateCount == 3)
    }

    /// A budget that pays for one round of two: the run ends after round 1 without an error,
    /// the publisher's `CloseTask` says why, no dataset is over budget, the chain re-verifies,
    /// and a late update for the closed task is refused with the closure's reason.
    @Test(arguments: [FederatedConsortium.Ordering.single, .bft])
    func aTaskWhoseBudgetRunsOutIsClosedOnTheChainAfterTheRoundsItCouldPayFor(ordering: FederatedConsortium.Ordering) throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Round 1 costs ε ≈ 3.2; two rounds would cost more than 4.
        let (consortium, run) = try run(Self.clientDPCostingAbout3PerRound, in: dir, epsilonBudget: 4, ordering: ordering)
        #expect(run.rounds.count == 1)
        let closure = try #require(run.closure)
        #expect(closure.reason == .budgetExhausted && closure.round == 1)
        let task = try #require(consortium.state.task(run.taskID))
        #expect(task.closure?.reason == .budgetExhausted && task.openRound == 1)
        #expect(consortium.state.aggregate(RoundKey(task: run.taskID, round: 0)) != nil)
        #expect(consortium.state.datasets.values.allSatisfy { $0.epsilonSpent <= $0.epsilonBudget && $0.epsilonSpent.value > 3 })
        #expect(Set(consortium.hospitals.map { $0.ledger.tip.stateRoot }).count == 1)

        let late = consortium.hospitals[0].sign(.submitUpdate(SubmitUpdate(
            task: run.taskID, round: 1, updateCID: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
            sampleCount: 10, norm: 1, metrics: NamedValues([:])!)),
            nonce: consortium.ordering.nextNonce(for: consortium.hospitals[0].key.publicKey), chainID: consortium.chainID)
        #expect { try consortium.ordering.submit(late) } throws: { "\($0)".contains("closed by its publisher at round 1") }

        let (store, genesis) = try NodeHome(consortium.hospitals[1].home.path).openStore()
        var verifier = ChainVerifier(store: store, genesis: genesis)
        verifier.domainValidators = [AggregateVerifier(blobs: try NodeHomeDiscovery.blobSource(for: consortium.hospitals[1].home.path))]
        #expect(try verifier.verify().ok)
    }

    /// The stop rule: once the federated validation AUC reaches the target, the run stops and
    /// the task is closed at the next round with reason `target-reached`.
    @Test func reachingTheTargetAUCClosesTheTaskAtTheNextRound() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = Self.config(rounds: 4)
        config.targetAUC = 0.01
        let (consortium, run) = try run(config, in: dir)
        #expect(run.rounds.count == 1)
        let closure = try #require(run.closure)
        #expect(closure.reason == .targetReached && closure.round == 1 && closure.detail.contains("target 0.0100 in round 1"))
        #expect(consortium.state.task(run.taskID)?.closure?.reason == .targetReached)
    }
}
