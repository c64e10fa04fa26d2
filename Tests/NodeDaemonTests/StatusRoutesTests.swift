import Foundation
import Ledger
@testable import NodeDaemon
import Testing

/// The status API against a running single-validator runtime, without sockets.
@Suite(.serialized)
struct StatusRoutesTests {
    struct Fixture {
        var chain: TestChain
        let runtime: NodeRuntime
        let routes: StatusRoutes

        init() async throws {
            chain = try TestChain(nodes: 1)
            runtime = try NodeRuntime(setup: try chain.setup(0), transport: InProcessPeers())
            await runtime.start()
            routes = StatusRoutes(runtime: runtime)
        }

        func close() async {
            await runtime.stop()
            chain.remove()
        }

        func committed(_ hash: Hash256) async -> Bool {
            await eventually {
                let reply = await routes.respond(method: "GET", target: "/tx/\(hash.hex)", body: [])
                return reply.status == 200 && reply.text.contains("\"committed\"")
            }
        }
    }

    @Test func healthSaysOk() async throws {
        let f = try await Fixture()
        let reply = await f.routes.respond(method: "GET", target: "/health", body: [])
        #expect(reply.status == 200)
        #expect(reply.text == "ok\n")
        await f.close()
    }

    @Test func statusReportsTheChainAsJSON() async throws {
        let f = try await Fixture()
        let reply = await f.routes.respond(method: "GET", target: "/status", body: [])
        #expect(reply.status == 200)
        #expect(reply.contentType == "application/json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])
        #expect(Set(object.keys) == ["name", "chain_id", "public_key", "height", "round", "last_block_hash", "last_block_time",
                                     "peers_connected", "peers_configured", "validators", "mempool_size", "blacklist", "halted"])
        let status = try JSONDecoder().decode(NodeStatus.self, from: Data(reply.body))
        #expect(status.name == "node-0")
        #expect(status.chainID == "node-test")
        #expect(status.publicKey == f.chain.layout.nodes[0].publicKey.hex)
        #expect(status.blacklist.isEmpty)
        await f.close()
    }

    @Test func aPostedTransactionIsAdmittedThenCommitted() async throws {
        var f = try await Fixture()
        let tx = f.chain.transaction()
        let reply = await f.routes.respond(method: "POST", target: "/tx", body: tx.bytes)
        #expect(reply.status == 202)
        #expect(reply.text == "{\"hash\":\"\(tx.hash.hex)\",\"status\":\"admitted\"}\n")
        #expect(await f.committed(tx.hash))
        let lookup = await f.routes.respond(method: "GET", target: "/tx/\(tx.hash.hex)", body: [])
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(lookup.body)) as? [String: Any])
        #expect(fields["index"] as? Int == 0)
        let height = try #require(fields["height"] as? Int)
        let blocks = await f.routes.respond(method: "GET", target: "/blocks?after=\(height - 1)", body: [])
        let batch = try JSONDecoder().decode(NodeRuntime.CommitBatch.self, from: Data(blocks.body))
        #expect(batch.blocks.first?.height == UInt64(height))
        #expect(batch.blocks.first?.transactions == [tx.hash.hex])
        let block = await f.routes.respond(method: "GET", target: "/blocks/\(height)", body: [])
        #expect(block.text.contains("\"hash\":\"\(batch.blocks.first?.hash ?? "?")\""))
        #expect(block.text.contains("\"transactions\":1"))
        #expect(await f.routes.respond(method: "GET", target: "/blocks/999999", body: []).status == 404)
        await f.close()
    }

    @Test func theNonceEndpointCountsTransactionsWaitingInTheMempool() async throws {
        var f = try await Fixture()
        let target = "/nonce/\(f.chain.client.publicKey.hex)"
        #expect(await f.routes.respond(method: "GET", target: target, body: []).text == "{\"nonce\":0}\n")
        let tx = f.chain.transaction()
        _ = await f.routes.respond(method: "POST", target: "/tx", body: tx.bytes)
        #expect(await f.routes.respond(method: "GET", target: target, body: []).text == "{\"nonce\":1}\n")
        #expect(await f.routes.respond(method: "GET", target: "/nonce/xyz", body: []).status == 400)
        await f.close()
    }

    @Test func malformedTransactionBytesGetA400LineAndTheNodeKeepsRunning() async throws {
        var f = try await Fixture()
        let reply = await f.routes.respond(method: "POST", target: "/tx", body: Array("not a transaction".utf8))
        #expect(reply.status == 400)
        #expect(reply.text.hasPrefix("refused (malformed): "))
        #expect(reply.text.filter { $0 == "\n" }.count == 1)
        let tx = f.chain.transaction()
        #expect(await f.routes.respond(method: "POST", target: "/tx", body: tx.bytes).status == 202)
        #expect(await f.committed(tx.hash))
        #expect(await f.routes.respond(method: "GET", target: "/health", body: []).status == 200)
        await f.close()
    }

    @Test func metricsAreInPrometheusTextFormat() async throws {
        var f = try await Fixture()
        let tx = f.chain.transaction()
        _ = await f.routes.respond(method: "POST", target: "/tx", body: tx.bytes)
        _ = await f.routes.respond(method: "POST", target: "/tx", body: [0xFF])
        #expect(await f.committed(tx.hash))
        let reply = await f.routes.respond(method: "GET", target: "/metrics", body: [])
        #expect(reply.status == 200)
        #expect(reply.contentType.hasPrefix("text/plain; version=0.0.4"))
        let lines = reply.text.split(separator: "\n").map(String.init)
        // Every sample belongs to a family announced by # HELP and # TYPE just before it.
        var family = ""
        for line in lines {
            if line.hasPrefix("# HELP ") { family = String(line.split(separator: " ")[2]) ; continue }
            if line.hasPrefix("# TYPE ") { #expect(line.split(separator: " ")[2] == family); continue }
            #expect(line.hasPrefix(family + "{chain=\"node-test\",node=\"node-0\""), "\(line)")
            #expect(Double(line.split(separator: " ").last!) != nil, "\(line)")
        }
        let samples = Dictionary(lines.filter { !$0.hasPrefix("#") }.map { line -> (String, Double) in
            let parts = line.split(separator: " ")
            return (String(parts[0]), Double(parts[1])!)
        }, uniquingKeysWith: { a, _ in a })
        let labels = "{chain=\"node-test\",node=\"node-0\"}"
        #expect(samples["medchain_transactions_admitted_total" + labels] == 1)
        #expect(samples["medchain_transactions_refused_total{chain=\"node-test\",node=\"node-0\",reason=\"malformed\"}"] == 1)
        #expect((samples["medchain_transactions_committed_total" + labels] ?? 0) >= 1)
        #expect((samples["medchain_height" + labels] ?? 0) >= 1)
        #expect((samples["medchain_blocks_committed_total" + labels] ?? 0) >= 1)
        #expect(samples["medchain_peers_connected" + labels] == 0)
        #expect(samples["medchain_mempool_transactions" + labels] != nil)
        #expect(samples["medchain_halted" + labels] == 0)
        await f.close()
    }

    @Test(arguments: [("GET", "/nope", 404), ("DELETE", "/tx", 405), ("POST", "/status", 405), ("GET", "/tx/zz", 400),
                      ("GET", "/blocks?after=x", 400), ("GET", "/tx/" + String(repeating: "ab", count: 32), 404)])
    func unknownOrWrongRequestsGetClearErrors(_ method: String, _ target: String, _ status: Int) async throws {
        let f = try await Fixture()
        let reply = await f.routes.respond(method: method, target: target, body: [])
        #expect(reply.status == status, "\(reply.text)")
        await f.close()
    }
}
