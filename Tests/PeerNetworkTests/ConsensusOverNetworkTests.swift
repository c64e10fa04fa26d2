import Consensus
import Foundation
import Testing
@testable import Ledger
@testable import PeerNetwork

/// The real consensus code on real TLS links and the wall clock: four validators, each with
/// its own ledger, write-ahead log, `PeerNetwork` and serial queue.
struct ConsensusOverNetworkTests {
    static let trainer = TestPeers.key(200)

    struct Validator {
        var key: SigningKey
        var driver: SerialNodeDriver
        var network: PeerNetwork

        var address: PeerAddress { PeerAddress(host: "127.0.0.1", port: network.boundPort) }
    }

    static func genesis(_ keys: [SigningKey]) -> Genesis {
        var members = keys.enumerated().map { index, key in
            Genesis.Member(name: "hospital-\(index)", publicKey: key.publicKey, roles: [.validator, .trainer, .taskPublisher])
        }
        members.append(Genesis.Member(name: "lab", publicKey: trainer.publicKey, roles: [.trainer]))
        // An hour ago, so wall-clock block times come after it.
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        return Genesis(chainID: TestPeers.chainID, genesisTime: now - 3_600_000, members: members)
    }

    static func dataset(_ cid: String, nonce: UInt64) -> SignedTransaction {
        Transaction(chainID: TestPeers.chainID, sender: trainer.publicKey, nonce: nonce, payload: .registerDataset(RegisterDataset(
            manifestCID: cid, schema: "medmnist/pathmnist@1", recordCount: 10, labelCounts: [6, 4], epsilonBudget: Epsilon(2.0)!)))
        .signed(by: trainer)
    }

    /// Short but wall-clock-safe timeouts on a shared 2-core machine; a 200 ms pause after
    /// each commit keeps empty blocks from being made back to back.
    static let configuration = ConsensusNode.Configuration(
        timeouts: TimeoutPolicy(proposeMs: 1_000, proposeDeltaMs: 500, prevoteMs: 500, prevoteDeltaMs: 250,
                                precommitMs: 500, precommitDeltaMs: 250, commitMs: 200),
        synchronousLog: false, gossipIntervalMs: 500)

    /// Opens (or reopens) one validator from `home/<name>/` and starts its network.
    static func startValidator(_ key: SigningKey, keys: [SigningKey], genesis: Genesis, home: URL,
                               peers: [PublicKey: PeerAddress], listen: PeerAddress = TestPeers.loopback) async throws -> Validator {
        let name = genesis.members.first { $0.publicKey == key.publicKey }!.name
        let directory = home.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let driver = SerialNodeDriver(label: name)
        let network = try PeerNetwork(key: key, name: name,
                                      configuration: TestPeers.configuration(validators: keys, peers: peers, listen: listen,
                                                                             maxMessageBytes: 20 << 20),
                                      logger: CapturingLog().logger(), handler: driver.handle)
        try driver.attach { timers in
            let ledger = try Ledger(url: directory.appendingPathComponent("ledger.sqlite"), genesis: genesis)
            return try ConsensusNode(key: key, ledger: ledger, walURL: directory.appendingPathComponent("wal"),
                                     transport: network, timers: timers, configuration: configuration)
        }
        try await network.start()
        return Validator(key: key, driver: driver, network: network)
    }

    /// Starts validators highest key first, so each dialer knows its peers' ports.
    static func start(_ keys: [SigningKey], genesis: Genesis, home: URL) async throws -> [Validator] {
        var started: [PublicKey: Validator] = [:]
        for key in keys.reversed() {
            let peers = Dictionary(uniqueKeysWithValues: started.values.map { ($0.key.publicKey, $0.address) })
            started[key.publicKey] = try await startValidator(key, keys: keys, genesis: genesis, home: home, peers: peers)
        }
        return keys.map { started[$0.publicKey]! }
    }

    static func stop(_ validators: [Validator]) async throws {
        for validator in validators {
            validator.driver.stop()
            try await validator.network.shutdown()
        }
    }

    static func height(_ validator: Validator) throws -> UInt64 {
        try validator.driver.withNode { $0.application.tip.height }
    }

    static func has(_ validator: Validator, dataset cid: String) throws -> Bool {
        try validator.driver.withNode { $0.application.state.dataset(cid) != nil }
    }

