import Consensus
import Foundation
import Ledger

/// Everything a node needs from its home, read and cross-checked once: the identity key, the
/// genesis of its chain, `node.json`, and the peers resolved to genesis keys.
public struct NodeSetup: Sendable {
    public var home: NodeHome
    public var name: String
    public var key: SigningKey
    public var genesis: Genesis
    public var configuration: NodeConfiguration
    /// Validator key → address, for every peer in `node.json`.
    public var peers: [PublicKey: NodeAddress]

    public var chainID: String { genesis.chainID }
    public var ledgerURL: URL { resolve(configuration.paths.ledger) ?? home.databaseURL(chainID) }
    public var walURL: URL {
        resolve(configuration.paths.wal)
            ?? home.url.appendingPathComponent("consensus").appendingPathComponent(chainID).appendingPathComponent("wal")
    }
    public var configurationURL: URL { home.url.appendingPathComponent(NodeConfiguration.fileName) }

    public init(home: NodeHome, name: String, key: SigningKey, genesis: Genesis, configuration: NodeConfiguration,
                peers: [PublicKey: NodeAddress]) {
        self.home = home
        self.name = name
        self.key = key
        self.genesis = genesis
        self.configuration = configuration
        self.peers = peers
    }

    /// Reads `HOME/config.json`, the key, `HOME/node.json` and the chain's genesis, and maps
    /// the peers' names to their genesis keys.
    public static func load(home path: String) throws(NodeSetupError) -> NodeSetup {
        let home = NodeHome(path)
        let configuration: NodeConfiguration
        do { configuration = try NodeConfiguration.load(home: home.url) } catch { throw .configuration(error) }
        let identity: NodeConfig
        let key: SigningKey
        let genesis: Genesis
        do {
            identity = try home.loadConfig()
            key = try home.loadKey()
            genesis = try home.loadGenesis(try home.resolveChain(configuration.chainID))
        } catch { throw .home(error) }
        guard key.publicKey == identity.publicKey else {
            throw .mismatch("\(home.keyURL.path) holds key \(key.publicKey.shortHex)…, but \(home.configURL.path) names \(identity.publicKey.shortHex)…")
        }
        let peers = try resolvePeers(configuration, genesis: genesis, me: key.publicKey,
                                     path: home.url.appendingPathComponent(NodeConfiguration.fileName).path)
        return NodeSetup(home: home, name: identity.name, key: key, genesis: genesis, configuration: configuration, peers: peers)
    }

    /// Maps `peers` names to genesis validator keys; every name must be a validator other than `me`.
    public static func resolvePeers(_ configuration: NodeConfiguration, genesis: Genesis, me: PublicKey,
                                    path: String) throws(NodeSetupError) -> [PublicKey: NodeAddress] {
        var result: [PublicKey: NodeAddress] = [:]
        let validators = genesis.validators
        for (name, address) in configuration.peers.sorted(by: { $0.key < $1.key }) {
            guard let member = genesis.members.first(where: { $0.name == name }) else {
                let names = genesis.members.filter { validators.contains($0.publicKey) }.map(\.name)
                throw .configuration(NodeConfigurationError(path: path, field: "peers.\(name)",
                    message: "no genesis member is named \(name); validators: \(names.joined(separator: ", "))"))
            }
            guard validators.contains(member.publicKey) else {
                throw .configuration(NodeConfigurationError(path: path, field: "peers.\(name)", message: "\(name) is not a validator of chain \(genesis.chainID)"))
            }
            guard member.publicKey != me else {
                throw .configuration(NodeConfigurationError(path: path, field: "peers.\(name)", message: "is this node itself; list only the other validators"))
            }
            result[member.publicKey] = address
        }
        return result
    }

    private func resolve(_ path: String?) -> URL? {
        guard let path else { return nil }
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : home.url.appendingPathComponent(path)
    }
}

/// Why a node home cannot be run.
public enum NodeSetupError: Error, CustomStringConvertible, Sendable {
    /// `node.json` is missing or wrong.
    case configuration(NodeConfigurationError)
    /// `config.json`, the key or the genesis is missing or wrong.
    case home(NodeHomeError)
    /// The files disagree with each other.
    case mismatch(String)
    /// The ledger or log cannot be opened.
    case open(String)

    public var description: String {
        switch self {
        case .configuration(let error): "\(error)"
        case .home(let error): "\(error)"
        case .mismatch(let message): message
        case .open(let message): message
        }
    }
}
