import Foundation
import Testing
@testable import Consensus
@testable import Ledger

struct EvidenceTests {
    static let keys = TestNet.validatorKeys(4)
    static let genesis = TestNet.genesis(validators: keys)

    static func application() -> LedgerApplication {
        let app = try! LedgerApplication(genesis: genesis)
        app.domainValidators = [EvidenceValidator(), RefuseBadDatasets()]
        return app
    }

    @Test func aPrecommitSignsExactlyTheCommitCertificateMessage() throws {
        let block = Hash256.sha256([1, 2, 3])
        let precommits = Self.keys.prefix(3).map {
            SignedVote.sign(.precommit, chainID: TestNet.chainID, height: 7, round: 2, blockID: block, key: $0)
        }
        #expect(precommits[0].signature == CommitCertificate.vote(by: Self.keys[0], chainID: TestNet.chainID, height: 7, round: 2,
                                                                   blockID: block).signature)
        // A prevote for the same block signs other bytes, so it can never stand in for a precommit.
        let prevote = SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 7, round: 2, blockID: block, key: Self.keys[0])
        #expect(prevote.signature != precommits[0].signature)
        #expect(SignedVote.signBytes(chainID: TestNet.chainID, type: .prevote, height: 7, round: 2, blockID: block)
                != CommitCertificate.voteMessage(chainID: TestNet.chainID, height: 7, round: 2, blockID: block))
        let certificate = CommitCertificate(height: 7, round: 2, blockID: block, votes: precommits.map(\.certificateVote))
        let decoded = try CommitCertificate(canonicalBytes: certificate.canonicalBytes, context: "certificate")
        #expect(decoded.votes.count == 3)
        for vote in decoded.votes {
            #expect(vote.validator.isValidSignature(vote.signature, for: CommitCertificate.voteMessage(
                chainID: TestNet.chainID, height: 7, round: 2, blockID: block)))
        }
    }

    @Test func votesRoundTripAndRejectForgery() throws {
        let vote = SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 3, round: 1, blockID: nil, key: Self.keys[1])
        let decoded = try SignedVote(canonicalBytes: vote.canonicalBytes, context: "vote")
        #expect(decoded == vote && decoded.hasValidSignature(chainID: TestNet.chainID))
        var forged = vote
        forged.blockID = Hash256.sha256([9])
        #expect(!forged.hasValidSignature(chainID: TestNet.chainID))
        #expect(!vote.hasValidSignature(chainID: "other-chain"))
    }

    @Test func conflictingVotesBecomeEquivocationEvidenceThatTheLedgerAccepts() throws {
        let offender = Self.keys[2]
        let a = SignedVote.sign(.precommit, chainID: TestNet.chainID, height: 1, round: 0, blockID: Hash256.sha256([1]), key: offender)
        let b = SignedVote.sign(.precommit, chainID: TestNet.chainID, height: 1, round: 0, blockID: nil, key: offender)
        let pair = try #require(DuplicateVoteEvidence(a, b))
        #expect(DuplicateVoteEvidence(b, a) == pair)            // canonical order: same evidence either way
        #expect(DuplicateVoteEvidence(a, a) == nil)
        let other = SignedVote.sign(.precommit, chainID: TestNet.chainID, height: 1, round: 1, blockID: nil, key: offender)
        #expect(DuplicateVoteEvidence(a, other) == nil)         // different rounds do not conflict
        let evidence = pair.evidence
        #expect(DuplicateVoteEvidence(evidence: evidence) == pair)

        let app = Self.application()
        let reporter = Self.keys[0]
        let tx = Transaction(chainID: TestNet.chainID, sender: reporter.publicKey, nonce: 0, payload: .evidence(evidence)).signed(by: reporter)
        _ = try app.check(tx.bytes)
        let proposal = app.propose([try TransactionVerifier.verify(tx, maxBytes: 65536)], proposer: reporter.publicKey,
                                   timestamp: TestNet.genesisTime + 10)
        #expect(proposal.rejected.isEmpty)
        app.commit(proposal.staged)
        #expect(app.state.member(offender.publicKey)?.reputation == 50)   // 100 − penalty 50
    }

    @Test func forgedOrMismatchedEquivocationEvidenceIsRefused() throws {
        let offender = Self.keys[2]
        let a = SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 1, round: 0, blockID: Hash256.sha256([1]), key: offender)
        var b = SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 1, round: 0, blockID: Hash256.sha256([2]), key: offender)
        b.signature = a.signature                                  // not offender's signature over b
        let app = Self.application()
        let reporter = Self.keys[0]
        func file(_ evidence: Evidence) -> TransactionRejection? {
            let tx = Transaction(chainID: TestNet.chainID, sender: reporter.publicKey, nonce: 0, payload: .evidence(evidence)).signed(by: reporter)
            do { _ = try app.check(tx.bytes); return nil } catch { return error }
        }
        let forged = try #require(DuplicateVoteEvidence(a, b)).evidence
        #expect(file(forged)?.code == "rejected-by-validator")
        var renamed = try #require(DuplicateVoteEvidence(a, SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 1, round: 0,
                                                                              blockID: nil, key: offender))).evidence
        renamed.offender = Self.keys[3].publicKey                  // blames someone else
        #expect(file(renamed)?.code == "rejected-by-validator")
        // Invalid-proposal evidence only comes inside a proposal, from its proposer.
        let accusation = Evidence(offender: Self.keys[1].publicKey, kind: .invalidBlock, height: 1, blockID: .zero, detail: "trust me")
        #expect(file(accusation)?.code == "rejected-by-validator")
    }

    // MARK: Proposals

    static func signed(_ block: Block, by key: SigningKey, round: UInt32 = 0) -> ProposalMessage {
        ProposalMessage.make(chainID: TestNet.chainID, round: round, polRound: nil, block: block, accused: [], key: key)
    }

    @Test func anHonestProposalIsValid() throws {
        let app = Self.application()
        let proposer = Self.keys[0]
        let proposal = app.propose([], proposer: proposer.publicKey, timestamp: TestNet.genesisTime + 10)
        let message = Self.signed(proposal.block, by: proposer)
        #expect(message.isAuthentic(chainID: TestNet.chainID))
        let verdict = ProposalEvaluator(application: app, blacklist: Blacklist()).evaluate(message.block, signed: message.signed, accused: [])
        #expect(verdict.isValid)
        let decoded = try ProposalMessage(canonicalBytes: message.canonicalBytes, context: "proposal")
        #expect(decoded == message)
    }

    @Test func aWrongBlacklistOrStateRootIsIntrinsicallyInvalidAndBlamesTheSigner() {
        let app = Self.application()
        let proposer = Self.keys[0]
        let evaluator = ProposalEvaluator(application: app, blacklist: Blacklist())
        let listed = app.propose([], proposer: proposer.publicKey, timestamp: TestNet.genesisTime + 10, blacklist: [Self.keys[3].publicKey])
        let message = Self.signed(listed.block, by: proposer)
        guard case .invalid(let evidence, true) = evaluator.evaluate(message.block, signed: message.signed, accused: []) else {
            Issue.record("a header blacklisting an honest node must be refused")
            return
        }
        #expect(evidence.offender == proposer.publicKey && evidence.kind == .invalidBlock)
        #expect(evidence.proof == message.signed.canonicalBytes)

        var block = app.propose([], proposer: proposer.publicKey, timestamp: TestNet.genesisTime + 10).block
        block.header.stateRoot = Hash256.sha256([0])
        let corrupt = Self.signed(block, by: proposer)
        #expect(evaluator.evaluate(corrupt.block, signed: corrupt.signed, accused: []).evidence?.detail.contains("state root") == true)
    }

    @Test func aBlockADomainValidatorRefusesIsAnInvalidAggregateOrBlock() throws {
        let app = Self.application()
        let proposer = Self.keys[0]
        let bad = TestNet.dataset("bafy-bad-1", signer: TestNet.trainer, nonce: 0)
        // Build as a lying master would: without the domain check.
        app.domainValidators = [EvidenceValidator()]
        let block = app.propose([try TransactionVerifier.verify(bad, maxBytes: 65536)], proposer: proposer.publicKey,
                                timestamp: TestNet.genesisTime + 10).block
        app.domainValidators = [EvidenceValidator(), RefuseBadDatasets()]
        #expect(block.transactions.count == 1)
        let message = Self.signed(block, by: proposer)
        let verdict = ProposalEvaluator(application: app, blacklist: Blacklist()).evaluate(message.block, signed: message.signed, accused: [])
        #expect(verdict.evidence?.kind == .invalidAggregate)      // BlockRejection maps a domain refusal so
        #expect(verdict.evidence?.detail.contains("fails the domain check") == true)
    }

    @Test func accusationsNeedTheAccusedBlockAttachedAndReallyInvalid() throws {
        let app = Self.application()
        let liar = Self.keys[0], accuser = Self.keys[1]
        let evaluator = ProposalEvaluator(application: app, blacklist: Blacklist())
        var badBlock = app.propose([], proposer: liar.publicKey, timestamp: TestNet.genesisTime + 10).block
        badBlock.header.stateRoot = Hash256.sha256([0])
        let bad = Self.signed(badBlock, by: liar, round: 0)
        let evidence = try #require(evaluator.evaluate(bad.block, signed: bad.signed, accused: []).evidence)

        func proposal(accusing evidence: Evidence, attach: [AccusedProposal]) throws -> ProposalMessage {
            let tx = Transaction(chainID: TestNet.chainID, sender: accuser.publicKey, nonce: 0, payload: .evidence(evidence)).signed(by: accuser)
            let built = app.propose([try TransactionVerifier.verify(tx, maxBytes: 65536)], proposer: accuser.publicKey,
                                    timestamp: TestNet.genesisTime + 20)
            #expect(built.rejected.isEmpty)
            return ProposalMessage.make(chainID: TestNet.chainID, round: 1, polRound: nil, block: built.block, accused: attach, key: accuser)
        }
        let honest = try proposal(accusing: evidence, attach: [bad.accusedProposal])
        #expect(evaluator.evaluate(honest.block, signed: honest.signed, accused: honest.accused).isValid)

        let missing = try proposal(accusing: evidence, attach: [])
        guard case .invalid(let e1, false) = evaluator.evaluate(missing.block, signed: missing.signed, accused: []) else {
            Issue.record("an accusation without its attachment must be refused")
            return
        }
        #expect(e1.offender == accuser.publicKey)

        // Framing: accuse an honest proposal of being invalid.
        let good = Self.signed(app.propose([], proposer: liar.publicKey, timestamp: TestNet.genesisTime + 10).block, by: liar)
        var framed = evidence
        framed.blockID = good.block.id
        framed.proof = good.signed.canonicalBytes
        let frame = try proposal(accusing: framed, attach: [good.accusedProposal])
        #expect(!evaluator.evaluate(frame.block, signed: frame.signed, accused: frame.accused).isValid)
    }

    // MARK: Blacklist

    @Test func theBlacklistAdmitsOffendersRedeemsAfterKHonestHeightsAndHoldsAtMostF() {
        let validators = ValidatorSet(Self.keys.map(\.publicKey))      // n = 4, f = 1
        let a = Self.keys[0].publicKey, b = Self.keys[1].publicKey
        func accusation(_ key: PublicKey) -> Evidence { Evidence(offender: key, kind: .invalidAggregate, height: 1, blockID: .zero, detail: "x") }
        var list = Blacklist().advanced(height: 5, evidence: [accusation(a)], validators: validators, redemptionHeights: 3)
        #expect(list.keys == [a])
        // Equivocation evidence slashes but does not blacklist.
        list = list.advanced(height: 6, evidence: [Evidence(offender: b, kind: .equivocation, height: 6, blockID: .zero, detail: "y")],
                             validators: validators, redemptionHeights: 3)
        #expect(list.keys == [a] && list.entries[0].honestHeights == 1)
        // A newer offender pushes out the older one: at most f = 1.
        let replaced = list.advanced(height: 7, evidence: [accusation(b)], validators: validators, redemptionHeights: 3)
        #expect(replaced.keys == [b])
        // K = 3 honest heights redeem.
        list = list.advanced(height: 7, evidence: [], validators: validators, redemptionHeights: 3)
        #expect(list.keys == [a])
        list = list.advanced(height: 8, evidence: [], validators: validators, redemptionHeights: 3)
        #expect(list.keys.isEmpty)
        let decoded = try? Blacklist(canonicalBytes: replaced.canonicalBytes, context: "blacklist")
        #expect(decoded == replaced)
    }
}