    /// Every validator holds the same block at every height all of them reached, each with
    /// a certificate of at least 2f+1 = 3 precommits. Returns that height.
    @discardableResult
    static func checkAgreement(_ validators: [Validator]) throws -> UInt64 {
        let common = try #require(try validators.map(height).min())
        for height in stride(from: UInt64(1), through: common, by: 1) {
            let blocks = try validators.map { validator in
                try validator.driver.withNode { node in try #require(try node.ledger.store.committedBlock(at: height)) }
            }
            #expect(Set(blocks.map(\.block.id)).count == 1, "validators disagree at height \(height)")
            #expect(blocks.allSatisfy { $0.certificate.votes.count >= 3 })
        }
        return common
    }

    @Test func fourConsensusNodesCommitSignedTransactionsOverTLSAndAgreeOnEveryBlock() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("medchain-network-consensus-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let keys = TestPeers.keys(4)
        let genesis = Self.genesis(keys)
        let validators = try await Self.start(keys, genesis: genesis, home: home)
        #expect(await TestPeers.eventually { validators.allSatisfy { $0.network.connectedPeers.count == 3 } })
        for validator in validators { validator.driver.start() }

        // Signed transactions submitted to different validators, gossiped to the others.
        let transactions = (0..<4).map { Self.dataset("bafy-network-\($0)", nonce: UInt64($0)) }
        for (index, tx) in transactions.enumerated() {
            try validators[index % 2].driver.submit(tx)
            if index == 1 {
                // Let the first two land first so nonces 2 and 3 may go into a later block.
                #expect(try await TestPeers.eventually(timeoutSeconds: 120) {
                    try validators[0].driver.withNode { $0.application.state.dataset("bafy-network-1") != nil }
                })
            }
        }
        let committed = try await TestPeers.eventually(timeoutSeconds: 120) {
            try validators.allSatisfy { validator in
                try validator.driver.withNode { node in transactions.indices.allSatisfy { node.application.state.dataset("bafy-network-\($0)") != nil } }
            }
        }
        #expect(committed, "not every validator committed the four transactions")

        #expect(try Self.checkAgreement(validators) >= 2)
        let proposers = try await validators[0].driver.perform { node in Set(node.commits.map(\.proposer)) }
        #expect(proposers.isSubset(of: Set(keys.map(\.publicKey))) && !proposers.isEmpty)
        for validator in validators {
            #expect(validator.network.statistics.totalRefusals == 0)
            #expect(validator.network.statistics.framesIn > 0)
        }
        try await Self.stop(validators)
    }

    @Test func aStoppedValidatorIsNotNeededAndCatchesUpAfterRestartingFromItsFiles() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("medchain-network-restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let keys = TestPeers.keys(4)
        let genesis = Self.genesis(keys)
        var validators = try await Self.start(keys, genesis: genesis, home: home)
        #expect(await TestPeers.eventually { validators.allSatisfy { $0.network.connectedPeers.count == 3 } })
        for validator in validators { validator.driver.start() }
        try validators[0].driver.submit(Self.dataset("bafy-before", nonce: 0))
        #expect(try await TestPeers.eventually(timeoutSeconds: 120) { try validators.allSatisfy { try Self.has($0, dataset: "bafy-before") } })

        // Stop the last validator (it only listens; the others dial it).
        let stopped = validators[3]
        let address = stopped.address
        try await Self.stop([stopped])
        let running = Array(validators.prefix(3))
        #expect(await TestPeers.eventually { running.allSatisfy { $0.network.connectedPeers.count == 2 } })
        try running[1].driver.submit(Self.dataset("bafy-while-down", nonce: 1))
        #expect(try await TestPeers.eventually(timeoutSeconds: 120) { try running.allSatisfy { try Self.has($0, dataset: "bafy-while-down") } })
        let reached = try running.map(Self.height).min()!

        // Restart it from its ledger and write-ahead log on the same port: the dialers find it,
        // and it fetches the blocks it missed (block sync verifies their certificates).
        let peers = Dictionary(uniqueKeysWithValues: running.map { ($0.key.publicKey, $0.address) })
        validators[3] = try await Self.startValidator(keys[3], keys: keys, genesis: genesis, home: home, peers: peers, listen: address)
        validators[3].driver.start()
        #expect(await TestPeers.eventually { validators.allSatisfy { $0.network.connectedPeers.count == 3 } })
        #expect(try await TestPeers.eventually(timeoutSeconds: 120) {
            try Self.height(validators[3]) >= reached && Self.has(validators[3], dataset: "bafy-while-down")
        })
        try Self.checkAgreement(validators)
        try await Self.stop(validators)
    }
}
