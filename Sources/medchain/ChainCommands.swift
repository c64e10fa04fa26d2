import ArgumentParser
import Foundation
import Federation
import Ledger

/// `medchain chain …`: query and verify a node's copy of a chain.
struct ChainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Query and verify the ledger.",
        subcommands: [ChainStatusCommand.self, ChainBlockCommand.self, ChainTxCommand.self, ChainListCommand.self,
                      ChainStateCommand.self, ChainVerifyCommand.self])
}

struct ChainStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Height, tip, state root and counts.")
    @OptionGroup var options: LedgerHomeOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let status: ChainStore.Status
        do {
            let (store, genesis) = try options.nodeHome.openStore(chainID: options.chain)
            status = try store.status(genesis: genesis)
        } catch { throw LedgerCLIError(error) }
        if json { return try LedgerOutput.printJSON(status) }
        LedgerOutput.table([
            ("chain", status.chainID), ("height", "\(status.height)"), ("tip", status.tipID.hex),
            ("time", LedgerOutput.time(status.tipTimestamp)), ("state root", status.stateRoot.hex),
            ("genesis", status.genesisHash.hex),
            ("transactions", "\(status.transactions)" + (status.transactionsByType.isEmpty ? "" : " ("
                + status.transactionsByType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")),
            ("validators", status.validators.map(\.hex).joined(separator: " ")),
            ("state rows", status.stateRows.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
        ])
    }
}

/// The JSON form of a block for `chain block`.
struct BlockJSON: Encodable {
    struct Vote: Encodable { var validator: PublicKey; var signature: Signature }
    var height: UInt64, id: Hash256, chainID: String, previousID: Hash256, timestamp: UInt64, proposer: PublicKey
    var txRoot: Hash256, txCount: UInt32, typeCounts: [String: UInt32], stateRoot: Hash256, validatorsHash: Hash256
    var options: BlockOptions, blacklist: [PublicKey], certificateRound: UInt32, votes: [Vote], transactions: [Hash256]

    init(_ committed: CommittedBlock) {
        let h = committed.block.header
        height = h.height; id = h.id; chainID = h.chainID; previousID = h.previousID; timestamp = h.timestamp; proposer = h.proposer
        txRoot = h.txRoot; txCount = h.txCount; stateRoot = h.stateRoot; validatorsHash = h.validatorsHash; options = h.options
        typeCounts = Dictionary(uniqueKeysWithValues: h.typeCounts.map { ($0.key.name, $0.value) })
        blacklist = h.blacklist; certificateRound = committed.certificate.round
        votes = committed.certificate.votes.map { Vote(validator: $0.validator, signature: $0.signature) }
        transactions = committed.block.transactions.map { Hash256.sha256($0) }
    }
}

struct ChainBlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "block", abstract: "Show the block at a height.")
    @OptionGroup var options: LedgerHomeOptions
    @Argument(help: "Block height (1 is the first block).") var height: UInt64
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let block: BlockJSON
        do { block = BlockJSON(try options.nodeHome.openStore(chainID: options.chain).0.block(at: height)) } catch { throw LedgerCLIError(error) }
        if json { return try LedgerOutput.printJSON(block) }
        LedgerOutput.table([
            ("height", "\(block.height)"), ("id", block.id.hex), ("previous", block.previousID.hex),
            ("time", LedgerOutput.time(block.timestamp)), ("proposer", block.proposer.hex), ("tx root", block.txRoot.hex),
            ("state root", block.stateRoot.hex), ("validators", block.validatorsHash.hex),
            ("types", block.typeCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
            ("options", "\(block.options.chainType.rawValue), \(block.options.consensus.rawValue), \(block.options.permission.rawValue), \(block.options.storage.rawValue), \(block.options.governance.rawValue)"),
            ("certificate", "round \(block.certificateRound), \(block.votes.count) vote(s): " + block.votes.map { $0.validator.shortHex + "…" }.joined(separator: " ")),
        ])
        for (i, hash) in block.transactions.enumerated() { print("  tx \(i)  \(hash.hex)") }
    }
}

/// The JSON form of a transaction for `chain tx`.
struct TransactionJSON: Encodable {
    var hash: Hash256, height: UInt64, index: Int, type: String, typeTag: String, chainID: String, sender: PublicKey
    var nonce: UInt64, payload: TransactionPayload, signature: Signature, signatureValid: Bool, size: Int
    var txRoot: Hash256, proof: MerkleProof, proofValid: Bool

    init(_ record: ChainStore.TransactionRecord) {
        let tx = record.transaction
        hash = tx.hash; height = record.summary.height; index = record.summary.index; type = tx.kind.name
        typeTag = String(format: "0x%04x", tx.kind.rawValue); chainID = tx.transaction.chainID; sender = tx.sender
        nonce = tx.transaction.nonce; payload = tx.transaction.payload; signature = tx.signature; signatureValid = tx.hasValidSignature
        size = tx.bytes.count; txRoot = record.header.txRoot; proof = record.proof
        proofValid = record.proof.verifies(leafHash: MerkleTree.leafHash(tx.hash), root: record.header.txRoot)
    }
}

