import Testing
@testable import Ledger

/// A second replica validating blocks the first one proposed: what a validator does under
/// consensus before it votes.
struct BlockValidationTests {
    /// Two replicas at the same height, and a block proposed by the first.
    static func proposal() throws -> (TestChain, LedgerApplication, LedgerApplication, Proposal) {
        let chain = TestChain()
        let proposer = chain.application(), replica = chain.application()
        let setup = try chain.commit(proposer, [chain.sign(chain.hospitalA, nonce: 0, TestChain.dataset("bafy-a"))])
        try replica.apply(setup.block)
        replica.commitPending()
        let txs = [chain.sign(chain.hospitalB, nonce: 0, TestChain.dataset("bafy-b")),
                   chain.sign(chain.validator, nonce: 0, TestChain.task(datasets: ["bafy-a", "bafy-b"]))]
        let proposal = proposer.propose(txs.map(chain.verified), proposer: chain.validator.publicKey, timestamp: proposer.tip.timestamp + 500)
        return (chain, proposer, replica, proposal)
    }

    @Test func aReplicaReachesTheProposersStateRoot() throws {
        let (_, proposer, replica, proposal) = try Self.proposal()
        #expect(proposal.rejected.isEmpty)
        let root = try replica.apply(proposal.block)
        #expect(root == proposal.staged.stateRoot)
        proposer.commit(proposal.staged)
        replica.commitPending()
        #expect(replica.tip == proposer.tip)
        #expect(replica.state.root == proposer.state.root)
    }

    /// Transactions handed to `stage` as already verified skip the signature check only when
    /// their bytes are the block's: the others are verified, and a bad signature among them is
    /// reported at its index.
    @Test func partlyVerifiedBlocksVerifyTheRest() throws {
        let (chain, _, replica, proposal) = try Self.proposal()
        let good = proposal.block
        let first = try TransactionVerifier.verify(good.transactions[0], maxBytes: 1 << 20)
        #expect(try replica.stage(good, verified: [first, nil]).stateRoot == good.header.stateRoot)
        var forged = good
        forged.transactions[1][forged.transactions[1].count - 1] ^= 1
        forged.header.txRoot = Block.merkleTree(transactionHashes: forged.transactions.map { Hash256.sha256($0) }).root
        let second = try TransactionVerifier.verify(good.transactions[1], maxBytes: 1 << 20)
        for verified: [VerifiedTransaction?] in [[first, nil], [first, second]] {
            // [first, second]: the verified copy of transaction 1 is not the block's bytes.
            do {
                _ = try replica.stage(forged, verified: verified)
                Issue.record("a forged signature passed with \(verified.map { $0 != nil })")
            } catch {
                if case .transactionRejected(1, _, .badSignature) = error.reason {} else {
                    Issue.record("expected a bad signature at index 1, got \(error.reason)")
                }
            }
        }
        _ = chain
    }

