import Foundation
import GRDB
import Testing
@testable import Ledger

/// `CloseTask`: only a task's publisher ends it, only at its open round, and afterwards the
/// task takes no updates or aggregates; an open task's state row is what it was before
/// closures existed, and a database from before them gains the column when opened.
struct CloseTaskTests {
    static func close(_ task: Hash256, round: UInt32, reason: CloseTask.Reason = .budgetExhausted) -> TransactionPayload {
        .closeTask(CloseTask(task: task, round: round, reason: reason, detail: "dataset bafy-a would exceed its privacy budget"))
    }

    /// One round committed, then the publisher closes the task at round 1.
    @Test func thePublisherClosesItsTaskAndTheTaskThenRefusesUpdatesAndAggregates() throws {
        let chain = TestChain()
        let app = chain.application()
        let task = try StateMachineTests.setUp(chain, app)
        let a = chain.sign(chain.hospitalA, nonce: 1, TestChain.update(task: task, round: 0, cid: "bafy-ua"))
        try chain.commit(app, [a, chain.sign(chain.validator, nonce: 1, TestChain.aggregate(task: task, round: 0, updates: [a.hash], spend: []))])
        let b = chain.sign(chain.hospitalB, nonce: 1, TestChain.update(task: task, round: 1, cid: "bafy-ub"))
        let close = chain.sign(chain.validator, nonce: 2, Self.close(task, round: 1))
        let staged = try chain.commit(app, [b, close])

        let record = try #require(app.state.task(task))
        #expect(record.closure == TaskClosure(reason: .budgetExhausted, detail: "dataset bafy-a would exceed its privacy budget",
                                              txHash: close.hash, height: staged.block.header.height))
        #expect(!record.isOpen && !record.isFinished && record.openRound == 1 && record.updatedAt == staged.block.header.height)
        // The update sent before the closure stays on record.
        #expect(app.state.round(RoundKey(task: task, round: 1))?.updateCount == 1)

        let expected = TransactionRejection.taskClosed(task: task, round: 1, reason: .budgetExhausted)
        let late = chain.sign(chain.hospitalA, nonce: 2, TestChain.update(task: task, round: 1, cid: "bafy-late"))
        let aggregate = chain.sign(chain.validator, nonce: 3, TestChain.aggregate(task: task, round: 1, updates: [b.hash], spend: []))
        let again = chain.sign(chain.validator, nonce: 3, Self.close(task, round: 1, reason: .cancelled))
        for tx in [late, aggregate, again] {
            let root = app.tip.stateRoot
            do { _ = try app.check(tx.bytes); Issue.record("accepted \(tx.kind) for a closed task") } catch {
                #expect(error == expected)
                #expect(error.description.contains("closed by its publisher at round 1 (budget-exhausted)"))
            }
            #expect(app.tip.stateRoot == root)
        }
    }

    @Test func onlyThePublisherMayCloseAndOnlyAtTheOpenRound() throws {
        let chain = TestChain()
        let app = chain.application()
        let task = try StateMachineTests.setUp(chain, app)
        // A second publisher, registered by the validator.
        try chain.commit(app, [chain.sign(chain.validator, nonce: 1, .registerMember(
            RegisterMember(member: chain.outsider.publicKey, name: "other-publisher", roles: .taskPublisher)))])
        let root = app.tip.stateRoot
        let cases: [(SignedTransaction, String)] = [
            (chain.sign(chain.outsider, nonce: 0, Self.close(task, round: 0)), "not-permitted"),
            (chain.sign(chain.hospitalA, nonce: 1, Self.close(task, round: 0)), "missing-role"),
            (chain.sign(chain.validator, nonce: 2, Self.close(task, round: 1)), "missing-reference"),
            (chain.sign(chain.validator, nonce: 2, Self.close(Hash256.sha256([9]), round: 0)), "missing-reference"),
            (chain.sign(chain.validator, nonce: 2, .closeTask(CloseTask(task: task, round: 0, reason: .cancelled,
                                                                       detail: String(repeating: "x", count: 1025)))), "invalid-field"),
        ]
        for (tx, code) in cases {
            do { _ = try app.check(tx.bytes); Issue.record("accepted a closure that should fail with \(code)") } catch {
                #expect(error.code == code, "\(error)")
            }
        }
        #expect(app.tip.stateRoot == root && app.state.task(task)?.closure == nil)
        // After round 0 is aggregated, a closure naming round 0 is stale.
        let a = chain.sign(chain.hospitalA, nonce: 1, TestChain.update(task: task, round: 0, cid: "bafy-ua"))
        try chain.commit(app, [a, chain.sign(chain.validator, nonce: 2, TestChain.aggregate(task: task, round: 0, updates: [a.hash], spend: []))])
        do { _ = try app.check(chain.sign(chain.validator, nonce: 3, Self.close(task, round: 0)).bytes); Issue.record("accepted a stale closure") } catch {
            #expect(error == .wrongRound(task: task, open: 1, found: 0))
        }
        // A finished task cannot be closed.
        for r in UInt32(1)..<3 {
            let u = chain.sign(chain.hospitalA, nonce: UInt64(r) + 1, TestChain.update(task: task, round: r, cid: "bafy-u\(r)"))
            try chain.commit(app, [u, chain.sign(chain.validator, nonce: UInt64(r) + 2, TestChain.aggregate(task: task, round: r, updates: [u.hash], spend: []))])
        }
        do { _ = try app.check(chain.sign(chain.validator, nonce: 5, Self.close(task, round: 2)).bytes); Issue.record("closed a finished task") } catch {
            #expect(error == .taskFinished(task: task))
        }
    }

    /// The row of an open task is byte for byte the layout from before closures (so old chains
    /// replay to the same state roots); a closed one appends the closure.
    @Test func anOpenTasksRowIsUnchangedAndAClosedOneAppendsItsClosure() throws {
        let chain = TestChain()
        guard case .publishTask(let spec) = TestChain.task(datasets: ["bafy-a"]) else { Issue.record("not a task"); return }
        var record = TaskRecord(id: Hash256.sha256([1]), publisher: chain.validator.publicKey, spec: spec, openRound: 2,
                                publishedAt: 3, updatedAt: 4)
        var writer = CanonicalWriter()
        writer.write(UInt64(4)); writer.write(chain.validator.publicKey); writer.write(spec); writer.write(UInt32(2)); writer.write(UInt64(3))
        #expect(record.valueBytes == writer.bytes)
        let closure = TaskClosure(reason: .targetReached, detail: "AUC 0.95", txHash: Hash256.sha256([2]), height: 9)
        record.closure = closure
        #expect(record.valueBytes == writer.bytes + closure.canonicalBytes)
        #expect(try TaskClosure(canonicalBytes: closure.canonicalBytes, context: "closure") == closure)
        var bad = closure.canonicalBytes
        bad[0] = 9
        #expect(throws: EncodingError.self) { try TaskClosure(canonicalBytes: bad, context: "closure") }
    }

    /// A chain stored by a version without closures (no `closure` column) opens, gains the
    /// column, keeps its rows, records a closure, reopens with it, and verifies.
    @Test func aDatabaseFromBeforeClosuresGainsTheColumnAndKeepsItsRows() throws {
        let fixture = ChainStoreTests.Fixture()
        defer { fixture.cleanUp() }
        let task = try fixture.build()
        try fixture.tamper("ALTER TABLE tasks DROP COLUMN closure")
        try fixture.tamper("DELETE FROM grdb_migrations WHERE identifier = 'v2'")

        let node = try fixture.open()
        #expect(node.ledger.application.state.task(task)?.openRound == 1)
        let close = fixture.chain.sign(fixture.chain.validator, nonce: 2, Self.close(task, round: 1, reason: .cancelled))
        _ = try node.commitBlock([fixture.chain.verified(close)])

        let reopened = try fixture.open()
        #expect(reopened.ledger.application.state.task(task)?.closure?.txHash == close.hash)
        #expect(try fixture.verify().ok)
    }
}
