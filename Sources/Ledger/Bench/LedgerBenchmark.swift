import Dispatch
import Foundation

/// `medchain bench ledger`: commits a realistic federated-learning workload through the real
/// single-validator path and measures it.
///
/// Workload: `trainers` hospitals each register a dataset; a publisher publishes one task over
/// all of them with `rounds` rounds; every round each hospital submits an update and the
/// validator commits the aggregate (listing every update and the ε spent on every dataset).
/// All transactions are signed by their senders before timing starts (signing is the
/// clients' work). The timed part takes the raw transaction bytes as they would arrive from
/// the network and, per block: decodes them and verifies every signature (spread over the
/// cores), executes every rule, builds the block (Merkle root, state root), signs and verifies
/// the commit certificate, and persists block, transactions and state rows in one SQLite
/// transaction (WAL, `synchronous = FULL`). Verification of block k+1 overlaps the execution
/// and persistence of block k.
public enum LedgerBenchmark {
    public struct Configuration: Sendable {
        public var trainers = 100
        public var rounds = 1000
        public var blockSize = 1000
        public var directory: URL
        public var keepDatabase = false

        public init(directory: URL) { self.directory = directory }
    }

    public struct Report: Sendable, Encodable {
        public var tx_per_second: Double
        public var blocks: Int
        public var block_size: Int
        public var transactions: Int
        public var seconds: Double
        /// CPU (all threads) spent per committed transaction: verification, execution, persistence.
        public var cpu_us_per_tx: Double
        /// Of that, the sequential part (execute, build, certify, persist) on one thread…
        public var sequential_cpu_us_per_tx: Double
        /// …split into proposing (rules, Merkle and state roots), persisting (one SQLite
        /// transaction, fsync included) and the rest (vote, certificate check, in-memory commit).
        public var propose_cpu_us_per_tx: Double
        public var persist_cpu_us_per_tx: Double
        /// Load-independent ceiling: the rate if the pipeline had every core to itself,
        /// `cores / cpu_us_per_tx`, capped by the sequential part (`1 / sequential_cpu_us_per_tx`).
        public var cpu_bound_tx_per_second: Double
        /// Ed25519 verifications per second across all cores, measured alone.
        public var verify_per_second: Double
        public var chain_verify_tx_per_second: Double
        public var chain_verify_seconds: Double
        public var chain_verify_cpu_us_per_tx: Double
        public var chain_verify_replay_cpu_us_per_tx: Double
        public var chain_verify_stored_state_cpu_us_per_tx: Double
        public var chain_verify_state_check_seconds: Double
        public var chain_verify_ok: Bool
        public var cores: Int
        public var trainers: Int
        public var rounds: Int
        public var state_rows: Int
        public var database_bytes: Int
        public var state_root: String
        public var database: String?
    }

