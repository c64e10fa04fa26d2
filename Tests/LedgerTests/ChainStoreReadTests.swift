import Foundation
import Testing
@testable import Ledger

struct ChainStoreReadTests {
    @Test func aStoredBlockReadsBackWithItsTransactionsAndCertificate() throws {
        let chain = TestChain()
        let directory = TestChain.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try Ledger(url: directory.appendingPathComponent("ledger.sqlite"), genesis: chain.genesis)
        let local = LocalValidator(ledger: ledger, key: chain.validator, clock: ManualClock(milliseconds: chain.genesis.genesisTime + 1000))
        let first = try local.commitBlock([
            chain.verified(chain.sign(chain.hospitalA, nonce: 0, TestChain.dataset("bafy-a"))),
            chain.verified(chain.sign(chain.hospitalB, nonce: 0, TestChain.dataset("bafy-b"))),
        ])
        let second = try local.commitBlock([])

        #expect(try ledger.store.committedBlock(at: 1) == first)
        #expect(try ledger.store.committedBlock(at: 2) == second)
        #expect(try ledger.store.committedBlock(at: 0) == nil)
        #expect(try ledger.store.committedBlock(at: 3) == nil)

        // What is read back is what another node can append: it verifies and replays.
        let copyDirectory = TestChain.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: copyDirectory) }
        let copy = try Ledger(url: copyDirectory.appendingPathComponent("ledger.sqlite"), genesis: chain.genesis)
        try copy.append(try #require(try ledger.store.committedBlock(at: 1)))
        try copy.append(try #require(try ledger.store.committedBlock(at: 2)))
        #expect(copy.tip == ledger.tip)
    }
}
