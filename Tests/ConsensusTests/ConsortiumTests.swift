import Foundation
import Testing
@testable import Consensus
@testable import Ledger

struct ConsortiumTests {
    static func make(_ directory: URL, n: Int = 4, seed: UInt64 = 1, conditions: NetworkConditions = .reliable,
                     rules: ConsensusRules = ConsensusRules()) throws -> Consortium {
        let keys = TestNet.validatorKeys(n)
        var configuration = TestNet.configuration
        configuration.rules = rules
        return try Consortium(genesis: TestNet.genesis(validators: keys), keys: keys, home: directory, configuration: configuration,
                              conditions: conditions, seed: seed, domainValidators: { _ in [RefuseBadDatasets()] })
    }

    /// Every honest node holds the same chain, each block verifies from genesis with its
    /// certificate, and a full `ChainVerifier` replay of every node's database passes.
    static func checkAgreement(_ consortium: Consortium, replayEveryNode: Bool = true) throws {
        let honest = consortium.honestKeys.compactMap { consortium.node($0) }
        let height = honest.map { $0.application.tip.height }.min() ?? 0
        for h in stride(from: UInt64(1), through: height, by: 1) {
            let ids = Set(try honest.map { try #require(try $0.ledger.store.committedBlock(at: h)).block.id })
            #expect(ids.count == 1, "honest nodes disagree at height \(h)")
        }
        for node in replayEveryNode ? honest : Array(honest.prefix(1)) {
            let verifier = ChainVerifier(store: node.ledger.store, genesis: consortium.genesis)
            var checked = verifier
            checked.domainValidators = [EvidenceValidator(), RefuseBadDatasets()]
            let report = try checked.verify()
            #expect(report.ok, "\(report.problem.map(\.description) ?? "")")
        }
    }

    @Test func fourHonestValidatorsCommitASubmittedTransaction() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory)
        let tx = TestNet.dataset("bafy-good", signer: TestNet.trainer, nonce: 0)
        try consortium.submit(tx)
        let records = try consortium.runUntilCommitted([tx.hash])
        let last = try #require(records.last)
        #expect(last.block.block.transactions.contains(tx.bytes))
        #expect(consortium.validators.contains(last.proposer))
        #expect(last.block.certificate.votes.count >= 3)
        for key in consortium.validators {
            let node = try #require(consortium.node(key))
            #expect(node.application.state.dataset("bafy-good") != nil)
            #expect(node.refusals.isEmpty)
        }
        try Self.checkAgreement(consortium)
        // The master rotates: with equal reputation, 8 blocks are proposed by all 4.
        var proposers = Set<PublicKey>()
        for _ in 0..<8 { proposers.insert(try consortium.commitNextBlock().proposer) }
        #expect(proposers.count == 4)
    }

