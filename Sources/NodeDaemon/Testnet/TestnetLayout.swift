import Foundation
import Ledger

/// The files of a local testnet: `DIR/node-0 … DIR/node-(n-1)`, each a node home (`medchain
/// init` layout) with a fresh key, the shared genesis (every node a validator) and a
/// `node.json` on loopback naming every other node as a peer; `DIR/client.ed25519`, the key
/// of a genesis member named `client` (a trainer) that tools sign test transactions with;
/// and `DIR/testnet.json`, the list of nodes with their addresses and status URLs (for
/// scripts).
///
/// Ports: node i listens for peers on `basePort + 2i` and serves HTTP on `basePort + 2i + 1`.
public struct TestnetLayout: Codable, Sendable, Hashable {
    public struct Node: Codable, Sendable, Hashable {
        public var name: String
        public var home: String
        public var publicKey: PublicKey
        public var p2p: NodeAddress
        public var status: NodeAddress

        public var statusURL: String { "http://\(status)" }
    }

    public static let manifestName = "testnet.json"

    public static let clientKeyName = "client.ed25519"

    public var chainID: String
    public var nodes: [Node]
    /// The public key of the `client` member (its seed is in `DIR/client.ed25519`).
    public var client: PublicKey

    /// Extra genesis members and settings of a new testnet.
    public struct Options: Sendable {
        public var chainID: String
        public var basePort: Int
        public var host: String
        /// Added to the genesis (e.g. the benchmark's transaction senders).
        public var extraMembers: [Genesis.Member]
        /// Settings copied into every `node.json` (peers and addresses are filled in).
        public var template: NodeConfiguration
        public var limits: Limits
        public var genesisTime: UInt64?
        /// The `client` member's key (default: a new one).
        public var client: SigningKey?

        public init(chainID: String = "medchain-testnet", basePort: Int = 26_600, host: String = "127.0.0.1",
                    extraMembers: [Genesis.Member] = [], template: NodeConfiguration = NodeConfiguration(),
                    limits: Limits = Limits(), genesisTime: UInt64? = nil, client: SigningKey? = nil) {
            self.client = client
            self.chainID = chainID
            self.basePort = basePort
            self.host = host
            self.extraMembers = extraMembers
            self.template = template
            self.limits = limits
            self.genesisTime = genesisTime
        }
    }

    /// Creates `count` node homes under `directory` (which must not hold a testnet yet).
    @discardableResult
    public static func create(at directory: URL, nodes count: Int, options: Options = Options()) throws -> TestnetLayout {
        guard (1...64).contains(count) else { throw TestnetError("--nodes must be 1...64 (got \(count))") }
        guard options.basePort > 0, options.basePort + 2 * count <= 65_535 else {
            throw TestnetError("--base-port \(options.basePort) leaves no room for \(count) nodes (2 ports each, up to 65535)")
        }
        let manifest = directory.appendingPathComponent(manifestName)
        if FileManager.default.fileExists(atPath: manifest.path) {
            throw TestnetError("\(manifest.path) exists: \(directory.path) already holds a testnet; start it with `medchain testnet --home \(directory.path)`, or choose an empty folder")
        }
        var nodes: [Node] = []
        var keys: [SigningKey] = []
        for i in 0..<count {
            let name = "node-\(i)"
            let home = directory.appendingPathComponent(name)
            let key = SigningKey()
            try NodeHome.initialize(at: home.path, name: name, key: key)
            keys.append(key)
            nodes.append(Node(name: name, home: home.path, publicKey: key.publicKey,
                              p2p: NodeAddress(host: options.host, port: options.basePort + 2 * i),
                              status: NodeAddress(host: options.host, port: options.basePort + 2 * i + 1)))
        }
        let client = options.client ?? SigningKey()
        try KeyFile.write(client, to: directory.appendingPathComponent(clientKeyName))
        let members = nodes.map { Genesis.Member(name: $0.name, publicKey: $0.publicKey, roles: [.validator, .trainer, .auditor]) }
            + [Genesis.Member(name: "client", publicKey: client.publicKey, roles: [.trainer, .taskPublisher])]
            + options.extraMembers
        let genesis = Genesis(chainID: options.chainID, genesisTime: options.genesisTime ?? SystemClock().now(), members: members,
                              limits: options.limits)
        try genesis.validate()
        for node in nodes {
            try NodeHome(node.home).install(genesis)
            var configuration = options.template
            configuration.chainID = options.chainID
            configuration.listen = node.p2p
            configuration.status = node.status
            configuration.peers = Dictionary(uniqueKeysWithValues: nodes.filter { $0.name != node.name }.map { ($0.name, $0.p2p) })
            try configuration.validate(path: node.home + "/" + NodeConfiguration.fileName)
            try configuration.write(to: URL(fileURLWithPath: node.home).appendingPathComponent(NodeConfiguration.fileName))
        }
        let layout = TestnetLayout(chainID: options.chainID, nodes: nodes, client: client.publicKey)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(layout).write(to: manifest, options: .atomic)
        return layout
    }

    /// The `client` member's signing key, from `DIR/client.ed25519`.
    public static func clientKey(at directory: URL) throws -> SigningKey {
        try KeyFile.read(from: directory.appendingPathComponent(clientKeyName))
    }

    /// Reads `DIR/testnet.json`.
    public static func load(at directory: URL) throws -> TestnetLayout {
        let manifest = directory.appendingPathComponent(manifestName)
        guard let data = FileManager.default.contents(atPath: manifest.path) else {
            throw TestnetError("\(manifest.path) does not exist; create the testnet with `medchain testnet --nodes N --home \(directory.path)`")
        }
        do { return try JSONDecoder().decode(TestnetLayout.self, from: data) } catch {
            throw TestnetError("\(manifest.path) is not a testnet manifest: \(error)")
        }
    }
}

/// A testnet that cannot be created, started or stopped; the message says what to do.
public struct TestnetError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
