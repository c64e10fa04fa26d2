import Foundation
import Testing
@testable import Consensus
@testable import Ledger

struct WriteAheadLogTests {
    static func checkpoint(_ height: UInt64) -> ConsensusCheckpoint {
        let keys = TestNet.validatorKeys(4).map(\.publicKey)
        let schedule = ProposerSchedule.first(validators: ValidatorSet(keys), reputation: { _ in 100 }, weights: ReputationWeights())
        return ConsensusCheckpoint(height: height, blockID: Hash256.sha256([UInt8(height)]), schedule: schedule,
                                   blacklist: Blacklist(entries: [.init(key: keys[2], since: height, honestHeights: 1)]))
    }

    @Test func recordsReadBackInOrderAndRotationKeepsOnlyTheCheckpoint() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("consensus/wal")
        let wal = try WriteAheadLog(url: url)
        let vote = SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 4, round: 0, blockID: nil, key: TestNet.key(1))
        let records: [WriteAheadLog.Record] = [
            .checkpoint(Self.checkpoint(3)),
            .message(ConsensusMessage.vote(vote).encoded(chainID: TestNet.chainID)),
            .timeout(height: 4, round: 0, step: .propose),
        ]
        for record in records { try wal.append(record) }
        #expect(WriteAheadLog.read(url) == records)

        try wal.rotate(to: Self.checkpoint(4))
        #expect(WriteAheadLog.read(url) == [.checkpoint(Self.checkpoint(4))])
        try wal.append(.timeout(height: 5, round: 2, step: .precommit))
        #expect(WriteAheadLog.read(url).count == 2)
    }

    @Test func checkpointsAreAppendedUntilTheLogOutgrowsItsCompactionSize() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("wal")
        let one = WriteAheadLog.frame(.checkpoint(Self.checkpoint(1))).count
        let timeout = WriteAheadLog.frame(.timeout(height: 2, round: 0, step: .propose)).count
        // Room for three checkpoints and a timeout; the fourth checkpoint compacts the log.
        let wal = try WriteAheadLog(url: url, compactionBytes: 3 * one + timeout)
        try wal.rotate(to: Self.checkpoint(1))
        try wal.append(.timeout(height: 2, round: 0, step: .propose))
        try wal.record(checkpoint: Self.checkpoint(2))
        try wal.record(checkpoint: Self.checkpoint(3))
        #expect(WriteAheadLog.read(url) == [.checkpoint(Self.checkpoint(1)), .timeout(height: 2, round: 0, step: .propose),
                                            .checkpoint(Self.checkpoint(2)), .checkpoint(Self.checkpoint(3))])
        #expect(try Data(contentsOf: url).count == 3 * one + timeout)
        try wal.record(checkpoint: Self.checkpoint(4))
        #expect(WriteAheadLog.read(url) == [.checkpoint(Self.checkpoint(4))])
        #expect(!FileManager.default.fileExists(atPath: url.appendingPathExtension("new").path))
        // A log reopened after a restart keeps appending where the file ends.
        let reopened = try WriteAheadLog(url: url, compactionBytes: 3 * one + timeout)
        try reopened.append(.timeout(height: 5, round: 1, step: .prevote))
        try reopened.record(checkpoint: Self.checkpoint(5))
        #expect(WriteAheadLog.read(url).count <= 3)
        #expect(WriteAheadLog.read(url).last == .checkpoint(Self.checkpoint(5)))
    }

    @Test func restoreReplaysOnlyWhatFollowsTheNewestCheckpointOfAnAppendedLog() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let genesis = ConsensusNodeTests.genesis
        let ledger = try Ledger(url: directory.appendingPathComponent("ledger.sqlite"), genesis: genesis)
        let tip = ConsensusCheckpoint.genesis(ledger.application, rules: ConsensusRules())
        let url = directory.appendingPathComponent("wal")
        let wal = try WriteAheadLog(url: url)
        try wal.rotate(to: Self.checkpoint(7))                 // an older height's checkpoint …
        try wal.append(.timeout(height: 8, round: 0, step: .propose))
        try wal.record(checkpoint: tip)                        // … then the tip's, appended
        try wal.append(.timeout(height: 1, round: 2, step: .prevote))
        let (checkpoint, replay) = try ConsensusNode.restore(records: WriteAheadLog.read(url), ledger: ledger,
                                                             rules: ConsensusRules())
        #expect(checkpoint == tip)
        #expect(replay == [.timeout(height: 1, round: 2, step: .prevote)])
    }

    @Test func aTornOrCorruptTailEndsTheReplayThere() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("wal")
        let wal = try WriteAheadLog(url: url)
        try wal.append(.checkpoint(Self.checkpoint(1)))
        try wal.append(.timeout(height: 2, round: 0, step: .prevote))
        try wal.append(.timeout(height: 2, round: 1, step: .prevote))
        var bytes = [UInt8](try Data(contentsOf: url))
        // A crash mid-write: the last record is cut short.
        try Data(bytes.dropLast(3)).write(to: url)
        #expect(WriteAheadLog.read(url).count == 2)
        // A flipped bit in the second record's body: its checksum fails, replay stops before it.
        let firstLength = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        bytes[8 + firstLength + 8 + 2] ^= 1
        try Data(bytes).write(to: url)
        #expect(WriteAheadLog.read(url) == [.checkpoint(Self.checkpoint(1))])
        #expect(WriteAheadLog.read(directory.appendingPathComponent("missing")).isEmpty)
    }

    /// After a crash mid-write, a reopened log cuts the torn tail off before appending: a vote
    /// signed after the restart must survive a second crash, and replay stops at bad bytes.
    @Test func recordsAppendedAfterATornTailAreReplayed() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("wal")
        let first = try WriteAheadLog(url: url)
        try first.append(.checkpoint(Self.checkpoint(1)))
        try first.append(.timeout(height: 2, round: 0, step: .prevote))
        let bytes = [UInt8](try Data(contentsOf: url))
        try Data(bytes.dropLast(3)).write(to: url)            // the crash tears the last record

        let reopened = try WriteAheadLog(url: url)
        let vote = SignedVote.sign(.prevote, chainID: TestNet.chainID, height: 2, round: 1, blockID: nil, key: TestNet.key(1))
        let signed = WriteAheadLog.Record.message(ConsensusMessage.vote(vote).encoded(chainID: TestNet.chainID))
        try reopened.append(signed)
        #expect(WriteAheadLog.read(url) == [.checkpoint(Self.checkpoint(1)), signed])
    }

    /// A checkpoint is appended without a sync of its own; the next own (synced) message
    /// flushes it, and both read back.
    @Test func aCheckpointIsReadBackAfterTheNextSyncedRecord() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("wal")
        let wal = try WriteAheadLog(url: url)
        try wal.rotate(to: Self.checkpoint(1))
        try wal.record(checkpoint: Self.checkpoint(2))
        try wal.append(.timeout(height: 3, round: 0, step: .propose), sync: true)
        #expect(WriteAheadLog.read(url) == [.checkpoint(Self.checkpoint(1)), .checkpoint(Self.checkpoint(2)),
                                            .timeout(height: 3, round: 0, step: .propose)])
    }
}
