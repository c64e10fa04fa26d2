import Foundation
import Testing
@testable import Ledger

struct NodeHomeTests {
    @Test func initAndGenesisMakeTheDocumentedLayout() throws {
        let dir = TestChain.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let home = try NodeHome.initialize(at: dir.appendingPathComponent("node").path, name: "hospital-a", key: TestChain.key(1))
        #expect(throws: NodeHomeError.self) { try NodeHome.initialize(at: home.url.path, name: "again") }
        // Another subsystem's key in config.json survives our rewrites.
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: home.configURL)) as! [String: Any]
        config["store"] = ["encrypted": true]
        try JSONSerialization.data(withJSONObject: config).write(to: home.configURL)

        let chain = TestChain()
        try home.install(chain.genesis)
        #expect(FileManager.default.fileExists(atPath: home.url.appendingPathComponent("chain/\(TestChain.chainID)/genesis.json").path))
        let loaded = try home.loadConfig()
        #expect(loaded.name == "hospital-a")
        #expect(loaded.publicKey == TestChain.key(1).publicKey)
        #expect(loaded.chainID == TestChain.chainID)
        let raw = try JSONSerialization.jsonObject(with: Data(contentsOf: home.configURL)) as! [String: Any]
        #expect((raw["store"] as? [String: Any])?["encrypted"] as? Bool == true)

        // A second chain in the same home is a separate database; the default stays the first.
        let other = Genesis(chainID: "second-chain", genesisTime: 1, members: chain.genesis.members)
        try home.install(other)
        #expect(try home.loadConfig().chains == [TestChain.chainID, "second-chain"])
        let first = try home.openLedger()
        let second = try home.openLedger(chainID: "second-chain")
        #expect(first.chainID == TestChain.chainID && second.chainID == "second-chain")
        #expect(first.store.url != second.store.url)
        #expect(second.store.url.path.hasSuffix("chain/second-chain/ledger.sqlite"))
        // Installing a different genesis under an existing chain ID is refused.
        var changed = chain.genesis
        changed.genesisTime += 1
        #expect(throws: NodeHomeError.self) { try home.install(changed) }
        // The database refuses a genesis it was not made with.
        #expect(throws: StoreError.genesisMismatch(path: first.store.url.path)) {
            _ = try Ledger(url: first.store.url, genesis: changed)
        }
    }

    @Test func chainIDsMustBeSafeDirectoryNames() {
        for bad in ["", "../up", ".hidden", "a/b", "spa ce", String(repeating: "x", count: 65)] {
            #expect(throws: GenesisError.self) { try Genesis.validate(chainID: bad) }
        }
        #expect(throws: Never.self) { try Genesis.validate(chainID: "medchain-dev_1.0") }
    }
}

struct LedgerBenchmarkTests {
    @Test func aSmallBenchmarkRunCommitsEveryTransactionAndVerifies() throws {
        let dir = TestChain.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var configuration = LedgerBenchmark.Configuration(directory: dir.appendingPathComponent("bench"))
        configuration.trainers = 4
        configuration.rounds = 3
        configuration.blockSize = 5
        let report = try LedgerBenchmark.run(configuration)
        #expect(report.transactions == 4 + 1 + 3 * (4 + 1))
        #expect(report.blocks == 4)
        #expect(report.chain_verify_ok)
        #expect(report.state_rows == 5 + 4 + 1 + 3 + 3 * 4 + 3 + 3 * 4)
    }
}