    @Test func aMasterProposingInvalidBlocksIsBlacklistedSlashedAndLaterRedeemed() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory, rules: ConsensusRules(redemptionHeights: 4))
        let liar = consortium.validators[0]            // the first master
        consortium.setBehaviour(.invalidBlocks, for: liar)
        let first = try consortium.commitNextBlock()
        #expect(first.proposer != liar)
        #expect(first.round >= 1)
        let evidence = try #require(first.evidence.first)
        #expect(evidence.offender == liar && evidence.kind == .invalidBlock)
        #expect(first.blacklist == [liar])
        let honest = try #require(consortium.node(consortium.honestKeys[0]))
        #expect(honest.application.state.member(liar)?.reputation == 50)
        // Blacklisted: never a master while listed; the next header carries the list.
        let second = try consortium.commitNextBlock()
        #expect(second.block.block.header.blacklist == [liar])
        #expect(second.proposer != liar)
        // Honest again: after K = 4 honest heights it leaves the list.
        consortium.setBehaviour([], for: liar)
        var records: [CommitRecord] = [second]
        while records.count < 8 { records.append(try consortium.commitNextBlock()) }
        #expect(records.contains { $0.blacklist.isEmpty })
        try Self.checkAgreement(consortium)
    }

    @Test func aLyingMasterWhoseBlockFailsADomainValidatorIsCaughtAsAWrongAggregate() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory)
        let liar = consortium.validators[0]
        consortium.setBehaviour(.lyingMaster, for: liar)
        consortium.setContributor(OneShotContributor([TestNet.dataset("bafy-bad-model", signer: TestNet.trainer, nonce: 0)]), for: liar)
        let record = try consortium.commitNextBlock()
        let evidence = try #require(record.evidence.first)
        #expect(evidence.kind == .invalidAggregate && evidence.offender == liar)
        #expect(record.blacklist == [liar])
        for key in consortium.honestKeys {
            #expect(consortium.node(key)?.application.state.dataset("bafy-bad-model") == nil)
        }
        try Self.checkAgreement(consortium)
    }

    @Test func equivocationIsCommittedAsEvidenceAndSlashes() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory)
        let cheat = consortium.validators[3]
        consortium.setBehaviour(.equivocate, for: cheat)
        var found: Evidence?
        for _ in 0..<6 where found == nil {
            found = try consortium.commitNextBlock().evidence.first { $0.kind == .equivocation }
        }
        let evidence = try #require(found)
        #expect(evidence.offender == cheat)
        #expect(DuplicateVoteEvidence(evidence: evidence)?.verify(chainID: TestNet.chainID) == true)
        let honest = try #require(consortium.node(consortium.honestKeys[0]))
        #expect((honest.application.state.member(cheat)?.reputation ?? 100) < 100)
        try Self.checkAgreement(consortium)
    }

    @Test func garbageAndSilenceAreRefusedOrSurvived() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory)
        consortium.setBehaviour([.garbage], for: consortium.validators[1])
        for _ in 0..<4 { try consortium.commitNextBlock() }
        let honest = try #require(consortium.node(consortium.validators[0]))
        #expect((honest.refusals["malformed"] ?? 0) > 0)
        #expect((honest.refusals["bad-signature"] ?? 0) > 0)
        #expect((honest.refusals["wrong-chain"] ?? 0) > 0)
        consortium.setBehaviour(.silent, for: consortium.validators[1])
        for _ in 0..<4 { try consortium.commitNextBlock() }
        try Self.checkAgreement(consortium)
    }

    @Test func replayedVotesOfAFinishedHeightAreIgnoredAndChangeNothing() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory)
        for _ in 0..<3 { try consortium.commitNextBlock() }
        let target = try #require(consortium.node(consortium.validators[0]))
        let tip = target.application.tip
        let ignoredBefore = target.ignored
        // Validly signed prevotes and precommits of height 1 (Ed25519 is deterministic, so
        // those for block 1 in round 0 are the very votes sent then), replayed by a peer long
        // after that height was committed, plus votes for another block at that old height.
        let block1 = try #require(try target.ledger.store.committedBlock(at: 1))
        let peer = consortium.validators[1]
        var replayed = 0
        for key in consortium.keys where key.publicKey != target.publicKey {
            for type in [VoteType.prevote, .precommit] {
                for id in [block1.block.id, Hash256.sha256([9])] {
                    let vote = SignedVote.sign(type, chainID: TestNet.chainID, height: 1, round: 0, blockID: id, key: key)
                    target.receive(ConsensusMessage.vote(vote).encoded(chainID: TestNet.chainID), from: peer)
                    replayed += 1
                }
            }
        }
        #expect(target.ignored == ignoredBefore + replayed)
        #expect(target.refusals.isEmpty)
        #expect(target.equivocations.isEmpty, "old votes are not turned into evidence against honest validators")
        #expect(target.application.tip == tip)
        #expect(!target.isHalted)
        // The chain goes on.
        try consortium.commitNextBlock()
        #expect(target.application.tip.height == tip.height + 1)
        try Self.checkAgreement(consortium)
    }

    @Test func aCrashedNodeRestartsFromItsLogAndCatchesUpByBlockSync() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory)
        try consortium.commitNextBlock()
        let victim = consortium.validators[2]
        consortium.crash(victim)
        for _ in 0..<5 { try consortium.commitNextBlock() }        // 3 of 4 keep committing
        try consortium.restart(victim)
        let target = try #require(consortium.node(consortium.validators[0])).application.tip.height
        consortium.settle(height: target, timeoutMs: 60_000)
        #expect(try #require(consortium.node(victim)).application.tip.height >= target)
        try consortium.commitNextBlock()
        try Self.checkAgreement(consortium)
        // No node ever saw the restarted node sign two votes for one slot.
        for key in consortium.validators {
            #expect(consortium.node(key)?.equivocations.values.contains { $0.offender == victim } != true)
        }
    }

    /// A height's checkpoint is appended to the log without a sync of its own, so a crash can
    /// lose it (and everything after it) while the committed block stays in the ledger. The
    /// restarted node derives it from the previous checkpoint and the tip block.
    @Test func aNodeThatLostItsNewestCheckpointRestoresItFromTheLedger() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory)
        for _ in 0..<3 { try consortium.commitNextBlock() }
        let victim = consortium.validators[2]
        let node = try #require(consortium.node(victim))
        let (url, expected) = (node.wal.url, node.checkpoint)
        consortium.crash(victim)
        let records = WriteAheadLog.read(url)
        let newest = try #require(records.lastIndex { if case .checkpoint = $0 { true } else { false } })
        #expect(records[newest] == .checkpoint(expected))
        #expect(records[..<newest].contains { if case .checkpoint(let c) = $0 { c.height + 1 == expected.height } else { false } })
        let kept = records[..<newest].reduce(0) { $0 + WriteAheadLog.frame($1).count }
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(kept))
        try handle.close()

        try consortium.restart(victim)
        #expect(try #require(consortium.node(victim)).checkpoint == expected)
        try consortium.commitNextBlock()
        try Self.checkAgreement(consortium)
    }

    @Test func twoCrashedNodesStopProgressWithoutForkingAndRestartingResumesIt() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory)
        try consortium.commitNextBlock()
        let height = try #require(consortium.node(consortium.validators[0])).application.tip.height
        consortium.crash(consortium.validators[1])
        consortium.crash(consortium.validators[3])
        consortium.echoLog = ProcessInfo.processInfo.environment["ECHO"] != nil
        #expect(throws: ConsortiumError.self) { try consortium.commitNextBlock(timeoutMs: 20_000) }
        #expect(consortium.node(consortium.validators[0])?.application.tip.height == height)
        try consortium.restart(consortium.validators[1])
        try consortium.restart(consortium.validators[3])
        try consortium.commitNextBlock()
        try Self.checkAgreement(consortium)
    }
}

