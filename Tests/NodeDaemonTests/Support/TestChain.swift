import Consensus
import Foundation
import Ledger
import NodeDaemon

/// A testnet's files in a temporary folder, plus a client member that signs transactions.
struct TestChain {
    let directory: URL
    let layout: TestnetLayout
    let client: SigningKey
    /// Consecutive nonces of `client`.
    var nextNonce: UInt64 = 0

    static let clientSeed = [UInt8](repeating: 7, count: 32)

    init(nodes: Int, basePort: Int = 26_600, template: NodeConfiguration = NodeConfiguration()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("medchain-node-\(UUID().uuidString)")
        client = try SigningKey(seed: Self.clientSeed)
        let options = TestnetLayout.Options(chainID: "node-test", basePort: basePort,
                                            template: template, client: client)
        layout = try TestnetLayout.create(at: directory, nodes: nodes, options: options)
    }

    func setup(_ index: Int) throws -> NodeSetup { try NodeSetup.load(home: layout.nodes[index].home) }

    /// A signed `RegisterDataset` from the client with the next nonce.
    mutating func transaction() -> SignedTransaction {
        defer { nextNonce += 1 }
        let payload = TransactionPayload.registerDataset(RegisterDataset(
            manifestCID: "bafy-node-test-\(nextNonce)", schema: "test@1", recordCount: 1, labelCounts: [1], epsilonBudget: Epsilon(1.0)!))
        return Transaction(chainID: layout.chainID, sender: client.publicKey, nonce: nextNonce, payload: payload).signed(by: client)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass. Generous: in a parallel
/// `swift test` on 2 cores, synchronous tests can hold the cooperative threads the daemons'
/// tasks need for tens of seconds (the daemon tests then run 40 s where alone they take 2),
/// and with a release build running alongside, four daemons took over 90 s to connect.
func eventually(_ seconds: Double = 240, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
