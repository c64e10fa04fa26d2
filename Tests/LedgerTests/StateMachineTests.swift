import Testing
@testable import Ledger

struct StateMachineTests {
    /// Registers two datasets and publishes a 3-round task over them; returns the task ID.
    static func setUp(_ chain: TestChain, _ app: LedgerApplication, budget: Double = 2.0) throws -> Hash256 {
        let task = chain.sign(chain.validator, nonce: 0, TestChain.task(datasets: ["bafy-a", "bafy-b"]))
        try chain.commit(app, [
            chain.sign(chain.hospitalA, nonce: 0, TestChain.dataset("bafy-a", budget: budget)),
            chain.sign(chain.hospitalB, nonce: 0, TestChain.dataset("bafy-b", budget: budget)),
            task,
        ])
        return task.hash
    }

    @Test func aTrainingRoundRunsFromDatasetsToAggregate() throws {
        let chain = TestChain()
        let app = chain.application()
        let task = try Self.setUp(chain, app)
        let updateA = chain.sign(chain.hospitalA, nonce: 1, TestChain.update(task: task, round: 0, cid: "bafy-ua"))
        let updateB = chain.sign(chain.hospitalB, nonce: 1, TestChain.update(task: task, round: 0, cid: "bafy-ub"))
        let aggregate = chain.sign(chain.validator, nonce: 1, TestChain.aggregate(
            task: task, round: 0, updates: [updateA.hash, updateB.hash], spend: [("bafy-a", 0.5), ("bafy-b", 0.5)]))
        let staged = try chain.commit(app, [updateA, updateB, aggregate])

        #expect(staged.block.header.typeCounts == [.submitUpdate: 2, .commitAggregate: 1])
        #expect(app.tip.height == 2)
        let state = app.state
        #expect(state.task(task)?.openRound == 1)
        #expect(state.round(RoundKey(task: task, round: 0))?.aggregated == true)
        #expect(state.round(RoundKey(task: task, round: 0))?.updateCount == 2)
        #expect(state.round(RoundKey(task: task, round: 1))?.aggregated == false)
        #expect(state.aggregate(RoundKey(task: task, round: 0))?.updates == [updateA.hash, updateB.hash])
        #expect(state.update(transaction: updateB.hash)?.key.member == chain.hospitalB.publicKey)
        #expect(state.dataset("bafy-a")?.epsilonSpent == Epsilon(0.5))
        #expect(state.privacySpend(SpendKey(dataset: "bafy-b", task: task, round: 0))?.epsilon == Epsilon(0.5))
        #expect(state.member(chain.hospitalA.publicKey)?.nonce == 2)
        #expect(state.member(chain.hospitalB.publicKey)?.reputation == 80)
    }

