import Foundation

/// A node's home directory:
///
/// ```
/// DIR/config.json                      node name, public key, default chain, chains
/// DIR/keys/identity.ed25519            the node's Ed25519 seed (mode 0600)
/// DIR/chain/<chain-id>/genesis.json    one directory per chain the node takes part in
/// DIR/chain/<chain-id>/ledger.sqlite   that chain's database (WAL mode)
/// ```
///
/// Other subsystems keep their own entries (the content store uses `DIR/store/` and
/// `DIR/keys/store.key`); `config.json` keys this type does not know are preserved.
public struct NodeHome: Sendable {
    public let url: URL

    public init(_ path: String) {
        url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var keyURL: URL { url.appendingPathComponent("keys").appendingPathComponent("identity.ed25519") }
    public func chainDirectory(_ chainID: String) -> URL { url.appendingPathComponent("chain").appendingPathComponent(chainID) }
    public func genesisURL(_ chainID: String) -> URL { chainDirectory(chainID).appendingPathComponent("genesis.json") }
    public func databaseURL(_ chainID: String) -> URL { chainDirectory(chainID).appendingPathComponent("ledger.sqlite") }

    /// Creates the home with a fresh key and a config naming the node. Refuses to touch a home
    /// that already has a key.
    @discardableResult
    public static func initialize(at path: String, name: String, key: SigningKey = SigningKey()) throws(NodeHomeError) -> NodeHome {
        let home = NodeHome(path)
        guard !name.isEmpty, name.utf8.count <= 128 else { throw .invalid("the node name must be 1...128 bytes") }
        if FileManager.default.fileExists(atPath: home.keyURL.path) {
            throw .invalid("\(home.url.path) is already initialised (\(home.keyURL.path) exists)")
        }
        do {
            try FileManager.default.createDirectory(at: home.url, withIntermediateDirectories: true)
        } catch {
            throw .io(path: home.url.path, reason: error.localizedDescription)
        }
        do { try KeyFile.write(key, to: home.keyURL) } catch { throw .identity(error) }
        try home.updateConfig { config in
            config["name"] = .string(name)
            config["publicKey"] = .string(key.publicKey.hex)
            if config["chains"] == nil { config["chains"] = .array([]) }
        }
        return home
    }

    public func loadKey() throws(NodeHomeError) -> SigningKey {
        do { return try KeyFile.read(from: keyURL) } catch { throw .identity(error) }
    }

    public func loadConfig() throws(NodeHomeError) -> NodeConfig {
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw .invalid("\(configURL.path) does not exist; run `medchain init --home \(url.path) --name NAME` first")
        }
        do { return try JSONDecoder().decode(NodeConfig.self, from: data) } catch {
            throw .io(path: configURL.path, reason: "\(error)")
        }
    }

    /// Installs a genesis: writes `chain/<id>/genesis.json` and lists the chain in the config
    /// (as the default chain when there is none yet). Refuses to replace a different genesis.
    public func install(_ genesis: Genesis) throws(NodeHomeError) {
        do { try genesis.validate() } catch { throw .genesis(error) }
        let target = genesisURL(genesis.chainID)
        if FileManager.default.fileExists(atPath: target.path) {
            let existing: Genesis
            do { existing = try Genesis.load(from: target) } catch { throw .genesis(error) }
            guard existing.hash == genesis.hash else {
                throw .invalid("\(target.path) already holds a different genesis for chain \(genesis.chainID)")
            }
        }
        do {
            try FileManager.default.createDirectory(at: chainDirectory(genesis.chainID), withIntermediateDirectories: true)
            try genesis.jsonData().write(to: target, options: .atomic)
        } catch {
            throw .io(path: target.path, reason: error.localizedDescription)
        }
        try updateConfig { config in
            var chains: [String] = []
            if case .array(let list) = config["chains"] {
                chains = list.compactMap { if case .string(let s) = $0 { s } else { nil } }
            }
            if !chains.contains(genesis.chainID) { chains.append(genesis.chainID) }
            config["chains"] = .array(chains.map { .string($0) })
            if config["chainID"] == nil || config["chainID"] == .null { config["chainID"] = .string(genesis.chainID) }
        }
    }

    /// The chain to use: `chainID` if given, else the config's default.
    public func resolveChain(_ chainID: String?) throws(NodeHomeError) -> String {
        if let chainID { return chainID }
        guard let chain = try loadConfig().chainID else {
            throw .invalid("no chain installed in \(url.path); run `medchain genesis ... --home \(url.path)` first")
        }
        return chain
    }

    public func loadGenesis(_ chainID: String) throws(NodeHomeError) -> Genesis {
        do { return try Genesis.load(from: genesisURL(chainID)) } catch { throw .genesis(error) }
    }

    /// Opens (creating on first use) the ledger of `chainID`, or of the default chain.
    public func openLedger(chainID: String? = nil, faultInjector: (@Sendable (FaultPoint) throws -> Void)? = nil) throws(NodeHomeError) -> Ledger {
        let chain = try resolveChain(chainID)
        let genesis = try loadGenesis(chain)
        do { return try Ledger(url: databaseURL(chain), genesis: genesis, faultInjector: faultInjector) } catch { throw .store(error) }
    }

    /// Opens only the database (queries need no state in memory).
    public func openStore(chainID: String? = nil) throws(NodeHomeError) -> (ChainStore, Genesis) {
        let chain = try resolveChain(chainID)
        let genesis = try loadGenesis(chain)
        guard FileManager.default.fileExists(atPath: databaseURL(chain).path) else {
            throw .invalid("chain \(chain) has no database yet at \(databaseURL(chain).path); submit a transaction first")
        }
        do { return (try ChainStore(url: databaseURL(chain), genesis: genesis), genesis) } catch { throw .store(error) }
    }

    /// Rewrites config.json through `change`, keeping every key it does not touch.
    func updateConfig(_ change: (inout [String: JSONValue]) -> Void) throws(NodeHomeError) {
        var config: [String: JSONValue] = [:]
        if let data = FileManager.default.contents(atPath: configURL.path) {
            do { config = try JSONDecoder().decode([String: JSONValue].self, from: data) } catch {
                throw .io(path: configURL.path, reason: "not a JSON object: \(error)")
            }
        }
        change(&config)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { try encoder.encode(config).write(to: configURL, options: .atomic) } catch {
            throw .io(path: configURL.path, reason: error.localizedDescription)
        }
    }
}

/// The parts of `config.json` the ledger reads.
public struct NodeConfig: Codable, Sendable {
    public var name: String
    public var publicKey: PublicKey
    /// The default chain for commands without `--chain`.
    public var chainID: String?
    public var chains: [String]?
}

/// A problem with a node home: missing or unreadable files, keys, genesis or database.
public enum NodeHomeError: Error, CustomStringConvertible, Sendable {
    case invalid(String)
    case io(path: String, reason: String)
    case identity(IdentityError)
    case genesis(GenesisError)
    case store(StoreError)

    public var description: String {
        switch self {
        case .invalid(let message): message
        case .io(let path, let reason): "\(path): \(reason)"
        case .identity(let error): "\(error)"
        case .genesis(let error): "\(error)"
        case .store(let error): "\(error)"
        }
    }
}
