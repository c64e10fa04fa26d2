import Consensus
import Foundation
import Ledger
@testable import NodeDaemon
import Testing

struct NodeConfigurationTests {
    static func decode(_ json: String) throws(NodeConfigurationError) -> NodeConfiguration {
        try NodeConfiguration.decode(Data(json.utf8), path: "node.json")
    }

    @Test func anEmptyObjectGivesTheDocumentedDefaults() throws {
        let c = try Self.decode("{}")
        #expect(c.chainID == nil)
        #expect(c.listen == NodeAddress(host: "0.0.0.0", port: 26_656))
        #expect(c.status == NodeAddress(host: "127.0.0.1", port: 26_657))
        #expect(c.status.isLoopback)
        #expect(c.peers.isEmpty)
        #expect(c.consensus.gossipIntervalMs == 1000)
        #expect(c.consensus.synchronousLog)
        #expect(c.consensus.emptyBlockIntervalMs == 1000)
        #expect(c.limits.maxMessageBytes == 20 << 20)
        #expect(c.limits.maxRequestBytes == 1 << 20)
        #expect(c.network.reconnectInitialMs == 100)
        #expect(c.network.reconnectMaxMs == 5000)
    }

    @Test func everyFieldOfTheFullExampleIsRead() throws {
        let url = Bundle.module.url(forResource: "Inputs/node-full", withExtension: "json")!
        let c = try NodeConfiguration.load(from: url)
        #expect(c.chainID == "hospital-consortium")
        #expect(c.listen == NodeAddress(host: "0.0.0.0", port: 27_000))
        #expect(c.status == NodeAddress(host: "127.0.0.1", port: 27_001))
        #expect(c.peers == ["hospital-b": NodeAddress(host: "10.0.0.2", port: 27_000), "hospital-c": NodeAddress(host: "::1", port: 27_002)])
        #expect(c.consensus.timeouts == NodeConfiguration.Timeouts(proposeMs: 1500, commitMs: 10))
        #expect(c.consensus.gossipIntervalMs == 250)
        #expect(!c.consensus.synchronousLog)
        #expect(c.consensus.emptyBlockIntervalMs == 0)
        #expect(c.limits == NodeConfiguration.Limits(maxMessageBytes: 1 << 20, maxRequestBytes: 4096, maxWaitMs: 5000))
        #expect(c.network == NodeConfiguration.Network(reconnectInitialMs: 50, reconnectMaxMs: 2000))
        #expect(c.paths == NodeConfiguration.Paths(ledger: "data/ledger.sqlite", wal: "/var/lib/medchain/wal"))
        #expect(c.participant == NodeConfiguration.Participant(data: "share.npz", epsilonBudget: 8, classes: 2))
    }

    @Test func writingAndReadingBackGivesTheSameConfiguration() throws {
        let url = Bundle.module.url(forResource: "Inputs/node-full", withExtension: "json")!
        let original = try NodeConfiguration.load(from: url)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("node-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: out) }
        try original.write(to: out)
        #expect(try NodeConfiguration.load(from: out) == original)
    }

    @Test func timeoutOverridesReplaceOnlyTheFieldsGiven() throws {
        let genesis = ConsensusParameters(timeoutProposeMs: 3000, timeoutPrevoteMs: 1000, timeoutPrecommitMs: 900)
        let policy = NodeConfiguration.Timeouts(proposeMs: 1500, commitMs: 10).policy(genesis: genesis)
        #expect(policy == TimeoutPolicy(proposeMs: 1500, proposeDeltaMs: 500, prevoteMs: 1000, prevoteDeltaMs: 500,
                                        precommitMs: 900, precommitDeltaMs: 500, commitMs: 10))
    }

    static let badFiles: [(json: String, field: String?, words: String)] = [
        (#"{"listen": 26656}"#, "listen", "expected a string"),
        (#"{"listen": "localhost"}"#, "listen", "HOST:PORT"),
        (#"{"status": "127.0.0.1:70000"}"#, "status", "0...65535"),
        (#"{"peers": {"b": "10.0.0.2:0"}}"#, "peers.b", "port 0"),
        (#"{"peers": ["10.0.0.2:1"]}"#, "peers", "an object"),
        (#"{"consensus": {"timeouts": {"proposeMs": -1}}}"#, "consensus.timeouts.proposeMs", "whole number ≥ 0"),
        (#"{"consensus": {"timeouts": {"commitMs": 1.5}}}"#, "consensus.timeouts.commitMs", "whole number"),
        (#"{"consensus": {"timeouts": {"proposeMs": 0}}}"#, "consensus.timeouts.proposeMs", "1...3600000"),
        (#"{"consensus": {"timeout": {}}}"#, "consensus.timeout", "unknown field"),
        (#"{"consensus": {"gossipIntervalMs": 1}}"#, "consensus.gossipIntervalMs", "at least 10"),
        (#"{"consensus": {"synchronousLog": "yes"}}"#, "consensus.synchronousLog", "true or false"),
        (#"{"limits": {"maxMessageBytes": 100}}"#, "limits.maxMessageBytes", "at least 65536"),
        (#"{"limits": {"maxRequestBytes": "big"}}"#, "limits.maxRequestBytes", "a number"),
        (#"{"network": {"reconnectInitialMs": 500, "reconnectMaxMs": 100}}"#, "network.reconnectMaxMs", "≥ reconnectInitialMs"),
        (#"{"paths": {"wal": ""}}"#, "paths.wal", "must not be empty"),
        (#"{"chainID": "has space"}"#, "chainID", "A-Z a-z 0-9"),
        (#"{"listen": "127.0.0.1:5000", "status": "127.0.0.1:5000"}"#, "status", "must differ"),
        (#"{"lisen": "127.0.0.1:5000"}"#, "lisen", "unknown field"),
        (#"{"participant": {}}"#, "participant.data", "is required"),
        (#"{"participant": {"data": "a.npz", "epsilonBudget": 0}}"#, "participant.epsilonBudget", "> 0"),
        (#"{"participant": {"data": "a.npz", "classes": 1.5}}"#, "participant.classes", "whole number"),
        (#"{"listen": "#, nil, "not valid JSON"),
    ]

    @Test(arguments: badFiles)
    func aBadFileIsRefusedNamingTheField(_ bad: (json: String, field: String?, words: String)) {
        do {
            _ = try Self.decode(bad.json)
            Issue.record("accepted \(bad.json)")
        } catch {
            #expect(error.field == bad.field, "\(error)")
            #expect(error.description.contains(bad.words), "\(error)")
            #expect(error.description.hasPrefix("node.json: "))
        }
    }

    @Test func aMissingFileSaysHowToCreateOne() {
        let url = URL(fileURLWithPath: "/nonexistent/node.json")
        #expect { try NodeConfiguration.load(from: url) } throws: { error in
            "\(error)".contains("/nonexistent/node.json") && "\(error)".contains("medchain testnet --no-start")
        }
    }

    @Test(arguments: [
        ("127.0.0.1:80", NodeAddress(host: "127.0.0.1", port: 80)),
        ("[::1]:26656", NodeAddress(host: "::1", port: 26_656)),
        ("hospital-b.example:0", NodeAddress(host: "hospital-b.example", port: 0)),
    ])
    func addressesParseAndPrintBack(_ text: String, _ expected: NodeAddress) {
        #expect(NodeAddress(parsing: text) == expected)
        #expect(expected.description == text)
    }

    @Test(arguments: ["", ":80", "host", "host:", "host:-1", "host:65536", "a b:1"])
    func malformedAddressesAreRefused(_ text: String) {
        #expect(NodeAddress(parsing: text) == nil)
    }
}
