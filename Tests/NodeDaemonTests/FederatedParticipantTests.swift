import DataCatalog
import DataSets
import Federation
import Foundation
import Learning
import Ledger
import Logging
import Synchronization
@testable import NodeDaemon
import Tensor
import Testing

/// A federated task across four whole daemons over loopback TLS: every node trains its own
/// share, submits its update through its own mempool, the proposer aggregates as master, and
/// every validator re-computes the aggregate before committing it.
@Suite(.serialized)
struct FederatedParticipantTests {
    /// Two Gaussian blobs in 4-D (label 1 around +1, label 0 around −1), as in ConsortiumTests.
    static func blobs(_ n: Int, positiveRate: Double, rng: inout SeededGenerator) -> LabeledData {
        var x = [Float](), y = [Int]()
        for _ in 0..<n {
            let label = rng.uniform() < positiveRate ? 1 : 0
            for _ in 0..<4 { x.append(Float(rng.normal()) + (label == 1 ? 1 : -1)) }
            y.append(label)
        }
        return LabeledData(features: Tensor(shape: [n, 4], storage: x), labels: y, classCount: 2)
    }

    static func config(rounds: Int) -> FederatedTaskConfig {
        FederatedTaskConfig(name: "node-test", modelSpec: .mlp(features: 4, hidden: 6), rounds: rounds, batchSize: 16,
                            learningRate: 0.05, serverOptimizer: .fedAvg(learningRate: 1), seed: 3)
    }

    /// Four daemons with one share each, running, every share registered on every node.
    struct Running {
        let chain: TestChain
        let daemons: [NodeDaemon]
        let tasks: [Task<Void, any Error>]
        var runtimes: [NodeRuntime] { daemons.map(\.runtime) }
        var datasets: [String] { daemons.compactMap { $0.participant?.datasetCID } }

        /// Stops every daemon, then re-verifies every node's chain from genesis, aggregates
        /// recomputed from the blobs.
        func stopAndVerifyChains() async throws {
            for daemon in daemons { await daemon.triggerShutdown() }
            for t in tasks { try await t.value }
            for node in chain.layout.nodes {
                let (store, genesis) = try NodeHome(node.home).openStore()
                var verifier = ChainVerifier(store: store, genesis: genesis)
                verifier.domainValidators = [AggregateVerifier(blobs: try NodeHomeDiscovery.blobSource(for: node.home))]
                #expect(try verifier.verify().ok, "\(node.home)")
            }
        }
    }