    public static func run(_ configuration: Configuration, log: (String) -> Void = { _ in }) throws -> Report {
        let chainID = "medchain-bench"
        let validator = try SigningKey(seed: Hash256.sha256(Array("medchain bench validator".utf8)).bytes)
        let trainers = try (0..<configuration.trainers).map {
            try SigningKey(seed: Hash256.sha256(Array("medchain bench trainer \($0)".utf8)).bytes)
        }
        var members = [Genesis.Member(name: "validator", publicKey: validator.publicKey, roles: [.validator, .taskPublisher])]
        members += trainers.enumerated().map { Genesis.Member(name: "hospital-\($0.offset)", publicKey: $0.element.publicKey, roles: .trainer) }
        let genesis = Genesis(chainID: chainID, genesisTime: 1_767_225_600_000, members: members,
                              limits: Limits(maxTransactionBytes: 256 * 1024, maxBlockBytes: 64 << 20,
                                             maxBlockTransactions: max(configuration.blockSize, 10_000)))

        log("signing \(configuration.trainers * (configuration.rounds + 1) + configuration.rounds + 1) transactions")
        let workload = makeWorkload(chainID: chainID, validator: validator, trainers: trainers, rounds: configuration.rounds)

        // The scratch directory is a node home, so `medchain chain verify --home DIR` works on it.
        try? FileManager.default.removeItem(at: configuration.directory)
        let home = try NodeHome.initialize(at: configuration.directory.path, name: "bench-validator", key: validator)
        try home.install(genesis)
        let url = home.databaseURL(chainID)
        let ledger = try Ledger(url: url, genesis: genesis)
        let node = LocalValidator(ledger: ledger, key: validator, clock: SystemClock())
        let blocks = stride(from: 0, to: workload.count, by: configuration.blockSize).map {
            Array(workload[$0..<min(workload.count, $0 + configuration.blockSize)])
        }

        log("committing \(workload.count) transactions in \(blocks.count) blocks")
        let maxBytes = genesis.limits.maxTransactionBytes
        let start = DispatchTime.now()
        let cpuStart = CPUTime.process()
        var sequentialCPU = 0.0, proposeCPU = 0.0
        let persistCPU = CPUCounter()
        ledger.store.persistTimer = persistCPU
        var previous: [VerifiedTransaction]? = nil
        var failure: (any Error)? = nil
        for index in 0...blocks.count {
            let incoming = index < blocks.count ? blocks[index] : []
            let slots = ParallelSlots<Result<VerifiedTransaction, TransactionRejection>>(count: incoming.count)
            let chunk = 32
            let toCommit = previous
            Parallel.overlap(sequential: {
                guard let toCommit, failure == nil else { return }
                let threadStart = CPUTime.thread()
                defer { sequentialCPU += CPUTime.thread() - threadStart }
                do {
                    let proposeStart = CPUTime.thread()
                    let proposal = try node.propose(toCommit)
                    proposeCPU += CPUTime.thread() - proposeStart
                    if let rejected = proposal.rejected.first { throw LedgerError.transaction(rejected.rejection) }
                    try node.commit(proposal.staged)
                } catch {
                    failure = error
                }
            }, count: (incoming.count + chunk - 1) / chunk, parallel: { c in
                for i in (c * chunk)..<min(incoming.count, (c + 1) * chunk) {
                    slots.set(i, Result { () throws(TransactionRejection) -> VerifiedTransaction in
                        try TransactionVerifier.verify(incoming[i], maxBytes: maxBytes)
                    })
                }
            })
            if let failure { throw failure }
            previous = try slots.results.map { try $0.get() }
        }
        let seconds = elapsed(since: start)
        let commitCPU = CPUTime.process() - cpuStart
        let committed = workload.count
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let cpuPerTx = commitCPU / Double(committed), sequentialPerTx = sequentialCPU / Double(committed)

        log("measuring Ed25519 verification alone")
        let sample = Array(workload.prefix(20_000)).map { try! SignedTransaction(decoding: $0) }
        let verifyStart = DispatchTime.now()
        let valid = TransactionVerifier.parallelMap(sample.count) { sample[$0].hasValidSignature }
        let verifyRate = Double(sample.count) / elapsed(since: verifyStart)
        precondition(valid.allSatisfy { $0 })

        log("verifying the chain from genesis")
        let verifyCPUStart = CPUTime.process()
        let report = try ChainVerifier(store: ledger.store, genesis: genesis).verify()
        let verifyCPU = CPUTime.process() - verifyCPUStart
        let databaseBytes = ["", "-wal"].reduce(0) { sum, suffix in
            sum + ((try? FileManager.default.attributesOfItem(atPath: url.path + suffix)[.size] as? Int) ?? 0)
        }
        let result = Report(
            tx_per_second: Double(committed) / seconds, blocks: blocks.count, block_size: configuration.blockSize,
            transactions: committed, seconds: seconds, cpu_us_per_tx: cpuPerTx * 1e6, sequential_cpu_us_per_tx: sequentialPerTx * 1e6,
            propose_cpu_us_per_tx: proposeCPU / Double(committed) * 1e6, persist_cpu_us_per_tx: persistCPU.seconds / Double(committed) * 1e6,
            cpu_bound_tx_per_second: min(Double(cores) / cpuPerTx, 1 / sequentialPerTx), verify_per_second: verifyRate,
            chain_verify_tx_per_second: report.transactionsPerSecond, chain_verify_seconds: report.seconds,
            chain_verify_cpu_us_per_tx: verifyCPU / Double(committed) * 1e6,
            chain_verify_replay_cpu_us_per_tx: report.replayCPUSeconds / Double(committed) * 1e6,
            chain_verify_stored_state_cpu_us_per_tx: report.storedStateCPUSeconds / Double(committed) * 1e6,
            chain_verify_state_check_seconds: report.stateCheckSeconds,
            chain_verify_ok: report.ok, cores: cores, trainers: configuration.trainers,
            rounds: configuration.rounds, state_rows: ledger.application.state.rowCount, database_bytes: databaseBytes,
            state_root: ledger.tip.stateRoot.hex, database: configuration.keepDatabase ? configuration.directory.path : nil)
        if let problem = report.problem { throw StoreError.corrupt("benchmark chain failed verification: \(problem)") }
        if !configuration.keepDatabase { try? FileManager.default.removeItem(at: configuration.directory) }
        return result
    }