    /// One scenario per rejection: the bytes to check and the error they must produce.
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case replay, wrongChain, badSignature, wrongRole, missingReference, oversized, implausibleSampleCount
        var testDescription: String { rawValue }
    }

    @Test("Each bad transaction is rejected with its own error and leaves the state unchanged", arguments: Case.allCases)
    func rejection(_ scenario: Case) throws {
        let chain = TestChain(limits: Limits(maxTransactionBytes: 2048))
        let app = chain.application()
        let task = try Self.setUp(chain, app)
        let bytes: [UInt8]
        let expected: String
        switch scenario {
        case .replay:
            // The dataset registration committed with nonce 0 is sent again.
            bytes = chain.sign(chain.hospitalA, nonce: 0, TestChain.dataset("bafy-a")).bytes
            expected = "replayed-nonce"
        case .wrongChain:
            bytes = chain.sign(chain.hospitalA, nonce: 1, TestChain.dataset("bafy-c"), chainID: "other-chain").bytes
            expected = "wrong-chain"
        case .badSignature:
            var raw = chain.sign(chain.hospitalA, nonce: 1, TestChain.dataset("bafy-c")).bytes
            raw[raw.count - 40] ^= 0x01
            bytes = raw
            expected = "bad-signature"
        case .wrongRole:
            // A trainer may not publish tasks.
            bytes = chain.sign(chain.hospitalA, nonce: 1, TestChain.task(datasets: ["bafy-a"])).bytes
            expected = "missing-role"
        case .missingReference:
            bytes = chain.sign(chain.hospitalA, nonce: 1, TestChain.update(task: Hash256.sha256([9]), round: 0, cid: "bafy-u")).bytes
            expected = "missing-reference"
        case .oversized:
            let huge = PublishTask(name: "big", modelSpec: String(repeating: "x", count: 4000), datasets: ["bafy-a"],
                                   datasetSchema: "medmnist/pathmnist@1", rounds: 1, hyperParameters: NamedValues(),
                                   aggregation: "fedavg", privacy: PrivacyPolicy())
            bytes = chain.sign(chain.validator, nonce: 1, .publishTask(huge)).bytes
            expected = "oversized"
        case .implausibleSampleCount:
            // A weight this large could overflow the exact integer sums of FedAvg.
            let claim = SubmitUpdate(task: task, round: 0, updateCID: "bafy-u", sampleCount: 1 << 40, norm: 1,
                                     metrics: NamedValues())
            bytes = chain.sign(chain.hospitalA, nonce: 1, .submitUpdate(claim)).bytes
            expected = "invalid-field"
        }
        let before = (app.tip, app.state.root, app.state.member(chain.hospitalA.publicKey)?.nonce)
        var caught: TransactionRejection?
        do { _ = try app.check(bytes) } catch { caught = error }
        #expect(caught?.code == expected, "\(caught.map { "\($0)" } ?? "accepted")")
        #expect((app.tip, app.state.root, app.state.member(chain.hospitalA.publicKey)?.nonce) == before)
        #expect(app.state.task(task) != nil)

        // A proposer leaves such a transaction out, and a block containing it is rejected.
        if let verified = try? TransactionVerifier.verify(bytes, maxBytes: 1 << 20) {
            let proposal = app.propose([verified], proposer: chain.validator.publicKey, timestamp: app.tip.timestamp + 1)
            #expect(proposal.block.transactions.count == 0)
            #expect(proposal.rejected.first?.rejection.code == expected)
        }
        #expect((app.tip, app.state.root) == (before.0, before.1))
    }

    @Test func differentRejectionsHaveDifferentMessages() {
        let key = TestChain.key(2).publicKey
        let rejections: [TransactionRejection] = [
            .replayedNonce(sender: key, expected: 1, found: 0), .wrongChain(expected: "a", found: "b"), .badSignature(sender: key),
            .missingRole(sender: key, kind: .publishTask, required: .taskPublisher, has: .trainer),
            .missingReference(kind: "task", id: "ab"), .oversized(size: 9, limit: 8),
        ]
        #expect(Set(rejections.map(\.code)).count == rejections.count)
        #expect(Set(rejections.map(\.description)).count == rejections.count)
        #expect(TransactionRejection.missingRole(sender: key, kind: .publishTask, required: .taskPublisher, has: .trainer)
            .description.contains("task-publisher"))
    }

    @Test func aDatasetsPrivacyBudgetCannotBeExceeded() throws {
        let chain = TestChain()
        let app = chain.application()
        let task = try Self.setUp(chain, app, budget: 1.0)
        var nonces: [UInt64] = [1, 1, 1]  // hospital A, hospital B, validator
        func runRound(_ round: UInt32, spend: Double) throws -> SignedTransaction {
            let a = chain.sign(chain.hospitalA, nonce: nonces[0], TestChain.update(task: task, round: round, cid: "bafy-a\(round)"))
            try chain.commit(app, [a])
            nonces[0] += 1
            return chain.sign(chain.validator, nonce: nonces[2], TestChain.aggregate(task: task, round: round, updates: [a.hash],
                                                                                       spend: [("bafy-a", spend)]))
        }
        try chain.commit(app, [try runRound(0, spend: 0.5)])
        nonces[2] += 1
        try chain.commit(app, [try runRound(1, spend: 0.5)])
        nonces[2] += 1
        #expect(app.state.dataset("bafy-a")?.epsilonSpent == Epsilon(1.0))
        let third = try runRound(2, spend: 0.000001)
        let rootBefore = app.state.root
        #expect(throws: TransactionRejection.privacyBudgetExceeded(dataset: "bafy-a", budget: Epsilon(1.0)!, spent: Epsilon(1.0)!,
                                                                      requested: Epsilon(micro: 1))) {
            _ = try app.check(third.bytes)
        }
        #expect(app.state.root == rootBefore)
        let message = TransactionRejection.privacyBudgetExceeded(dataset: "bafy-a", budget: Epsilon(1.0)!, spent: Epsilon(1.0)!,
                                                                 requested: Epsilon(micro: 1)).description
        #expect(message == "dataset bafy-a would exceed its privacy budget: ε spent 1 + requested 0.000001 > budget 1")
    }

    @Test func aMemberSubmitsOneUpdatePerRoundAndOnlyToTheOpenRound() throws {
        let chain = TestChain()
        let app = chain.application()
        let task = try Self.setUp(chain, app)
        let first = chain.sign(chain.hospitalA, nonce: 1, TestChain.update(task: task, round: 0, cid: "bafy-1"))
        try chain.commit(app, [first])
        let second = chain.sign(chain.hospitalA, nonce: 2, TestChain.update(task: task, round: 0, cid: "bafy-2"))
        #expect(throws: (any Error).self) { _ = try app.check(second.bytes) }
        do { _ = try app.check(second.bytes) } catch { #expect(error.code == "duplicate") }
        let future = chain.sign(chain.hospitalA, nonce: 2, TestChain.update(task: task, round: 1, cid: "bafy-f"))
        do { _ = try app.check(future.bytes); Issue.record("accepted an update for an unopened round") } catch {
            #expect(error.code == "missing-reference")
        }
        let beyond = chain.sign(chain.hospitalA, nonce: 2, TestChain.update(task: task, round: 7, cid: "bafy-x"))
        do { _ = try app.check(beyond.bytes); Issue.record("accepted an update past the last round") } catch {
            #expect(error.code == "missing-reference")
        }
        try chain.commit(app, [chain.sign(chain.validator, nonce: 1, TestChain.aggregate(task: task, round: 0, updates: [first.hash], spend: []))])
        let late = chain.sign(chain.hospitalB, nonce: 1, TestChain.update(task: task, round: 0, cid: "bafy-late"))
        do { _ = try app.check(late.bytes); Issue.record("accepted an update for a closed round") } catch {
            #expect(error == .wrongRound(task: task, open: 1, found: 0))
        }
        // An outsider's dataset-less trainer cannot update: hospital B owns bafy-b, so it can.
        let ok = chain.sign(chain.hospitalB, nonce: 1, TestChain.update(task: task, round: 1, cid: "bafy-b1"))
        _ = try app.check(ok.bytes)
    }

    @Test func aTaskNeedsRegisteredDatasetsOfItsSchema() throws {
        let chain = TestChain()
        let app = chain.application()
        try chain.commit(app, [chain.sign(chain.hospitalA, nonce: 0, TestChain.dataset("bafy-other", schema: "fhir/r4@1"))])
        let missing = chain.sign(chain.validator, nonce: 0, TestChain.task(datasets: ["bafy-nowhere"]))
        do { _ = try app.check(missing.bytes) } catch { #expect(error == .missingReference(kind: "dataset", id: "bafy-nowhere")) }
        let wrongSchema = chain.sign(chain.validator, nonce: 0, TestChain.task(datasets: ["bafy-other"]))
        do { _ = try app.check(wrongSchema.bytes); Issue.record("accepted a dataset of another schema") } catch {
            #expect(error.code == "invalid-field")
        }
    }

    @Test func evidenceLowersTheOffendersReputationOnceAndReputationNeverGoesNegative() throws {
        let chain = TestChain()
        let app = chain.application()
        let evidence = Evidence(offender: chain.hospitalB.publicKey, kind: .invalidUpdate, height: 0, blockID: .zero, detail: "bad norm")
        try chain.commit(app, [chain.sign(chain.validator, nonce: 0, .evidence(evidence))])
        #expect(app.state.member(chain.hospitalB.publicKey)?.reputation == 30)
        #expect(app.state.evidence(evidence.id)?.reporter == chain.validator.publicKey)
        do { _ = try app.check(chain.sign(chain.validator, nonce: 1, .evidence(evidence)).bytes) } catch {
            #expect(error.code == "duplicate")
        }
        try chain.commit(app, [chain.sign(chain.validator, nonce: 1, .reputationChange(
            ReputationChange(member: chain.hospitalB.publicKey, delta: -1000, reason: "test")))])
        #expect(app.state.member(chain.hospitalB.publicKey)?.reputation == 0)
        try chain.commit(app, [chain.sign(chain.validator, nonce: 2, .reputationChange(
            ReputationChange(member: chain.validator.publicKey, delta: 5, reason: "self")))])
        #expect(app.state.member(chain.validator.publicKey)?.reputation == 105)
        #expect(app.state.member(chain.validator.publicKey)?.nonce == 3)
    }

    @Test func aNewMemberCanActAfterAValidatorRegistersIt() throws {
        let chain = TestChain()
        let app = chain.application()
        let tx = chain.sign(chain.outsider, nonce: 0, TestChain.dataset("bafy-out"))
        do { _ = try app.check(tx.bytes) } catch { #expect(error == .unknownSender(chain.outsider.publicKey)) }
        try chain.commit(app, [chain.sign(chain.validator, nonce: 0, .registerMember(
            RegisterMember(member: chain.outsider.publicKey, name: "clinic", roles: .trainer)))])
        try chain.commit(app, [tx])
        #expect(app.state.dataset("bafy-out")?.owner == chain.outsider.publicKey)
        #expect(app.state.member(chain.outsider.publicKey)?.reputation == 100)
    }
}
