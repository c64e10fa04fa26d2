import Foundation
import Testing
@testable import ContentStore
@testable import Federation
@testable import Ledger
import Learning

/// Aggregates computed ahead of their proposal stand in for the recomputation only when the
/// aggregate names exactly their inputs, and never make a wrong model CID pass.
struct SpeculativeAggregatesTests {
    /// The ledger state a validator reads: one task, its submitted updates, its aggregates.
    struct State: LedgerStateReader {
        var taskRecord: TaskRecord
        var updates: [Hash256: UpdateRecord]
        var aggregates: [RoundKey: AggregateRecord] = [:]
        func member(_ key: PublicKey) -> MemberRecord? { nil }
        func dataset(_ cid: String) -> DatasetRecord? { nil }
        func datasets(ownedBy owner: PublicKey) -> [String] { [] }
        func task(_ id: Hash256) -> TaskRecord? { id == taskRecord.id ? taskRecord : nil }
        func round(_ key: RoundKey) -> LedgerRoundRecord? { nil }
        func update(_ key: UpdateKey) -> UpdateRecord? { nil }
        func update(transaction hash: Hash256) -> UpdateRecord? { updates[hash] }
        func aggregate(_ key: RoundKey) -> AggregateRecord? { aggregates[key] }
        func privacySpend(_ key: SpendKey) -> PrivacySpendRecord? { nil }
        func evidence(_ id: Hash256) -> EvidenceRecord? { nil }
    }

    struct Fixture {
        let home: URL
        let verifier: AggregateVerifier
        let config: FederatedTaskConfig
        let state: State
        let hashes: [Hash256]
        let inputs: [(cid: String, sampleCount: UInt64)]
        let key = SigningKey()
    }

    static func fixture() throws -> Fixture {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("speculation-\(UUID().uuidString)")
        let store = try Blockstore(home: home)
        let config = FederatedTaskConfig(modelSpec: .logistic(features: 30))
        let count = try GlobalModel.initial(config).parameters.count
        let updates = (0..<3).map { k in
            ModelUpdate(codec: config.codec, parameterCount: count,
                        values: (0..<Int32(count)).map { ($0 &* 37 &+ Int32(k) * 101) % 2_001 - 1_000 })
        }
        let cids = try updates.map { try store.put(bytes: [UInt8]($0.encoded())).root.description }
        let task = Hash256.sha256(Array("task".utf8))
        let hashes = (0..<3).map { Hash256.sha256(Array("update \($0)".utf8)) }
        let counts: [UInt64] = [26, 159, 227]
        var records: [Hash256: UpdateRecord] = [:]
        for k in 0..<3 {
            records[hashes[k]] = UpdateRecord(key: UpdateKey(task: task, round: 0, member: SigningKey().publicKey), txHash: hashes[k],
                                              updateCID: cids[k], sampleCount: counts[k], norm: 1,
                                              metrics: NamedValues([:])!, updatedAt: 0)
        }
        let record = TaskRecord(id: task, publisher: SigningKey().publicKey,
                                spec: config.publishTask(datasets: ["QmData"], datasetSchema: "{}"),
                                openRound: 0, publishedAt: 0, updatedAt: 0)
        let verifier = AggregateVerifier(blobs: LocalFirstBlobSource(local: store), worker: IdleWorker(idlePriority: false))
        for cid in cids { verifier.prefetch(cid) }
        return Fixture(home: home, verifier: verifier, config: config, state: State(taskRecord: record, updates: records),
                       hashes: hashes, inputs: Array(zip(cids, counts)))
    }

    static func context(_ f: Fixture) -> DomainValidationContext {
        DomainValidationContext(chainID: "test", height: 1, timestamp: 0, proposer: f.key.publicKey, state: f.state)
    }

    static func waitForSpeculation(_ verifier: AggregateVerifier) async throws {
        for _ in 0..<1000 where verifier.speculations.withLock({ $0.count }) == 0 { try await Task.sleep(for: .milliseconds(2)) }
    }

    func commit(_ f: Fixture, updates: [Hash256], modelCID: String) -> SignedTransaction {
        Transaction(chainID: "test", sender: f.key.publicKey, nonce: 0, payload: .commitAggregate(CommitAggregate(
            task: f.state.taskRecord.id, round: 0, updates: updates, modelCID: modelCID,
            metrics: NamedValues([:])!, privacySpent: []))).signed(by: f.key)
    }

