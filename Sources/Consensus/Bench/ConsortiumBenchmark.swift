import Foundation
import Ledger

/// Throughput of the consensus core with every validator in one process (`Consortium` over
/// the simulated network with zero delay): `senders × perSender` signed transactions are
/// submitted (each admitted by every mempool: 4 signature checks at n = 4), then blocks are
/// committed until all are in. Wall-clock figures; the consensus rounds themselves cost no
/// virtual waiting beyond the message delays.
public struct ConsortiumBenchmark {
    public struct Result: Codable, Sendable {
        public var nodes: Int
        public var transactions: Int
        public var blocks: Int
        public var seconds: Double
        public var submitSeconds: Double
        public var txPerSecond: Double
        public var p50CommitMs: Double
        public var p99CommitMs: Double

        enum CodingKeys: String, CodingKey {
            case nodes, transactions, blocks, seconds
            case submitSeconds = "submit_seconds"
            case txPerSecond = "tx_per_second"
            case p50CommitMs = "p50_commit_ms"
            case p99CommitMs = "p99_commit_ms"
        }
    }

    public var nodes: Int
    public var senders: Int
    public var perSender: Int
    public var seed: UInt64

    public init(nodes: Int = 4, senders: Int = 100, perSender: Int = 100, seed: UInt64 = 1) {
        self.nodes = nodes
        self.senders = senders
        self.perSender = perSender
        self.seed = seed
    }

    public func run(in directory: URL) throws -> Result {
        var rng = SplitMix64(seed: seed)
        func key() throws -> SigningKey { try SigningKey(seed: (0..<4).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } }) }
        let validators = try (0..<nodes).map { _ in try key() }
        let trainers = try (0..<senders).map { _ in try key() }
        var members = validators.enumerated().map { index, key in
            Genesis.Member(name: "validator-\(index)", publicKey: key.publicKey, roles: [.validator])
        }
        members += trainers.enumerated().map { index, key in
            Genesis.Member(name: "trainer-\(index)", publicKey: key.publicKey, roles: [.trainer])
        }
        let genesis = Genesis(chainID: "bench-consensus", genesisTime: 1_767_225_600_000, members: members)
        var configuration = ConsensusNode.Configuration(timeouts: TimeoutPolicy(genesis: genesis.consensus))
        configuration.synchronousLog = true
        let consortium = try Consortium(genesis: genesis, keys: validators, home: directory, configuration: configuration,
                                        conditions: NetworkConditions(minDelayMs: 0, maxDelayMs: 0))
        // Sign everything first: signing is the clients' cost, not the chain's.
        var transactions: [SignedTransaction] = []
        for nonce in 0..<perSender {
            for (index, trainer) in trainers.enumerated() {
                let payload = TransactionPayload.registerDataset(RegisterDataset(
                    manifestCID: "bafy-bench-\(index)-\(nonce)", schema: "bench@1", recordCount: 1, labelCounts: [1],
                    epsilonBudget: Epsilon(1.0)!))
                transactions.append(Transaction(chainID: genesis.chainID, sender: trainer.publicKey, nonce: UInt64(nonce),
                                                payload: payload).signed(by: trainer))
            }
        }
        let start = ContinuousClock.now
        var submitted: [Hash256: Duration] = [:]
        for tx in transactions {
            try consortium.submit(tx)
            submitted[tx.hash] = ContinuousClock.now - start
        }
        let submitDone = ContinuousClock.now - start
        var latencies: [Double] = []
        var blocks = 0
        while latencies.count < transactions.count {
            let record = try consortium.commitNextBlock()
            let now = ContinuousClock.now - start
            blocks += 1
            for bytes in record.block.block.transactions {
                if let at = submitted[Hash256.sha256(bytes)] { latencies.append(Self.milliseconds(now - at)) }
            }
        }
        let total = Self.milliseconds(ContinuousClock.now - start) / 1000
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return Result(nodes: nodes, transactions: transactions.count, blocks: blocks, seconds: total,
                      submitSeconds: Self.milliseconds(submitDone) / 1000, txPerSecond: Double(transactions.count) / total,
                      p50CommitMs: percentile(0.5), p99CommitMs: percentile(0.99))
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) * 1e-15
    }
}
