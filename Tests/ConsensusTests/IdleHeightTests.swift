import Foundation
import Testing
@testable import Consensus
@testable import Ledger

/// `createEmptyBlocks = false` (CometBFT's option): idle validators wait for work instead of
/// committing empty blocks; `concurrentDelivery` lets simultaneous events run on several
/// threads without changing what is committed.
struct IdleHeightTests {
    static func make(_ directory: URL, concurrent: Bool = false, delayMs: UInt64 = 5) throws -> Consortium {
        let keys = TestNet.validatorKeys(4)
        var configuration = TestNet.configuration
        configuration.createEmptyBlocks = false
        configuration.batchWindowMs = delayMs + 5
        let consortium = try Consortium(genesis: TestNet.genesis(validators: keys), keys: keys, home: directory,
                                        configuration: configuration,
                                        conditions: NetworkConditions(minDelayMs: delayMs, maxDelayMs: delayMs), seed: 3,
                                        domainValidators: { _ in [RefuseBadDatasets()] })
        consortium.network.concurrentDelivery = concurrent
        return consortium
    }

    @Test func idleValidatorsCommitNoEmptyBlocksAndTransactionsSubmittedTogetherShareOne() throws {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let consortium = try Self.make(directory)
        consortium.start()
        // An hour of virtual time with nothing to do: no block beyond the first height's.
        consortium.network.advance(to: consortium.network.now + 3_600_000)
        let idleHeight = consortium.height
        #expect(idleHeight <= 1)
        #expect(consortium.validators.allSatisfy { consortium.node($0)?.idleBefore == idleHeight + 1 })

        let txs = (0..<3).map { TestNet.dataset("bafy-\($0)", signer: TestNet.trainer, nonce: UInt64($0)) }
        for tx in txs { try consortium.submit(tx) }
        let records = try consortium.runUntilCommitted(txs.map(\.hash))
        #expect(records.count == 1, "the three transactions should share one block")
        #expect(records.last?.block.block.transactions.count == 3)
        #expect(consortium.height == idleHeight + 1)
        consortium.network.advance(to: consortium.network.now + 600_000)
        #expect(consortium.height == idleHeight + 1, "no empty block after the work is done")

        // An owner that knows of work (a proposer's contributor) wakes the nodes explicitly.
        let record = try consortium.commitNextBlock()
        #expect(record.height == idleHeight + 2)
        try ConsortiumTests.checkAgreement(consortium)
    }

    @Test func concurrentDeliveryCommitsTheSameChainAsSerialDelivery() throws {
        var tips: [Hash256] = []
        for concurrent in [false, true, true] {
            let directory = TestNet.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let consortium = try Self.make(directory, concurrent: concurrent)
            for round in 0..<4 {
                let txs = (0..<3).map { TestNet.dataset("bafy-\(round)-\($0)", signer: TestNet.trainer, nonce: UInt64(round * 3 + $0)) }
                for tx in txs { try consortium.submit(tx) }
                try consortium.runUntilCommitted(txs.map(\.hash))
                try consortium.commitNextBlock()
            }
            try ConsortiumTests.checkAgreement(consortium)
            let node = try #require(consortium.node(consortium.validators[0]))
            #expect(node.refusals.isEmpty)
            tips.append(node.application.tip.blockID)
        }
        #expect(Set(tips).count == 1, "the committed chain must not depend on how events were scheduled")
    }
}
