import Foundation
import Ledger

/// The status API, apart from HTTP plumbing (so it is tested without sockets):
///
/// | request | answer |
/// | --- | --- |
/// | `GET /health` | 200 `ok`, or 503 when the node halted |
/// | `GET /status` | `NodeStatus` as JSON |
/// | `GET /metrics` | Prometheus text exposition 0.0.4 |
/// | `POST /tx` | body = canonical signed transaction bytes; 202 + `{"hash","status"}` when admitted, 400 + one line when refused |
/// | `GET /tx/HASH` | `{"hash","status":"committed","height","index"}`, `"pending"`, or 404 |
/// | `GET /blocks?after=H&wait=MS` | blocks committed after H (`CommitBatch`), waiting up to MS for one |
/// | `GET /blocks/HEIGHT` | `{"height","hash","proposer","round","transactions"}` of a committed block, or 404 |
/// | `GET /nonce/PUBLICKEY` | `{"nonce": N}`: the member's next nonce, counting its transactions in the mempool |
/// | `GET /federation` | `FederationView`: registered datasets, tasks and their committed aggregates |
public struct StatusRoutes: Sendable {
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        public init(status: Int, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        static func text(_ status: Int, _ line: String) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array((line + "\n").utf8))
        }

        static func json<T: Encodable>(_ status: Int, _ value: T) -> Response {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
            return Response(status: status, contentType: "application/json", body: Array(data) + [0x0A])
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public let runtime: NodeRuntime
    public var maxWaitMs: UInt64

    public init(runtime: NodeRuntime) {
        self.runtime = runtime
        maxWaitMs = runtime.setup.configuration.limits.maxWaitMs
    }

    /// Answers one request. `target` is the request target (path and query).
    public func respond(method: String, target: String, body: [UInt8]) async -> Response {
        let (path, query) = Self.split(target)
        switch (method, path) {
        case ("GET", "/health"), ("HEAD", "/health"):
            let status = await runtime.status()
            return status.halted ? .text(503, "halted") : .text(200, "ok")
        case ("GET", "/status"):
            return .json(200, await runtime.status())
        case ("GET", "/federation"):
            return .json(200, await runtime.federation())
        case ("GET", "/metrics"):
            let text = PrometheusExposition.render(await runtime.metricsSnapshot(), chainID: runtime.setup.chainID, node: runtime.setup.name)
            return Response(status: 200, contentType: PrometheusExposition.contentType, body: Array(text.utf8))
        case ("POST", "/tx"):
            switch await runtime.submit(body) {
            case .admitted(let hash): return .json(202, ["hash": hash, "status": "admitted"])
            case .duplicate(let hash): return .json(202, ["hash": hash, "status": "duplicate"])
            case .refused(let reason, let message):
                return .text(400, "refused (\(reason)): \(message.replacingOccurrences(of: "\n", with: " "))")
            }
        case ("GET", _) where path.hasPrefix("/tx/"):
            guard let hash = Hash256(hex: String(path.dropFirst(4)).lowercased()) else {
                return .text(400, "expected /tx/ followed by a 64-hex-digit transaction hash")
            }
            switch await runtime.transactionState(hash) {
            case .committed(let height, let index):
                return .json(200, TransactionStatus(hash: hash.hex, status: "committed", height: height, index: index))
            case .pending: return .json(200, TransactionStatus(hash: hash.hex, status: "pending"))
            case .unknown: return .json(404, TransactionStatus(hash: hash.hex, status: "unknown"))
            }
        case ("GET", _) where path.hasPrefix("/blocks/"):
            guard let height = UInt64(path.dropFirst(8)) else { return .text(400, "expected /blocks/ followed by a height") }
            guard let committed = try? runtime.store.committedBlock(at: height) else {
                return .text(404, "no committed block at height \(height) on this node")
            }
            let block = committed.block
            return .json(200, BlockInfo(height: height, hash: block.id.hex, proposer: runtime.name(of: block.header.proposer),
                                        round: committed.certificate.round, transactions: block.transactions.count))
        case ("GET", _) where path.hasPrefix("/nonce/"):
            guard let key = PublicKey(hex: String(path.dropFirst(7)).lowercased()) else {
                return .text(400, "expected /nonce/ followed by a 64-hex-digit public key")
            }
            return .json(200, ["nonce": await runtime.nextNonce(for: key)])
        case ("GET", "/blocks"):
            guard let after = UInt64(query["after"] ?? "0"), let wait = UInt64(query["wait"] ?? "0") else {
                return .text(400, "after and wait must be whole numbers (GET /blocks?after=HEIGHT&wait=MILLISECONDS)")
            }
            return .json(200, await runtime.commits(after: after, waitMs: min(wait, maxWaitMs)))
        case (_, "/health"), (_, "/status"), (_, "/metrics"), (_, "/tx"), (_, "/blocks"):
            return .text(405, "\(method) is not allowed on \(path)")
        default:
            return .text(404, "no such endpoint \(path); try /health, /status, /metrics, /tx, /tx/HASH, /blocks, /nonce/KEY")
        }
    }

    struct BlockInfo: Codable {
        var height: UInt64
        var hash: String
        var proposer: String
        var round: UInt32
        var transactions: Int
    }

    struct TransactionStatus: Codable {
        var hash: String
        var status: String
        var height: UInt64?
        var index: Int?
    }

    static func split(_ target: String) -> (path: String, query: [String: String]) {
        guard let mark = target.firstIndex(of: "?") else { return (target, [:]) }
        var query: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            query[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return (String(target[..<mark]), query)
    }
}
