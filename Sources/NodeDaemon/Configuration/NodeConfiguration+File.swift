import Consensus
import Foundation
import Ledger

extension NodeConfiguration {
    /// Reads and checks `HOME/node.json`.
    public static func load(home: URL) throws(NodeConfigurationError) -> NodeConfiguration {
        try load(from: home.appendingPathComponent(fileName))
    }

    /// Reads and checks a configuration file; errors name the file and the field.
    public static func load(from url: URL) throws(NodeConfigurationError) -> NodeConfiguration {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw NodeConfigurationError(path: url.path, field: nil,
                                         message: "does not exist or cannot be read; create it (see docs/node.md) or run `medchain testnet --no-start`")
        }
        return try decode(data, path: url.path)
    }

    /// Decodes and validates `data`; `path` names the source in errors.
    public static func decode(_ data: Data, path: String) throws(NodeConfigurationError) -> NodeConfiguration {
        let configuration: NodeConfiguration
        do {
            configuration = try JSONDecoder().decode(NodeConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw NodeConfigurationError(path: path, decoding: error)
        } catch {
            throw NodeConfigurationError(path: path, field: nil, message: "\(error)")
        }
        try configuration.validate(path: path)
        return configuration
    }

    /// Checks values JSON types cannot: chain ID syntax, ranges, ordering of limits.
    public func validate(path: String) throws(NodeConfigurationError) {
        func fail(_ field: String, _ message: String) -> NodeConfigurationError {
            NodeConfigurationError(path: path, field: field, message: message)
        }
        if let chainID {
            do { try Genesis.validate(chainID: chainID) } catch { throw fail("chainID", "\(error)") }
        }
        if listen.port != 0, listen == status { throw fail("status", "must differ from listen (\(listen))") }
        for (name, address) in peers {
            guard !name.isEmpty else { throw fail("peers", "a peer name is empty; use the validator's genesis name") }
            guard address.port != 0 else { throw fail("peers.\(name)", "port 0 is not a reachable address") }
        }
        let t = consensus.timeouts
        for (field, value) in [("proposeMs", t.proposeMs), ("prevoteMs", t.prevoteMs), ("precommitMs", t.precommitMs)] {
            if let value, value == 0 || value > 3_600_000 { throw fail("consensus.timeouts.\(field)", "must be 1...3600000 ms") }
        }
        guard consensus.gossipIntervalMs >= 10 else { throw fail("consensus.gossipIntervalMs", "must be at least 10 ms") }
        guard limits.maxMessageBytes >= 64 << 10 else { throw fail("limits.maxMessageBytes", "must be at least 65536 (a block proposal must fit)") }
        guard limits.maxRequestBytes >= 1024 else { throw fail("limits.maxRequestBytes", "must be at least 1024") }
        guard network.reconnectInitialMs >= 1 else { throw fail("network.reconnectInitialMs", "must be at least 1 ms") }
        guard network.reconnectMaxMs >= network.reconnectInitialMs else {
            throw fail("network.reconnectMaxMs", "must be ≥ reconnectInitialMs (\(network.reconnectInitialMs))")
        }
        for (field, value) in [("paths.ledger", paths.ledger), ("paths.wal", paths.wal)] {
            if let value, value.isEmpty { throw fail(field, "must not be empty (leave it out for the default)") }
        }
    }

    /// Writes the file (pretty, sorted keys).
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// The consensus engine's configuration for `genesis`.
    public func consensusConfiguration(genesis: Genesis) -> ConsensusNode.Configuration {
        ConsensusNode.Configuration(timeouts: consensus.timeouts.policy(genesis: genesis.consensus),
                                    maxMessageBytes: limits.maxMessageBytes, synchronousLog: consensus.synchronousLog,
                                    gossipIntervalMs: consensus.gossipIntervalMs)
    }
}