    /// Header edits a malicious or buggy proposer could make, and the reason each must give.
    @Test func tamperedBlocksAreRejectedWithTheReason() throws {
        let (chain, _, replica, proposal) = try Self.proposal()
        let good = proposal.block
        func reason(_ edit: (inout Block) -> Void) -> BlockRejection.Reason? {
            var block = good
            edit(&block)
            do { try replica.apply(block); return nil } catch { return error.reason }
        }
        var wrongRoot = good.header.stateRoot.bytes
        wrongRoot[0] ^= 1
        #expect(reason { $0.header.stateRoot = Hash256(bytes: wrongRoot)! }
            == .stateRootMismatch(header: Hash256(bytes: wrongRoot)!, computed: good.header.stateRoot))
        #expect(reason { $0.header.previousID = .zero } == .wrongPrevious(expected: good.header.previousID, found: .zero))
        #expect(reason { $0.header.height += 1 } == .wrongHeight(expected: good.header.height, found: good.header.height + 1))
        #expect(reason { $0.header.timestamp = 1 } == .timestampNotIncreasing(previous: replica.tip.timestamp, found: 1))
        #expect(reason { $0.header.chainID = "other" } == .wrongChain(expected: TestChain.chainID, found: "other"))
        #expect(reason { $0.header.proposer = chain.hospitalA.publicKey } == .proposerNotValidator(chain.hospitalA.publicKey))
        #expect(reason { $0.header.options.consensus = .raft } == .optionsMismatch)
        #expect(reason { $0.transactions.swapAt(0, 1) } == .txRootMismatch(
            header: good.header.txRoot, computed: Block.merkleTree(transactionHashes: [good.transactions[1], good.transactions[0]].map { Hash256.sha256($0) }).root))
        #expect(reason { $0.transactions.removeLast() } == .txCountMismatch(header: 2, actual: 1))
        // A flipped byte in a transaction's signature.
        if case .transactionRejected(0, _, .badSignature)? = reason({ $0.transactions[0][$0.transactions[0].count - 1] ^= 1 }) {} else {
            Issue.record("a corrupted signature was not reported as a bad signature")
        }
        // Nothing was staged or committed by the rejected blocks.
        #expect(replica.pending == nil)
        #expect(try replica.apply(good) == good.header.stateRoot)
    }

    @Test func aDomainValidatorRefusalBecomesEvidenceOfAWrongAggregate() throws {
        struct RejectBadModels: DomainValidator {
            let name = "aggregate-recompute"
            struct Mismatch: Error, CustomStringConvertible { var description: String { "model CID does not match the recomputed aggregate" } }
            func validate(_ transaction: SignedTransaction, context: DomainValidationContext) throws {
                if case .commitAggregate(let p) = transaction.transaction.payload, p.modelCID == "bafymodel0" {
                    // Looks at state the ledger passes in: the aggregated updates exist.
                    guard p.updates.allSatisfy({ context.state.update(transaction: $0) != nil }) else { return }
                    throw Mismatch()
                }
            }
        }
        let chain = TestChain()
        let proposer = chain.application(), replica = chain.application()
        replica.domainValidators = [RejectBadModels()]
        let setupTxs = [chain.sign(chain.hospitalA, nonce: 0, TestChain.dataset("bafy-a")),
                        chain.sign(chain.validator, nonce: 0, TestChain.task(datasets: ["bafy-a"]))]
        let setup = try chain.commit(proposer, setupTxs)
        try replica.apply(setup.block)
        replica.commitPending()
        let task = setupTxs[1].hash
        let update = chain.sign(chain.hospitalA, nonce: 1, TestChain.update(task: task, round: 0, cid: "bafy-u"))
        let aggregate = chain.sign(chain.validator, nonce: 1, TestChain.aggregate(task: task, round: 0, updates: [update.hash], spend: []))
        let proposal = proposer.propose([update, aggregate].map(chain.verified), proposer: chain.validator.publicKey,
                                        timestamp: proposer.tip.timestamp + 1)
        do {
            try replica.apply(proposal.block)
            Issue.record("the replica accepted a block with a wrong aggregate")
        } catch {
            let evidence = error.evidence()
            #expect(evidence.kind == .invalidAggregate)
            #expect(evidence.offender == chain.validator.publicKey)
            #expect(evidence.height == proposal.block.height)
            #expect(evidence.blockID == proposal.block.id)
            #expect(evidence.detail.contains("model CID does not match"))
        }
        // With the update committed, the same check refuses the aggregate at admission.
        let updateOnly = try chain.commit(proposer, [update])
        try replica.apply(updateOnly.block)
        replica.commitPending()
        do {
            _ = try replica.check(aggregate.bytes)
            Issue.record("admitted a wrong aggregate")
        } catch {
            #expect(error == .rejectedByValidator(validator: "aggregate-recompute", reason: "model CID does not match the recomputed aggregate"))
        }
    }

    @Test func certificatesNeedTwoThirdsPlusOneOfTheValidators() throws {
        let extra = (20...22).map(TestChain.key)
        let chain = TestChain(extraValidators: extra)
        let app = chain.application()
        let validators = app.validators
        #expect(validators.count == 4)
        #expect(validators.faultTolerance == 1)
        #expect(validators.quorum == 3)
        #expect(ValidatorSet([chain.validator.publicKey]).quorum == 1)
        #expect(ValidatorSet((30...36).map { TestChain.key($0).publicKey }).quorum == 5)

        let header = app.propose([], proposer: chain.validator.publicKey, timestamp: app.tip.timestamp + 1).block.header
        let keys = [chain.validator] + extra
        func certificate(_ signers: [SigningKey], blockID: Hash256? = nil) -> CommitCertificate {
            let id = blockID ?? header.id
            return CommitCertificate(height: header.height, round: 0, blockID: id, votes: signers.map {
                CommitCertificate.vote(by: $0, chainID: TestChain.chainID, height: header.height, round: 0, blockID: id)
            })
        }
        try certificate(Array(keys.prefix(3))).verify(for: header, validators: validators)
        try certificate(keys).verify(for: header, validators: validators)
        #expect(throws: CertificateError.noQuorum(votes: 2, needed: 3, validators: 4)) {
            try certificate(Array(keys.prefix(2))).verify(for: header, validators: validators)
        }
        #expect(throws: CertificateError.notAValidator(chain.hospitalA.publicKey)) {
            try certificate([keys[0], keys[1], chain.hospitalA]).verify(for: header, validators: validators)
        }
        var duplicated = certificate(Array(keys.prefix(2)))
        let vote = duplicated.votes[0]
        duplicated = CommitCertificate(height: header.height, round: 0, blockID: header.id, votes: duplicated.votes + [vote])
        #expect(throws: CertificateError.duplicateVote(vote.validator)) { try duplicated.verify(for: header, validators: validators) }
        // A vote for another block, moved into this certificate.
        var forged = certificate(Array(keys.prefix(3)))
        let other = CommitCertificate.vote(by: keys[3], chainID: TestChain.chainID, height: header.height, round: 0, blockID: .zero)
        forged.add(other)
        #expect(throws: CertificateError.badSignature(keys[3].publicKey)) { try forged.verify(for: header, validators: validators) }
        // Votes the caller already verified skip only their own signature check: the forged
        // vote is still caught, and a quorum is still needed.
        let honest = Set(forged.votes.filter { $0.validator != keys[3].publicKey })
        #expect(throws: CertificateError.badSignature(keys[3].publicKey)) {
            try forged.verify(for: header, validators: validators, verified: honest)
        }
        let pair = certificate(Array(keys.prefix(2)))
        #expect(throws: CertificateError.noQuorum(votes: 2, needed: 3, validators: 4)) {
            try pair.verify(for: header, validators: validators, verified: Set(pair.votes))
        }
        try certificate(Array(keys.prefix(3))).verify(for: header, validators: validators, verified: honest)
        // A vote signed for another chain does not count either.
        let foreign = CommitCertificate(height: header.height, round: 0, blockID: header.id, votes: keys.prefix(3).map {
            CommitCertificate.vote(by: $0, chainID: "other-chain", height: header.height, round: 0, blockID: header.id)
        })
        #expect(throws: CertificateError.self) { try foreign.verify(for: header, validators: validators) }
        #expect(throws: CertificateError.wrongBlock(expected: header.id, found: .zero)) {
            try certificate(keys, blockID: .zero).verify(for: header, validators: validators)
        }
    }

    @Test func theStateRootIsTheDocumentedHashOverSortedRows() throws {
        // An independent, deliberately naive computation of the definition in docs/ledger.md.
        let chain = TestChain()
        let app = chain.application()
        _ = try StateMachineTests.setUp(chain, app)
        var rows: [([UInt8], [UInt8])] = []
        func add<R: StateRecord>(_ r: R) { rows.append((r.keyBytes, r.valueBytes)) }
        app.state.members.values.forEach(add); app.state.datasets.values.forEach(add); app.state.tasks.values.forEach(add)
        app.state.rounds.values.forEach(add)
        #expect(rows.count == 3 + 2 + 1 + 1)
        var buckets = [[([UInt8], Hash256)]](repeating: [], count: 65536)
        for (key, value) in rows {
            let digest = Hash256.sha256(key).bytes
            let len = UInt32(key.count)
            let leaf = Hash256.sha256([0] + [UInt8(len >> 24), UInt8(len >> 16 & 255), UInt8(len >> 8 & 255), UInt8(len & 255)] + key + value)
            buckets[Int(digest[0]) * 256 + Int(digest[1])].append((key, leaf))
        }
        var level = buckets.map { bucket in
            Hash256.sha256([1] + bucket.sorted { $0.0.lexicographicallyPrecedes($1.0) }.flatMap { $0.1.bytes })
        }
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 16).map { Hash256.sha256([2] + level[$0..<($0 + 16)].flatMap(\.bytes)) }
        }
        #expect(level[0] == app.state.root)
        #expect(level[0] == app.tip.stateRoot)
    }
}