    static func startFourDaemons(seed: UInt64) async throws -> Running {
        let chain = try TestChain(nodes: 4, basePort: NodeDaemonTests.freshBasePort())
        var rng = SeededGenerator(seed: seed)
        let shares = [(40, 0.2), (30, 0.5), (50, 0.8), (24, 0.6)].map { n, rate in
            ParticipantData(train: Self.blobs(n, positiveRate: rate, rng: &rng), validation: Self.blobs(10, positiveRate: rate, rng: &rng))
        }
        let daemons = try (0..<4).map { try NodeDaemon(setup: chain.setup($0), logger: NodeDaemonTests.logger, data: shares[$0]) }
        // A daemon that stops with an error (a port taken, say) is named in the failure below.
        final class Failures: Sendable { let list = Mutex<[String]>([]) }
        let failures = Failures()
        let running = Running(chain: chain, daemons: daemons, tasks: daemons.enumerated().map { i, daemon in
            Task {
                do { try await daemon.run() } catch {
                    failures.list.withLock { $0.append("node \(i): \(error)") }
                    throw error
                }
            }
        })
        let runtimes = running.runtimes
        // Each participant imports and registers its own share. Seconds alone; with the whole
        // suite (and once a release build) on two cores this test took 49–99 s in all.
        #expect(await eventually {
            for d in daemons {
                guard let cid = d.participant?.datasetCID else { return false }
                for runtime in runtimes where !(await runtime.read { $0?.state.dataset(cid) != nil }) { return false }
            }
            return true
        }, "registered: \(daemons.map { $0.participant?.datasetCID != nil }); daemons stopped: \(failures.list.withLock { $0 })")
        return running
    }

    @Test func fourDaemonsTrainAndAggregateTwoRoundsAndEveryNodeHoldsTheSameModels() async throws {
        let running = try await Self.startFourDaemons(seed: 11)
        defer { running.chain.remove() }
        let (chain, daemons, runtimes) = (running.chain, running.daemons, running.runtimes)
        let datasets = daemons.compactMap { $0.participant?.datasetCID }
        #expect(Set(datasets).count == 4)

        // The client publishes a 2-round FedAvg task over the four datasets.
        let config = Self.config(rounds: 2)
        let schema = DatasetManifest.schema(exampleShape: [4], classes: 2)
        let publish = Transaction(chainID: chain.layout.chainID, sender: chain.client.publicKey, nonce: 0,
                                  payload: .publishTask(config.publishTask(datasets: datasets, datasetSchema: schema)))
            .signed(by: chain.client)
        guard case .admitted = await runtimes[1].submit(publish.bytes) else { Issue.record("publish refused"); return }
        let task = publish.hash

        func models(_ runtime: NodeRuntime) async -> [String?] {
            await runtime.read { app in (0..<2).map { app?.state.aggregate(RoundKey(task: task, round: UInt32($0)))?.modelCID } }
        }
        #expect(await eventually {
            for runtime in runtimes where (await models(runtime)).contains(nil) { return false }
            return true
        })
        let reference = await models(runtimes[0])
        for runtime in runtimes { #expect(await models(runtime) == reference) }
        let (aggregates, finished) = await runtimes[2].read { app in
            ((0..<2).compactMap { app?.state.aggregate(RoundKey(task: task, round: UInt32($0))) }, app?.state.task(task)?.isFinished)
        }
        #expect(finished == true)
        #expect(aggregates.allSatisfy { $0.updates.count == 4 })
        let masters = Set(aggregates.map(\.aggregator))
        #expect(masters.isSubset(of: Set(chain.layout.nodes.map(\.publicKey))))
        // GET /federation's view says the same.
        let view = await runtimes[1].federation()
        #expect(view.datasets.count == 4)
        #expect(view.tasks.first?.aggregates.map(\.modelCID) == reference.compactMap { $0 })
        #expect(view.tasks.first?.aggregates.allSatisfy { $0.accepted.count == 4 && $0.submitted == 4 } == true)
        let submitted = daemons.map { $0.participant?.progress.submitted ?? 0 }
        #expect(submitted == [2, 2, 2, 2])

        // Independent truth: round 1's model is the initial model plus the sample-weighted mean
        // of the four dequantised updates (FedAvg, server learning rate 1).
        let initial = try GlobalModel.initial(config)
        let round1 = try #require(aggregates.first)
        var sum = [Double](repeating: 0, count: initial.parameters.count)
        var weight = 0.0
        for hash in round1.updates {
            let record = try #require(await runtimes[0].read { $0?.state.update(transaction: hash) })
            let update = try ModelUpdate(decoding: Data(runtimes[0].blobs.bytes(of: record.updateCID)))
            let delta = update.codec.decode(update.denseValues())
            for i in sum.indices { sum[i] += Double(delta[i]) * Double(record.sampleCount) }
            weight += Double(record.sampleCount)
        }
        let (committed, _) = try ModelFile.decode(Data(runtimes[3].blobs.bytes(of: round1.modelCID)), file: round1.modelCID)
        let expected = zip(initial.parameters, sum).map { $0 + Float($1 / weight) }
        let gap = zip(committed.flatParameters(), expected).map { abs($0 - $1) }.max() ?? 1
        #expect(gap < 1e-5)

        // The task is finished: every participant drops what it kept per round and per task.
        let participants = daemons.compactMap(\.participant)
        #expect(participants.count == 4)
        #expect(await eventually(30) { participants.allSatisfy { $0.retained.withLock { $0 == (0, 0) } } },
                "kept: \(participants.map { $0.retained.withLock { $0 } })")

        try await running.stopAndVerifyChains()
    }

    /// The same four daemons under DP: each node trains with DP-SGD (noise from the system's
    /// generator) or adds its share of the client-level noise, the master states each round's
    /// ε spend, every validator works it out again from the chain, and after the last round
    /// every dataset's ledger ε is the task's target.
    @Test(arguments: [FederatedPrivacy.Mode.sample, .client])
    func fourDaemonsRunADifferentiallyPrivateTaskAndTheLedgerReachesTheTargetEpsilon(mode: FederatedPrivacy.Mode) async throws {
        let running = try await Self.startFourDaemons(seed: 12)
        defer { running.chain.remove() }
        let (chain, runtimes, datasets) = (running.chain, running.runtimes, running.datasets)

        var config = Self.config(rounds: 2)
        config.privacy.mode = mode
        config.privacy.targetEpsilon = 4
        config.privacy.clipNorm = 1
        config = try config.resolvingClientNoise(hospitals: 4)
        let publish = Transaction(chainID: chain.layout.chainID, sender: chain.client.publicKey, nonce: 0,
                                  payload: .publishTask(config.publishTask(datasets: datasets,
                                                                           datasetSchema: DatasetManifest.schema(exampleShape: [4], classes: 2))))
            .signed(by: chain.client)
        guard case .admitted = await runtimes[0].submit(publish.bytes) else { Issue.record("publish refused"); return }
        let task = publish.hash
        #expect(await eventually {
            for runtime in runtimes where !(await runtime.read { $0?.state.task(task)?.isFinished == true }) { return false }
            return true
        })
        for runtime in runtimes {
            let spent = await runtime.read { app in datasets.map { app?.state.dataset($0)?.epsilonSpent.value ?? -1 } }
            for (cid, epsilon) in zip(datasets, spent) { #expect(abs(epsilon - 4) < 1e-3, "\(mode) \(cid): ledger ε \(epsilon)") }
        }
        try await running.stopAndVerifyChains()
    }
}
