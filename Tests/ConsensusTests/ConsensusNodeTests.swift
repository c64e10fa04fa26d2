import Foundation
import Testing
@testable import Consensus
@testable import Ledger

/// A transport and timer service that only records, for driving one node by hand.
final class RecordingNetwork: ConsensusTransport, ConsensusTimers {
    var now: UInt64 = TestNet.genesisTime + 1
    var sent: [(from: PublicKey, to: PublicKey, bytes: [UInt8])] = []
    var timers: [NodeTimer] = []

    func send(_ bytes: [UInt8], from sender: PublicKey, to peer: PublicKey) { sent.append((sender, peer, bytes)) }
    func schedule(_ timer: NodeTimer, for node: PublicKey, afterMs: UInt64) { timers.append(timer) }

    func votes(from key: PublicKey) -> [SignedVote] {
        sent.compactMap { item -> SignedVote? in
            guard item.from == key, case .vote(let vote)? = try? ConsensusMessage(decoding: item.bytes, chainID: TestNet.chainID, maxBytes: .max)
            else { return nil }
            return vote
        }
    }
}

struct ConsensusNodeTests {
    static let keys = TestNet.validatorKeys(4)
    static let genesis = TestNet.genesis(validators: keys)

    /// A proposal at height 1 by the round's proposer, registering dataset `cid`.
    static func proposal(round: UInt32, timestamp: UInt64, cid: String) throws -> ProposalMessage {
        let app = try LedgerApplication(genesis: genesis)
        let schedule = ConsensusCheckpoint.genesis(app, rules: ConsensusRules()).schedule
        let proposer = keys.first { $0.publicKey == schedule.proposer(round: round) }!
        let tx = try TransactionVerifier.verify(TestNet.dataset(cid, signer: TestNet.trainer, nonce: 0), maxBytes: 65536)
        let block = app.propose([tx], proposer: proposer.publicKey, timestamp: timestamp).block
        #expect(block.transactions.count == 1)
        return ProposalMessage.make(chainID: TestNet.chainID, round: round, polRound: nil, block: block, accused: [], key: proposer)
    }

    /// The verdict on a proposal can change across a restart (here a domain validator is
    /// installed in between, as when a blob an aggregate needs is no longer reachable): the
    /// replayed state machine then wants a nil prevote where the node already prevoted the
    /// block. The log makes it re-send the signed vote instead of signing a conflicting one.
    @Test func aRestartedNodeNeverSignsAVoteThatConflictsWithItsLog() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let app = try LedgerApplication(genesis: Self.genesis)
        let schedule = ConsensusCheckpoint.genesis(app, rules: ConsensusRules()).schedule
        let me = Self.keys.first { $0.publicKey != schedule.proposer(round: 0) }!
        let databaseURL = directory.appendingPathComponent("ledger.sqlite")
        let walURL = directory.appendingPathComponent("wal")
        let x = try Self.proposal(round: 0, timestamp: TestNet.genesisTime + 100, cid: "bafy-bad-1")

        // First life: no domain check; the node prevotes X, then crashes.
        do {
            let network = RecordingNetwork()
            let ledger = try Ledger(url: databaseURL, genesis: Self.genesis)
            let node = try ConsensusNode(key: me, ledger: ledger, walURL: walURL, transport: network, timers: network,
                                         configuration: TestNet.configuration)
            node.start()
            node.receive(ConsensusMessage.proposal(x).encoded(chainID: TestNet.chainID), from: x.signed.proposer)
            #expect(Set(network.votes(from: me.publicKey).map(\.blockID)) == [x.block.id])
        }

        // Second life: the domain check now refuses X.
        let network = RecordingNetwork()
        let ledger = try Ledger(url: databaseURL, genesis: Self.genesis)
        ledger.application.domainValidators = [RefuseBadDatasets()]
        let node = try ConsensusNode(key: me, ledger: ledger, walURL: walURL, transport: network, timers: network,
                                     configuration: TestNet.configuration)
        node.start()
        let prevotes = network.votes(from: me.publicKey).filter { $0.type == .prevote && $0.round == 0 }
        #expect(!prevotes.isEmpty)
        #expect(Set(prevotes.map(\.blockID)) == [x.block.id])        // the logged vote, re-sent; no nil prevote
        #expect(node.accusations.count == 1)                          // X is now seen as invalid
        // Timing out the proposal does not make it sign a nil prevote either.
        node.fire(.round(height: 1, round: 0, step: .propose))
        #expect(network.votes(from: me.publicKey).allSatisfy { $0.blockID == x.block.id })
    }

    @Test func oversizedMalformedAndForeignMessagesAreRefusedAndTheNodeKeepsRunning() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try Ledger(url: directory.appendingPathComponent("ledger.sqlite"), genesis: Self.genesis)
        let network = RecordingNetwork()
        var configuration = TestNet.configuration
        configuration.maxMessageBytes = 4096
        let node = try ConsensusNode(key: Self.keys[0], ledger: ledger, walURL: directory.appendingPathComponent("wal"),
                                     transport: network, timers: network, configuration: configuration)
        node.start()
        let peer = Self.keys[1]
        node.receive([UInt8](repeating: 7, count: 5000), from: peer.publicKey)
        node.receive([1, 2, 3], from: peer.publicKey)
        let outsider = TestNet.key(99)
        let foreign = SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 1, round: 0, blockID: nil, key: outsider)
        node.receive(ConsensusMessage.vote(foreign).encoded(chainID: TestNet.chainID), from: outsider.publicKey)
        var forged = SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 1, round: 0, blockID: nil, key: peer)
        forged.blockID = Hash256.sha256([1])
        node.receive(ConsensusMessage.vote(forged).encoded(chainID: TestNet.chainID), from: peer.publicKey)
        let replayed = SignedVote.sign(.prevote, chainID: "old-chain", height: 1, round: 0, blockID: nil, key: peer)
        node.receive(ConsensusMessage.vote(replayed).encoded(chainID: "old-chain"), from: peer.publicKey)
        #expect(node.refusals == ["oversized": 1, "malformed": 1, "unknown-peer": 1, "bad-signature": 1, "wrong-chain": 1])
        #expect(!node.isHalted)
        // Still works: a real vote is taken.
        let before = node.machine.countAll(.prevote, round: 0)
        let real = SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 1, round: 0, blockID: nil, key: peer)
        node.receive(ConsensusMessage.vote(real).encoded(chainID: TestNet.chainID), from: peer.publicKey)
        #expect(node.machine.countAll(.prevote, round: 0) == before + 1)
    }
}
