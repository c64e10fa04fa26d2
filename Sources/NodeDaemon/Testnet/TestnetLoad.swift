import Foundation
import Ledger

/// Sends signed test transactions from a testnet's `client` member to one node's `POST /tx`
/// (what `medchain testnet submit` and the fault scripts use).
public enum TestnetLoad {
    public struct Sent: Codable, Sendable {
        public var hash: String
        public var nonce: UInt64
        /// The height of the block that holds it, when waited for.
        public var height: UInt64?
    }

    /// Signs `count` `RegisterDataset` transactions with consecutive nonces (starting at the
    /// node's `GET /nonce`), posts them to `node`, and with `waitSeconds` > 0 waits until each
    /// is committed there.
    public static func submit(layout: TestnetLayout, client: SigningKey, node: TestnetLayout.Node, count: Int,
                              waitSeconds: Double = 0) async throws -> [Sent] {
        try await StatusClient.withConnection(host: node.status.host, port: node.status.port) { http in
            struct Nonce: Decodable { var nonce: UInt64 }
            let first = try await http.get("/nonce/\(client.publicKey.hex)", as: Nonce.self).nonce
            var sent: [Sent] = []
            for i in 0..<UInt64(count) {
                let nonce = first + i
                let payload = TransactionPayload.registerDataset(RegisterDataset(
                    manifestCID: "bafy-testnet-\(client.publicKey.shortHex)-\(nonce)", schema: "testnet@1", recordCount: 1,
                    labelCounts: [1], epsilonBudget: Epsilon(1.0)!))
                let tx = Transaction(chainID: layout.chainID, sender: client.publicKey, nonce: nonce, payload: payload).signed(by: client)
                let reply = try await http.request("POST", "/tx", body: tx.bytes)
                guard reply.status == 202 else { throw TestnetError("\(node.name) refused transaction \(nonce): HTTP \(reply.status) \(reply.text)") }
                sent.append(Sent(hash: tx.hash.hex, nonce: nonce))
            }
            guard waitSeconds > 0 else { return sent }
            struct State: Decodable { var status: String; var height: UInt64? }
            let deadline = Date().addingTimeInterval(waitSeconds)
            for index in sent.indices {
                while true {
                    let reply = try await http.request("GET", "/tx/\(sent[index].hash)")
                    if let state = try? JSONDecoder().decode(State.self, from: Data(reply.body)), state.status == "committed" {
                        sent[index].height = state.height
                        break
                    }
                    guard Date() < deadline else {
                        throw TestnetError("transaction \(sent[index].hash) not committed at \(node.name) within \(Int(waitSeconds)) s")
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            return sent
        }
    }
}
