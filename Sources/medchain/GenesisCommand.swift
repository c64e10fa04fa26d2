import ArgumentParser
import Foundation
import Ledger

/// `medchain genesis`: assembles a genesis file from members' public keys and installs it.
struct GenesisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genesis",
        abstract: "Assemble a genesis file from members' public keys.",
        discussion: """
            Each --member is HOME:ROLES (a node home made by `medchain init`; its name and key are read) \
            or NAME=PUBLICKEYHEX:ROLES. ROLES is a comma-separated list of validator, trainer, \
            task-publisher, auditor. With --home the genesis is installed into those node homes \
            (DIR/chain/<chain-id>/genesis.json) and becomes their default chain.
            """)

    @Option(name: .customLong("chain-id"), help: "The chain ID ([A-Za-z0-9._-], up to 64 characters).")
    var chainID: String

    @Option(name: .customLong("member"), help: "A member: HOME:ROLES or NAME=PUBLICKEYHEX:ROLES (repeatable).")
    var members: [String]

    @Option(help: "Write the genesis JSON here (default: stdout unless --home is given).")
    var out: String?

    @Option(name: .customLong("home"), help: "Install into this node home (repeatable).")
    var homes: [String] = []

    @Option(name: .customLong("genesis-time"), help: "Genesis time in ms since 1970 (default: now).")
    var genesisTime: UInt64?

    @Option(name: .customLong("initial-reputation"), help: "Reputation of every member.")
    var initialReputation: Int64 = 100

    @Option(name: .customLong("evidence-penalty"), help: "Reputation lost per committed evidence.")
    var evidencePenalty: Int64 = 50

    @Option(name: .customLong("max-tx-bytes"), help: "Largest transaction, in bytes.")
    var maxTransactionBytes: Int = 65_536

    @Option(name: .customLong("max-block-bytes"), help: "Largest block (sum of transactions), in bytes.")
    var maxBlockBytes: Int = 16 << 20

    @Option(name: .customLong("max-block-txs"), help: "Most transactions per block.")
    var maxBlockTransactions: Int = 10_000

    @Option(name: .customLong("chain-type"), help: "public, private or consortium.")
    var chainType: String = "consortium"

    @Option(help: "tendermint-bft, pbft, raft or proof-of-authority.")
    var consensus: String = "tendermint-bft"

    @Option(help: "permissioned or permissionless.")
    var permission: String = "permissioned"

    @Option(help: "off-chain, on-chain or hybrid.")
    var storage: String = "off-chain"

    @Option(help: "centralised, consortium or decentralised.")
    var governance: String = "consortium"

    func run() throws {
        let parsed = try members.map(parseMember)
        func option<T: RawRepresentable>(_ value: String, _ name: String) throws -> T where T.RawValue == String, T: CaseIterable {
            guard let option = T(rawValue: value) else {
                throw LedgerCLIError("--\(name) \(value) is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return option
        }
        let options = BlockOptions(chainType: try option(chainType, "chain-type"), consensus: try option(consensus, "consensus"),
                                   permission: try option(permission, "permission"), storage: try option(storage, "storage"),
                                   governance: try option(governance, "governance"))
        let genesis = Genesis(
            chainID: chainID, genesisTime: genesisTime ?? SystemClock().now(), members: parsed,
            consensus: ConsensusParameters(initialReputation: initialReputation, evidencePenalty: evidencePenalty),
            limits: Limits(maxTransactionBytes: maxTransactionBytes, maxBlockBytes: maxBlockBytes, maxBlockTransactions: maxBlockTransactions),
            options: options)
        do { try genesis.validate() } catch { throw LedgerCLIError(error) }
        if let out {
            do { try genesis.jsonData().write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw LedgerCLIError("cannot write \(out): \(error.localizedDescription)")
            }
        } else if homes.isEmpty {
            print(String(decoding: genesis.jsonData(), as: UTF8.self))
        }
        for home in homes {
            do { try NodeHome(home).install(genesis) } catch { throw LedgerCLIError(error) }
        }
        LedgerOutput.standardError("genesis \(genesis.hash.hex) for chain \(chainID): \(parsed.count) members, \(genesis.validators.count) validators"
            + (out.map { ", written to \($0)" } ?? "") + (homes.isEmpty ? "" : ", installed in \(homes.joined(separator: ", "))"))
    }

    func parseMember(_ spec: String) throws -> Genesis.Member {
        guard let colon = spec.lastIndex(of: ":") else {
            throw LedgerCLIError("--member \(spec): expected HOME:ROLES or NAME=PUBLICKEYHEX:ROLES")
        }
        let who = String(spec[..<colon]), roleList = String(spec[spec.index(after: colon)...])
        guard let roles = Roles(names: roleList), !roles.isEmpty else {
            throw LedgerCLIError("--member \(spec): unknown roles \"\(roleList)\"; use validator, trainer, task-publisher, auditor")
        }
        if let equals = who.firstIndex(of: "="), !FileManager.default.fileExists(atPath: who) {
            let name = String(who[..<equals]), hex = String(who[who.index(after: equals)...])
            guard let key = PublicKey(hex: hex) else { throw LedgerCLIError("--member \(spec): \(hex) is not a 64-hex-digit public key") }
            return Genesis.Member(name: name, publicKey: key, roles: roles)
        }
        let config: NodeConfig
        do { config = try NodeHome(who).loadConfig() } catch { throw LedgerCLIError("--member \(spec): \(error)") }
        return Genesis.Member(name: config.name, publicKey: config.publicKey, roles: roles)
    }
}