    /// Signs the whole workload in chain order; each round's updates are signed in parallel.
    static func makeWorkload(chainID: String, validator: SigningKey, trainers: [SigningKey], rounds: Int) -> [[UInt8]] {
        let datasets = trainers.indices.map { String(format: "bafy-bench-dataset-%05d", $0) }
        var workload: [[UInt8]] = []
        workload.reserveCapacity((trainers.count + 1) * (rounds + 1))
        workload += TransactionVerifier.parallelMap(trainers.count) { i in
            Transaction(chainID: chainID, sender: trainers[i].publicKey, nonce: 0, payload: .registerDataset(RegisterDataset(
                manifestCID: datasets[i], schema: "medmnist/pathmnist@1", recordCount: 1000, labelCounts: [100, 200, 300, 400],
                epsilonBudget: Epsilon(Double(rounds))!))).signed(by: trainers[i]).bytes
        }
        let spec = PublishTask(name: "bench-task", modelSpec: #"{"layers":[{"conv":8},{"dense":9}]}"#, datasets: datasets,
                               datasetSchema: "medmnist/pathmnist@1", rounds: UInt32(rounds),
                               hyperParameters: NamedValues(["learningRate": 0.01])!, aggregation: "fedavg",
                               privacy: PrivacyPolicy(mode: .local, epsilonPerRound: Epsilon(0.5)!, delta: 1e-5, clippingNorm: 1,
                                                      homomorphicEncryption: false, partialFraction: 1))
        let publish = Transaction(chainID: chainID, sender: validator.publicKey, nonce: 0, payload: .publishTask(spec)).signed(by: validator)
        workload.append(publish.bytes)
        for round in 0..<rounds {
            let updates = TransactionVerifier.parallelMap(trainers.count) { i in
                Transaction(chainID: chainID, sender: trainers[i].publicKey, nonce: UInt64(round + 1), payload: .submitUpdate(SubmitUpdate(
                    task: publish.hash, round: UInt32(round), updateCID: "bafy-update-\(round)-\(i)", sampleCount: 1000, norm: 0.9,
                    metrics: NamedValues(["accuracy": 0.5 + Double(round % 50) / 100, "loss": 0.7])!))).signed(by: trainers[i])
            }
            workload += updates.map(\.bytes)
            let aggregate = CommitAggregate(task: publish.hash, round: UInt32(round), updates: updates.map(\.hash),
                                            modelCID: "bafy-model-\(round)", metrics: NamedValues(["accuracy": 0.8])!,
                                            privacySpent: datasets.map { .init(dataset: $0, epsilon: Epsilon(0.5)!) })
            workload.append(Transaction(chainID: chainID, sender: validator.publicKey, nonce: UInt64(round + 1),
                                        payload: .commitAggregate(aggregate)).signed(by: validator).bytes)
        }
        return workload
    }

    static func elapsed(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