    /// The model every validator would recompute for the three updates.
    func honestCID(_ f: Fixture) throws -> String {
        let updates = try f.inputs.map { input in
            WeightedUpdate(update: try ModelUpdate(decoding: try LocalFirstBlobSource(local: Blockstore(home: f.home)).bytes(of: input.cid)),
                           sampleCount: Int(input.sampleCount))
        }
        return try GlobalModel.initial(f.config).next(updates: updates, config: f.config).0.cid(spec: f.config.modelSpec)
    }

    @Test func aMatchingAggregateUsesTheSpeculationAndAWrongCIDIsStillRefused() async throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: f.home) }
        f.verifier.speculate(task: f.state.taskRecord.id, round: 0, spec: f.state.taskRecord.spec, previousModelCID: nil, updates: f.inputs)
        try await Self.waitForSpeculation(f.verifier)
        #expect(f.verifier.speculations.withLock { $0.count } == 1)
        let context = Self.context(f)
        // A lying master's CID does not match the speculation: refused, and the speculation is
        // used up (the recomputation would have refused it too).
        #expect(throws: (any Error).self) {
            try f.verifier.validate(commit(f, updates: f.hashes, modelCID: "QmNotTheModel"), context: context)
        }
        #expect(f.verifier.speculations.withLock { $0.count } == 0)
        // Recomputed without the speculation, the verdict is the same.
        #expect(throws: (any Error).self) {
            try f.verifier.validate(commit(f, updates: f.hashes, modelCID: "QmNotTheModel"), context: context)
        }
    }

    @Test func anHonestAggregatePassesFromTheSpeculationAndReleasesItsUpdates() async throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: f.home) }
        f.verifier.speculate(task: f.state.taskRecord.id, round: 0, spec: f.state.taskRecord.spec, previousModelCID: nil, updates: f.inputs)
        try await Self.waitForSpeculation(f.verifier)
        let cid = try honestCID(f)
        try f.verifier.validate(commit(f, updates: f.hashes, modelCID: cid), context: Self.context(f))
        #expect(f.verifier.speculations.withLock { $0.count } == 0)
        #expect(f.verifier.prefetched.count == 0)   // the decoded updates were released
    }

    /// An aggregate naming a subset (an update was rejected) or another order is recomputed.
    @Test func otherInputsAreRecomputedNotTakenFromTheSpeculation() async throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: f.home) }
        f.verifier.speculate(task: f.state.taskRecord.id, round: 0, spec: f.state.taskRecord.spec, previousModelCID: nil, updates: f.inputs)
        try await Self.waitForSpeculation(f.verifier)
        for named in [Array(f.hashes.prefix(2)), [f.hashes[1], f.hashes[0], f.hashes[2]]] {
            let aggregate = CommitAggregate(task: f.state.taskRecord.id, round: 0, updates: named, modelCID: "x",
                                            metrics: NamedValues([:])!, privacySpent: [])
            #expect(f.verifier.speculated(aggregate, config: f.config, state: f.state) == nil)
        }
        #expect(f.verifier.speculations.withLock { $0.count } == 1)
    }

    @Test func theCacheKeepsTheLatestAndHandsEachOutOnce() throws {
        var cache = SpeculativeAggregates(capacity: 2)
        let model = GlobalModel(round: 1, parameters: [1], serverState: .init(count: 1))
        func inputs(_ round: UInt32) -> SpeculativeAggregates.Inputs {
            .init(task: Hash256.sha256([1]), round: round, previousModelCID: nil, updateCIDs: ["a"], sampleCounts: [1])
        }
        for round in 0..<3 { cache.insert(inputs(UInt32(round)), model: model, cid: "m\(round)") }
        #expect(cache.count == 2)
        #expect(cache.take(inputs(0)) == nil)
        #expect(cache.take(inputs(2))?.cid == "m2")
        #expect(cache.take(inputs(2)) == nil)
        var other = inputs(1)
        other.sampleCounts = [2]
        #expect(cache.take(other) == nil)
        #expect(cache.take(inputs(1))?.cid == "m1")
    }
}
