import Foundation
import GRDB
import Testing
@testable import Ledger

/// Persistence, tamper detection by `ChainVerifier`, and crash consistency.
struct ChainStoreTests {
    /// A persisted chain of three blocks: datasets and a task, two updates, an aggregate.
    struct Fixture {
        let chain = TestChain()
        let directory = TestChain.temporaryDirectory()
        var url: URL { directory.appendingPathComponent("chain/\(TestChain.chainID)/ledger.sqlite") }
        let clock = ManualClock(milliseconds: 1_767_225_700_000)

        func open(faultInjector: (@Sendable (FaultPoint) throws -> Void)? = nil) throws -> LocalValidator {
            LocalValidator(ledger: try Ledger(url: url, genesis: chain.genesis, faultInjector: faultInjector), key: chain.validator, clock: clock)
        }

        /// Builds the chain; returns the task ID.
        @discardableResult
        func build() throws -> Hash256 {
            let node = try open()
            let task = chain.sign(chain.validator, nonce: 0, TestChain.task(datasets: ["bafy-a", "bafy-b"]))
            try node.commitBlock([chain.sign(chain.hospitalA, nonce: 0, TestChain.dataset("bafy-a")),
                                  chain.sign(chain.hospitalB, nonce: 0, TestChain.dataset("bafy-b")), task].map(chain.verified))
            clock.advance(by: 1000)
            let a = chain.sign(chain.hospitalA, nonce: 1, TestChain.update(task: task.hash, round: 0, cid: "bafy-ua"))
            let b = chain.sign(chain.hospitalB, nonce: 1, TestChain.update(task: task.hash, round: 0, cid: "bafy-ub"))
            try node.commitBlock([a, b].map(chain.verified))
            clock.advance(by: 1000)
            try node.commitBlock([chain.sign(chain.validator, nonce: 1, TestChain.aggregate(
                task: task.hash, round: 0, updates: [a.hash, b.hash], spend: [("bafy-a", 0.5), ("bafy-b", 0.25)]))].map(chain.verified))
            return task.hash
        }

        func verify() throws -> ChainVerifier.Report {
            try ChainVerifier(store: ChainStore(url: url, genesis: chain.genesis), genesis: chain.genesis).verify()
        }

        /// Edits the database directly, as an attacker with file access would.
        func tamper(_ sql: String, _ arguments: StatementArguments = []) throws {
            let queue = try DatabaseQueue(path: url.path)
            try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
            try queue.close()
        }

        func cleanUp() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func theWriterCommitsWithSynchronousFull() throws {
        // GRDB's WAL set-up would leave NORMAL (2 = FULL, 1 = NORMAL); a committed block must
        // survive power loss.
        let fixture = Fixture()
        defer { fixture.cleanUp() }
        let store = try ChainStore(url: fixture.url, genesis: fixture.chain.genesis)
        let mode = try store.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        #expect(mode == 2)
    }