struct ChainTxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx", abstract: "Show a transaction and its Merkle inclusion proof.")
    @OptionGroup var options: LedgerHomeOptions
    @Argument(help: "Transaction hash (or a unique prefix of at least 8 hex digits).") var hash: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let tx: TransactionJSON
        do { tx = TransactionJSON(try options.nodeHome.openStore(chainID: options.chain).0.transaction(hash)) } catch { throw LedgerCLIError(error) }
        if json { return try LedgerOutput.printJSON(tx) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        LedgerOutput.table([
            ("hash", tx.hash.hex), ("block", "\(tx.height), index \(tx.index)"), ("type", "\(tx.type) (\(tx.typeTag))"),
            ("chain", tx.chainID), ("sender", tx.sender.hex), ("nonce", "\(tx.nonce)"),
            ("signature", "\(tx.signature.hex.prefix(32))… " + (tx.signatureValid ? "valid" : "INVALID")), ("size", "\(tx.size) bytes"),
            ("inclusion", "\(tx.proof.path.count)-step proof to tx root \(tx.txRoot.hex.prefix(16))… " + (tx.proofValid ? "verifies" : "DOES NOT VERIFY")),
        ])
        print("payload:")
        print(String(decoding: try encoder.encode(tx.payload), as: UTF8.self))
    }
}

struct ChainListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List transactions, optionally of one type or sender.")
    @OptionGroup var options: LedgerHomeOptions
    @Option(help: "Transaction type: \(TransactionKind.allCases.map(\.name).joined(separator: ", ")).") var type: String?
    @Option(help: "Only transactions from this public key (hex).") var sender: String?
    @Option(help: "At most this many.") var limit: Int = 100
    @Option(help: "Skip this many.") var offset: Int = 0
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        var kind: TransactionKind? = nil
        if let type {
            guard let parsed = TransactionKind(name: type) else {
                throw LedgerCLIError("unknown type \(type); use one of \(TransactionKind.allCases.map(\.name).joined(separator: ", "))")
            }
            kind = parsed
        }
        var senderKey: PublicKey? = nil
        if let sender {
            guard let key = PublicKey(hex: sender) else { throw LedgerCLIError("--sender \(sender) is not a 64-hex-digit public key") }
            senderKey = key
        }
        let list: [ChainStore.TransactionSummary]
        do { list = try options.nodeHome.openStore(chainID: options.chain).0.transactions(kind: kind, sender: senderKey, limit: limit, offset: offset) } catch {
            throw LedgerCLIError(error)
        }
        if json { return try LedgerOutput.printJSON(list) }
        for tx in list {
            print("\(tx.height)\t\(tx.index)\t\(tx.hash.hex)\t\(tx.type)\t\(tx.sender.shortHex)…\tnonce \(tx.nonce)")
        }
    }
}

struct ChainStateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "List world-state rows: \(ChainStore.stateTableNames.joined(separator: ", ")).")
    @OptionGroup var options: LedgerHomeOptions
    @Argument(help: "The table.") var table: String
    @Option(name: .customLong("where"), help: "COLUMN=VALUE filter (repeatable; hashes and keys in hex).") var filters: [String] = []
    @Option(help: "At most this many rows.") var limit: Int = 1000
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        var conditions: [String: String] = [:]
        for filter in filters {
            guard let equals = filter.firstIndex(of: "=") else { throw LedgerCLIError("--where \(filter): expected COLUMN=VALUE") }
            conditions[String(filter[..<equals])] = String(filter[filter.index(after: equals)...])
        }
        let rows: [[String: JSONValue]]
        do { rows = try options.nodeHome.openStore(chainID: options.chain).0.stateRows(table, where: conditions, limit: limit) } catch {
            throw LedgerCLIError(error)
        }
        if json { return try LedgerOutput.printJSON(rows) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for row in rows { print(String(decoding: try encoder.encode(row), as: UTF8.self)) }
    }
}

struct ChainVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-check every hash link, Merkle root, signature and certificate, then replay from genesis comparing state roots.",
        discussion: "Exits 1 naming the first bad height and what is wrong when the database was tampered with.")
    @OptionGroup var options: LedgerHomeOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        // A demo's --home holds one node home per hospital: verify each of them.
        let homes = NodeHomeDiscovery.nodeHomes(at: options.home)
        guard !homes.isEmpty else { throw LedgerCLIError("\(options.home) is not a node home (no config.json) and holds none") }
        var failures: [String] = []
        for home in homes {
            let report: ChainVerifier.Report
            do {
                let (store, genesis) = try NodeHome(home).openStore(chainID: options.chain)
                var verifier = ChainVerifier(store: store, genesis: genesis)
                // Aggregates are re-computed from the update blobs, as the node does when it
                // accepts a block.
                verifier.domainValidators = [AggregateVerifier(blobs: try NodeHomeDiscovery.blobSource(for: home))]
                report = try verifier.verify()
            } catch { throw LedgerCLIError("\(home): \(error)") }
            if json {
                try LedgerOutput.printJSON(report)
            } else if report.ok {
                print("\(homes.count > 1 ? home + ": " : "")chain \(report.chainID) verified: \(report.blocks) blocks, \(report.transactions) transactions, \(report.stateRows) state rows; "
                      + "state root \(report.stateRoot) (\(String(format: "%.0f", report.transactionsPerSecond)) tx/s)")
            }
            if let problem = report.problem { failures.append("\(home): chain verify failed at height \(problem.height): \(problem.what)") }
        }
        if let first = failures.first { throw LedgerCLIError(first) }
    }
}
