import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
@testable import Ledger
@testable import PeerNetwork

/// Deterministic validator keys and loopback networks for the tests.
enum TestPeers {
    static let chainID = "network-test"

    static func key(_ n: Int) -> SigningKey { try! SigningKey(seed: [UInt8](repeating: UInt8(n), count: 32)) }

    /// Keys 1...n sorted by public key (so index order is dialing order).
    static func keys(_ n: Int) -> [SigningKey] { (1...n).map(key).sorted { $0.publicKey < $1.publicKey } }

    static let loopback = PeerAddress(host: "127.0.0.1", port: 0)

    static func configuration(validators: [SigningKey], peers: [PublicKey: PeerAddress] = [:], listen: PeerAddress = loopback,
                              maxMessageBytes: Int = 1 << 20, chainID: String = chainID) -> PeerNetworkConfiguration {
        PeerNetworkConfiguration(chainID: chainID, listen: listen, peers: peers, validators: Set(validators.map(\.publicKey)),
                                 maxMessageBytes: maxMessageBytes, reconnectInitialMs: 50, reconnectMaxMs: 400,
                                 // Generous: `swift test --parallel` can starve a test for tens of seconds
                                 // (a raw test link was hung up on after 30 s before it wrote its hello,
                                 // and the write failed with "I/O on closed channel"). Tests of the
                                 // timeout itself set their own.
                                 handshakeTimeoutMs: 600_000, fetchTimeoutMs: 30_000, keepaliveIntervalMs: 10_000)
    }

    /// Waits (polling every 10 ms) until `condition` holds; false after `timeoutSeconds`.
    /// Only bounds how long a broken test hangs; no test measures time.
    static func eventually(timeoutSeconds: Double = 60, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if try condition() { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return try condition()
    }
}

/// Collects what a network reports.
final class EventRecorder: Sendable {
    private let box = NIOLockedValueBox<[PeerEvent]>([])

    var handler: @Sendable (PeerEvent) -> Void { { [box] event in box.withLockedValue { $0.append(event) } } }

    var events: [PeerEvent] { box.withLockedValue { $0 } }

    func messages(from peer: PublicKey) -> [[UInt8]] {
        events.compactMap { if case .message(peer, let bytes) = $0 { bytes } else { nil } }
    }

    func count(connected peer: PublicKey) -> Int {
        events.filter { if case .connected(peer) = $0 { true } else { false } }.count
    }

    func count(disconnected peer: PublicKey) -> Int {
        events.filter { if case .disconnected(peer) = $0 { true } else { false } }.count
    }
}

/// A log handler that keeps every line, so tests can check that refusals are logged.
final class CapturingLog: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let box = NIOLockedValueBox<[Line]>([])

    var lines: [Line] { box.withLockedValue { $0 } }

    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { [box] _ in Handler(box: box) }
        logger.logLevel = .debug
        return logger
    }

    /// Warning lines whose `reason` metadata is `reason`.
    func refusals(_ reason: RefusalReason) -> [Line] {
        lines.filter { $0.level == .warning && $0.metadata["reason"] == reason.rawValue }
    }

    struct Handler: LogHandler {
        let box: NIOLockedValueBox<[Line]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
            box.withLockedValue { $0.append(Line(level: event.level, message: "\(event.message)", metadata: merged)) }
        }
    }
}

/// One test node: its key, network, events and log.
struct TestNode {
    var key: SigningKey
    var network: PeerNetwork
    var events: EventRecorder
    var log: CapturingLog

    var publicKey: PublicKey { key.publicKey }
    var address: PeerAddress { PeerAddress(host: "127.0.0.1", port: network.boundPort) }

    /// Makes and starts a node.
    static func start(_ key: SigningKey, configuration: PeerNetworkConfiguration, identity: NodeCertificate? = nil,
                      name: String? = nil) async throws -> TestNode {
        let events = EventRecorder()
        let log = CapturingLog()
        let network = try PeerNetwork(key: key, name: name ?? "node-\(key.publicKey.shortHex)", configuration: configuration,
                                      logger: log.logger(), identity: identity, handler: events.handler)
        try await network.start()
        return TestNode(key: key, network: network, events: events, log: log)
    }

    /// Starts nodes for `keys` (sorted), highest key first so that each dialer knows the
    /// ports of the peers it dials (port 0 everywhere).
    static func mesh(_ keys: [SigningKey], maxMessageBytes: Int = 1 << 20) async throws -> [TestNode] {
        var started: [PublicKey: TestNode] = [:]
        for key in keys.reversed() {
            let peers = Dictionary(uniqueKeysWithValues: started.values.map { ($0.publicKey, $0.address) })
            started[key.publicKey] = try await start(key, configuration: TestPeers.configuration(
                validators: keys, peers: peers, maxMessageBytes: maxMessageBytes))
        }
        return keys.map { started[$0.publicKey]! }
    }
}

extension Array where Element == TestNode {
    func shutdown() async {
        for node in self { try? await node.network.shutdown() }
    }

    func fullyConnected() -> Bool {
        allSatisfy { node in Set(node.network.connectedPeers) == Set(map(\.publicKey)).subtracting([node.publicKey]) }
    }
}

extension TestNode {
    /// Runs `body` with a started mesh and shuts it down afterwards, also when `body` throws.
    static func withMesh(_ keys: [SigningKey], maxMessageBytes: Int = 1 << 20,
                         _ body: ([TestNode]) async throws -> Void) async throws {
        let nodes = try await mesh(keys, maxMessageBytes: maxMessageBytes)
        do {
            try await body(nodes)
        } catch {
            await nodes.shutdown()
            throw error
        }
        await nodes.shutdown()
    }
}