struct ConsortiumLedgerInjectionTests {
    @Test func consensusRunsOverLedgersTheCallerOpened() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = TestNet.validatorKeys(4)
        let genesis = TestNet.genesis(validators: keys)
        let ledgers = try keys.enumerated().map { index, key in
            let ledger = try Ledger(url: directory.appendingPathComponent("replica-\(index).sqlite"), genesis: genesis)
            ledger.application.domainValidators = [RefuseBadDatasets()]
            return (key: key, ledger: ledger)
        }
        let consortium = try Consortium(genesis: genesis, validators: ledgers, home: directory, configuration: TestNet.configuration)
        let tx = TestNet.dataset("bafy-injected", signer: TestNet.trainer, nonce: 0)
        try consortium.submit(tx)
        try consortium.runUntilCommitted([tx.hash])
        for (_, ledger) in ledgers {
            #expect(ledger.application.state.dataset("bafy-injected") != nil)
            #expect(ledger.application.domainValidators.contains { $0 is EvidenceValidator })
        }
        // A refused transaction is refused at submission, by the caller's domain validator.
        #expect(throws: ConsortiumError.self) { try consortium.submit(TestNet.dataset("bafy-bad-x", signer: TestNet.trainer, nonce: 1)) }
        // Crash and restart reopen the caller's file.
        let victim = keys[1].publicKey
        consortium.crash(victim)
        try consortium.commitNextBlock()
        try consortium.restart(victim)
        try consortium.commitNextBlock()
        let restarted = try #require(consortium.node(victim))
        #expect(restarted.ledger.store.url == ledgers[1].ledger.store.url)
        #expect(restarted.ledger.application.domainValidators.contains { $0 is RefuseBadDatasets })
    }
}

struct ConsortiumOrderingTests {
    @Test func commitPendingCommitsEverySubmittedTransactionOnEveryNode() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = Array(TestNet.validatorKeys(4).reversed())          // caller's order, not key order
        let consortium = try Consortium(genesis: TestNet.genesis(validators: keys), keys: keys, home: directory,
                                        configuration: TestNet.configuration)
        #expect(consortium.order == keys.map(\.publicKey))
        let txs = (0..<5).map { TestNet.dataset("bafy-pending-\($0)", signer: TestNet.trainer, nonce: UInt64($0)) }
        for tx in txs { try consortium.submit(tx) }
        let (block, proposer) = try consortium.commitPending()
        #expect(block.block.header.proposer == keys[proposer].publicKey)
        for index in 0..<4 {
            for n in 0..<5 { #expect(consortium.state(of: index).dataset("bafy-pending-\(n)") != nil) }
        }
        #expect(consortium.height == block.block.height)
        let (next, _) = try consortium.commitPending()                  // nothing pending: one more block
        #expect(next.block.height == block.block.height + 1)
    }
}
