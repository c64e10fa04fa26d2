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

    /// Starts validators highest key first, so each dialer knows its peers' ports.
    static func start(_ keys: [SigningKey], genesis: Genesis, home: URL) async throws -> [Validator] {
        // Short but wall-clock-safe timeouts on a shared 2-core machine.
        let configuration = ConsensusNode.Configuration(
            timeouts: TimeoutPolicy(proposeMs: 1_000, proposeDeltaMs: 500, prevoteMs: 500, prevoteDeltaMs: 250,
                                    precommitMs: 500, precommitDeltaMs: 250),
            synchronousLog: false, gossipIntervalMs: 500)
        var started: [PublicKey: Validator] = [:]
        for key in keys.reversed() {
            let name = genesis.members.first { $0.publicKey == key.publicKey }!.name
            let directory = home.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let driver = SerialNodeDriver(label: name)
            let peers = Dictionary(uniqueKeysWithValues: started.values.map {
                ($0.key.publicKey, PeerAddress(host: "127.0.0.1", port: $0.network.boundPort))
            })
            let network = try PeerNetwork(key: key, name: name, configuration: TestPeers.configuration(validators: keys, peers: peers,
                                                                                                      maxMessageBytes: 20 << 20),
                                          logger: CapturingLog().logger(), handler: driver.handle)
            try driver.attach { timers in
                let ledger = try Ledger(url: directory.appendingPathComponent("ledger.sqlite"), genesis: genesis)
                return try ConsensusNode(key: key, ledger: ledger, walURL: directory.appendingPathComponent("wal"),
                                         transport: network, timers: timers, configuration: configuration)
            }
            try await network.start()
            started[key.publicKey] = Validator(key: key, driver: driver, network: network)
        }
        return keys.map { started[$0.publicKey]! }
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
                #expect(try await TestPeers.eventually(timeoutSeconds: 30) {
                    try validators[0].driver.withNode { $0.application.state.dataset("bafy-network-1") != nil }
                })
            }
        }
        let committed = try await TestPeers.eventually(timeoutSeconds: 60) {
            try validators.allSatisfy { validator in
                try validator.driver.withNode { node in transactions.indices.allSatisfy { node.application.state.dataset("bafy-network-\($0)") != nil } }
            }
        }
        #expect(committed, "not every validator committed the four transactions")

        // Agreement: the same block at every height on every node, each with a 2f+1 certificate.
        let heights = try validators.map { validator in try validator.driver.withNode { $0.application.tip.height } }
        let common = try #require(heights.min())
        #expect(common >= 2)
        for height in 1...common {
            let blocks = try validators.map { validator in
                try validator.driver.withNode { node in try #require(try node.ledger.store.committedBlock(at: height)) }
            }
            #expect(Set(blocks.map(\.block.id)).count == 1, "validators disagree at height \(height)")
            #expect(blocks[0].certificate.votes.count >= 3)
        }
        for validator in validators {
            #expect(validator.network.statistics.totalRefusals == 0)
            #expect(validator.network.statistics.framesIn > 0)
        }
        for validator in validators {
            validator.driver.stop()
            try await validator.network.shutdown()
        }
    }
}
