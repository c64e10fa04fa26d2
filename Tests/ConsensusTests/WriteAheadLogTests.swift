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
}