    @Test func aCommittedChainReopensWithTheSameStateAndVerifies() throws {
        let fixture = Fixture()
        defer { fixture.cleanUp() }
        let task = try fixture.build()
        let reopened = try fixture.open().ledger
        #expect(reopened.tip.height == 3)
        #expect(reopened.application.state.task(task)?.openRound == 1)
        #expect(reopened.application.state.dataset("bafy-b")?.epsilonSpent == Epsilon(0.25))
        let report = try fixture.verify()
        #expect(report.problem == nil)
        #expect(report.blocks == 3)
        #expect(report.transactions == 6)
        #expect(report.stateRoot == reopened.tip.stateRoot.hex)
        // Journal mode is WAL.
        let mode = try DatabaseQueue(path: fixture.url.path).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    enum Tamper: String, CaseIterable, CustomTestStringConvertible {
        case transactionBytes, transactionBytesAndHash, headerColumn, headerBytes, certificate, stateRowDataset, stateRowMember,
             derivedColumn, reformattedJSON, deletedStateRow, insertedStateRow, deletedTransaction, deletedBlock
        var testDescription: String { rawValue }
    }

    @Test("chain verify names the first bad height of a tampered database", arguments: Tamper.allCases)
    func tamperedDatabase(_ tamper: Tamper) throws {
        let fixture = Fixture()
        defer { fixture.cleanUp() }
        try fixture.build()
        let expected: (height: UInt64, says: String)
        switch tamper {
        case .transactionBytes:
            // Change one byte of the second block's first transaction (in its update CID).
            try fixture.tamper("UPDATE transactions SET bytes = CAST(replace(CAST(bytes AS TEXT), 'bafy-ua', 'bafy-ux') AS BLOB) WHERE height = 2 AND idx = 0")
            expected = (2, "transaction was edited")
        case .transactionBytesAndHash:
            try fixture.tamper("UPDATE transactions SET bytes = CAST(replace(CAST(bytes AS TEXT), 'bafy-ub', 'bafy-ux') AS BLOB) WHERE height = 2 AND idx = 1")
            let queue = try DatabaseQueue(path: fixture.url.path)
            try queue.write { db in
                let bytes = try Data.fetchOne(db, sql: "SELECT bytes FROM transactions WHERE height = 2 AND idx = 1")!
                try db.execute(sql: "UPDATE transactions SET hash = ? WHERE height = 2 AND idx = 1",
                               arguments: [Data(Hash256.sha256(bytes).bytes)])
            }
            try queue.close()
            expected = (2, "signature does not verify")
        case .headerColumn:
            try fixture.tamper("UPDATE blocks SET timestamp = timestamp + 1 WHERE height = 2")
            expected = (2, "blocks.timestamp")
        case .headerBytes:
            // Rewrite the timestamp inside the canonical header bytes and the matching columns.
            let queue = try DatabaseQueue(path: fixture.url.path)
            try queue.write { db in
                let data = try Data.fetchOne(db, sql: "SELECT header FROM blocks WHERE height = 2")!
                var header = try BlockHeader(canonicalBytes: [UInt8](data), context: "header")
                header.timestamp += 1
                try db.execute(sql: "UPDATE blocks SET header = ?, timestamp = ?, id = ? WHERE height = 2",
                               arguments: [Data(header.canonicalBytes), Int64(header.timestamp), Data(header.id.bytes)])
            }
            try queue.close()
            expected = (2, "commit certificate invalid")
        case .certificate:
            try fixture.tamper("UPDATE blocks SET certificate = substr(certificate, 1, length(certificate) - 1) || x'00' WHERE height = 3")
            expected = (3, "commit certificate invalid")
        case .stateRowDataset:
            try fixture.tamper("UPDATE datasets SET epsilon_spent_micro = 0 WHERE cid = 'bafy-a'")
            expected = (3, "datasets[\"bafy-a\"] column epsilon_spent_micro is 0, replay gives 500000")
        case .stateRowMember:
            try fixture.tamper("UPDATE members SET reputation = 1000 WHERE name = 'hospital-b'")
            expected = (2, "column reputation is 1000, replay gives 80")
        case .derivedColumn:
            // `tasks.name` repeats a field of the hashed `spec` blob; editing it alone changes no hash.
            try fixture.tamper("UPDATE tasks SET name = 'renamed'")
            expected = (3, "column name is \"renamed\"")
        case .reformattedJSON:
            // Same numbers, different text: not what the ledger wrote.
            try fixture.tamper(#"UPDATE updates SET metrics = '{"accuracy": 0.8, "loss": 0.4}' WHERE update_cid = 'bafy-ua'"#)
            expected = (2, "column metrics")
        case .deletedStateRow:
            try fixture.tamper("DELETE FROM updates WHERE update_cid = 'bafy-ub'")
            expected = (2, "is missing from the database")
        case .insertedStateRow:
            try fixture.tamper("INSERT INTO privacy_spending (dataset, task, round, epsilon_micro, updated_at) VALUES ('bafy-zzz', x'00', 0, 1, 1)")
            expected = (1, "privacy_spending[\"bafy-zzz\"/00/0] exists in the database but not in the replayed state")
        case .deletedTransaction:
            try fixture.tamper("DELETE FROM transactions WHERE height = 2 AND idx = 1")
            expected = (2, "header says 2 transactions, block has 1")
        case .deletedBlock:
            try fixture.tamper("DELETE FROM blocks WHERE height = 2")
            expected = (2, "block missing")
        }
        let report = try fixture.verify()
        #expect(report.problem?.height == expected.height, "\(report.problem.map { "\($0)" } ?? "no problem found")")
        #expect(report.problem?.what.contains(expected.says) == true, "\(report.problem.map { "\($0)" } ?? "no problem found")")
    }

    @Test func openingALedgerWithEditedStateRowsFails() throws {
        let fixture = Fixture()
        defer { fixture.cleanUp() }
        try fixture.build()
        try fixture.tamper("UPDATE rounds SET update_count = 5")
        #expect(throws: StoreError.stateMismatch(height: 3)) { _ = try fixture.open() }
    }

    @Test func aFailedCommitLeavesDiskAndMemoryAtTheOldBlock() throws {
        let fixture = Fixture()
        defer { fixture.cleanUp() }
        try fixture.build()
        let node = try fixture.open(faultInjector: { point in
            if point == .afterBlockRows { throw StoreError.faultInjected(point) }
        })
        let before = node.ledger.tip
        let tx = fixture.chain.sign(fixture.chain.hospitalA, nonce: 2, TestChain.dataset("bafy-c"))
        #expect(throws: LedgerError.store(.faultInjected(.afterBlockRows))) { try node.commitBlock([fixture.chain.verified(tx)]) }
        #expect(node.ledger.tip == before)
        #expect(node.ledger.application.state.dataset("bafy-c") == nil)
        let reopened = try fixture.open()
        #expect(reopened.ledger.tip == before)
        try reopened.commitBlock([fixture.chain.verified(tx)])
        #expect(reopened.ledger.tip.height == 4)
        #expect(try fixture.verify().problem == nil)
    }

    /// The process dies inside the commit: the database files as they are on disk at that
    /// moment (written rows, no COMMIT record) are copied aside and opened as the survivor.
    @Test("A crash between writing a block and committing it reopens at the previous block", arguments: [FaultPoint.afterBlockRows, .beforeCommit])
    func crashBetweenWriteAndCommit(_ point: FaultPoint) throws {
        let fixture = Fixture()
        defer { fixture.cleanUp() }
        try fixture.build()
        let crashDirectory = fixture.directory.appendingPathComponent("crashed")
        let source = fixture.url
        let node = try fixture.open(faultInjector: { reached in
            guard reached == point else { return }
            let target = crashDirectory.appendingPathComponent("chain/\(TestChain.chainID)")
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: source.path + suffix) {
                try FileManager.default.copyItem(atPath: source.path + suffix, toPath: target.appendingPathComponent("ledger.sqlite" + suffix).path)
            }
            throw StoreError.faultInjected(reached)
        })
        let before = node.ledger.tip
        let txs = (0..<50).map { i in fixture.chain.sign(fixture.chain.hospitalA, nonce: UInt64(2 + i), TestChain.dataset("bafy-crash-\(i)")) }
        #expect(throws: LedgerError.self) { try node.commitBlock(txs.map(fixture.chain.verified)) }

        let survivorURL = crashDirectory.appendingPathComponent("chain/\(TestChain.chainID)/ledger.sqlite")
        let survivor = try Ledger(url: survivorURL, genesis: fixture.chain.genesis)
        #expect(survivor.tip == before)
        #expect(survivor.application.state.dataset("bafy-crash-0") == nil)
        let report = try ChainVerifier(store: survivor.store, genesis: fixture.chain.genesis).verify()
        #expect(report.problem == nil)
        #expect(report.height == 3)
        // And the chain goes on from there.
        let resumed = LocalValidator(ledger: survivor, key: fixture.chain.validator, clock: fixture.clock)
        try resumed.commitBlock(txs.map(fixture.chain.verified))
        #expect(survivor.tip.height == 4)
    }
}
