import ContentStore
import Foundation
import Ledger
import Logging
import NIOConcurrencyHelpers

/// Throughput of the TLS peer network on loopback, all nodes in one process: time for `nodes`
/// validators to form a full mesh (TLS 1.3 handshakes with Ed25519 certificates), then every
/// node broadcasting `messagesPerNode` consensus-sized messages to every other node (the
/// consensus traffic pattern), then sequential fetch-by-CID of `blobs` blocks (each re-hashed
/// on arrival). Wall-clock figures; run from a release build.
public struct PeerNetworkBenchmark: Sendable {
    public struct Result: Codable, Sendable {
        public var nodes: Int
        public var meshSeconds: Double
        public var messages: Int
        public var messageBytes: Int
        public var messageSeconds: Double
        public var messagesPerSecond: Double
        public var messageMegabytesPerSecond: Double
        public var blobs: Int
        public var blobBytes: Int
        public var fetchSeconds: Double
        public var fetchMegabytesPerSecond: Double
        public var p50FetchMs: Double

        enum CodingKeys: String, CodingKey {
            case nodes, messages, blobs
            case meshSeconds = "mesh_seconds"
            case messageBytes = "message_bytes"
            case messageSeconds = "message_seconds"
            case messagesPerSecond = "messages_per_second"
            case messageMegabytesPerSecond = "message_mb_per_second"
            case blobBytes = "blob_bytes"
            case fetchSeconds = "fetch_seconds"
            case fetchMegabytesPerSecond = "fetch_mb_per_second"
            case p50FetchMs = "p50_fetch_ms"
        }
    }

    public var nodes: Int
    public var messagesPerNode: Int
    public var messageBytes: Int
    public var blobs: Int
    public var blobBytes: Int

    public init(nodes: Int = 4, messagesPerNode: Int = 20_000, messageBytes: Int = 512, blobs: Int = 64, blobBytes: Int = 256 * 1024) {
        self.nodes = nodes
        self.messagesPerNode = messagesPerNode
        self.messageBytes = messageBytes
        self.blobs = blobs
        self.blobBytes = blobBytes
    }

    /// Why a benchmark run stopped.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public func run(timeoutSeconds: Double = 300) async throws -> Result {
        guard nodes >= 2 else { throw Failure(description: "the network benchmark needs at least 2 nodes") }
        let keys = try (1...nodes).map { try SigningKey(seed: [UInt8](repeating: UInt8($0), count: 32)) }.sorted { $0.publicKey < $1.publicKey }
        let validators = Set(keys.map(\.publicKey))
        let received = NIOLockedValueBox(0)
        var networks: [PublicKey: PeerNetwork] = [:]
        let logger = Logger(label: "medchain.bench.network") { _ in SwiftLogNoOpLogHandler() }
        let limit = max(messageBytes, blobBytes) + 1024
        let started = Date()
        do {
            // Highest key first: each dialer knows the ports of the keys above it.
            for key in keys.reversed() {
                let peers = Dictionary(uniqueKeysWithValues: networks.map { ($0.key, PeerAddress(host: "127.0.0.1", port: $0.value.boundPort)) })
                let configuration = PeerNetworkConfiguration(chainID: "bench-network", listen: PeerAddress(host: "127.0.0.1", port: 0),
                                                             peers: peers, validators: validators, maxMessageBytes: limit,
                                                             maxQueuedBytesPerPeer: 1 << 30)
                let network = try PeerNetwork(key: key, name: "bench-\(networks.count)", configuration: configuration, logger: logger) { event in
                    if case .message = event { received.withLockedValue { $0 += 1 } }
                }
                try await network.start()
                networks[key.publicKey] = network
            }
            let all = keys.map { networks[$0.publicKey]! }
            try await wait(until: { all.allSatisfy { $0.connectedPeers.count == nodes - 1 } }, timeoutSeconds: timeoutSeconds, what: "the full mesh")
            let meshSeconds = Date().timeIntervalSince(started)

            // Broadcasts, as consensus sends votes: one encoded message to every peer.
            let message = (0..<messageBytes).map { UInt8(truncatingIfNeeded: $0 &* 131) }
            let total = nodes * (nodes - 1) * messagesPerNode
            let sendStart = Date()
            await withTaskGroup(of: Void.self) { group in
                for network in all {
                    group.addTask {
                        for _ in 0..<messagesPerNode {
                            for peer in keys where peer.publicKey != network.key.publicKey {
                                network.send(message, from: network.key.publicKey, to: peer.publicKey)
                            }
                        }
                    }
                }
            }
            try await wait(until: { received.withLockedValue { $0 } >= total }, timeoutSeconds: timeoutSeconds,
                           what: "\(total) messages (\(received.withLockedValue { $0 }) arrived)")
            let messageSeconds = Date().timeIntervalSince(sendStart)

            // Fetch by CID, one block at a time (latency-bound, as a master pulling updates).
            let blobsByCID = Dictionary(uniqueKeysWithValues: (0..<blobs).map { index -> (String, [UInt8]) in
                let bytes = (0..<blobBytes).map { UInt8(truncatingIfNeeded: ($0 &+ index) &* 2_654_435_761 >> 13) }
                return (CID(v1: .raw, multihash: .sha2_256(bytes)).description, bytes)
            })
            all[1].contentProvider = { blobsByCID[$0] }
            var latencies: [Double] = []
            let fetchStart = Date()
            for cid in blobsByCID.keys.sorted() {
                let one = Date()
                let bytes = try await all[0].fetch(cid: cid, from: all[1].key.publicKey)
                latencies.append(Date().timeIntervalSince(one) * 1000)
                guard bytes.count == blobBytes else { throw Failure(description: "fetched \(bytes.count) bytes, expected \(blobBytes)") }
            }
            let fetchSeconds = Date().timeIntervalSince(fetchStart)
            for network in all { try await network.shutdown() }
            latencies.sort()
            return Result(
                nodes: nodes, meshSeconds: meshSeconds, messages: total, messageBytes: messageBytes, messageSeconds: messageSeconds,
                messagesPerSecond: Double(total) / messageSeconds,
                messageMegabytesPerSecond: Double(total * messageBytes) / messageSeconds / 1_000_000,
                blobs: blobs, blobBytes: blobBytes, fetchSeconds: fetchSeconds,
                fetchMegabytesPerSecond: blobs == 0 ? 0 : Double(blobs * blobBytes) / fetchSeconds / 1_000_000,
                p50FetchMs: latencies.isEmpty ? 0 : latencies[latencies.count / 2])
        } catch {
            for network in networks.values { try? await network.shutdown() }
            throw error
        }
    }

    private func wait(until condition: () -> Bool, timeoutSeconds: Double, what: @autoclosure () -> String) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !condition() {
            guard Date() < deadline else { throw Failure(description: "timed out after \(timeoutSeconds) s waiting for \(what())") }
            try await Task.sleep(nanoseconds: 1_000_000)
        }
    }
}
