import ArgumentParser
import Foundation
import Ledger

/// `medchain tx …`: sign and commit transactions with the node's key.
struct TxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx", abstract: "Sign and submit transactions.", subcommands: [TxSubmitCommand.self])
}

struct TxSubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Sign transactions from a JSON file with the node's key, check them, and commit them as one block.",
        discussion: """
            FILE holds one transaction or an array: {"type": "RegisterDataset", "payload": {...}, "nonce": 3}. \
            The nonce is optional (default: the node's next nonce). This is the single-validator path: \
            the node must be the chain's only validator; it proposes the block, signs the commit \
            certificate (a quorum of one) and persists it. See docs/ledger.md for every payload.
            """)

    @OptionGroup var options: LedgerHomeOptions
    @Argument(help: "JSON file with a transaction or an array of them.") var file: String
    @Flag(help: "Only check: sign and validate against the current state, commit nothing.") var checkOnly = false
    @Flag(help: "Print JSON.") var json = false

    struct Entry: Decodable {
        var payload: TransactionPayload
        var nonce: UInt64?

        init(from decoder: Decoder) throws {
            payload = try TransactionPayload(from: decoder)
            nonce = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(UInt64.self, forKey: .nonce)
        }
        enum CodingKeys: String, CodingKey { case nonce }
    }

    struct Output: Encodable {
        struct Item: Encodable { var hash: Hash256; var type: String; var nonce: UInt64 }
        var committed: Bool, height: UInt64, blockID: Hash256?, stateRoot: Hash256, transactions: [Item]
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw LedgerCLIError("cannot read \(file)") }
        let entries: [Entry]
        do {
            if let many = try? JSONDecoder().decode([Entry].self, from: data) { entries = many }
            else { entries = [try JSONDecoder().decode(Entry.self, from: data)] }
        } catch {
            throw LedgerCLIError("\(file): not a transaction or an array of them: \(Self.describe(error))")
        }
        guard !entries.isEmpty else { throw LedgerCLIError("\(file) holds no transactions") }
        do {
            let home = options.nodeHome
            let ledger = try home.openLedger(chainID: options.chain)
            let node = LocalValidator(ledger: ledger, key: try home.loadKey())
            let next = ledger.application.state.member(node.key.publicKey)?.nonce ?? 0
            var signed: [VerifiedTransaction] = []
            for (i, entry) in entries.enumerated() {
                let tx = Transaction(chainID: ledger.chainID, sender: node.key.publicKey, nonce: entry.nonce ?? next + UInt64(i),
                                     payload: entry.payload).signed(by: node.key)
                signed.append(try TransactionVerifier.verify(tx, maxBytes: ledger.genesis.limits.maxTransactionBytes))
            }
            let items = signed.map { Output.Item(hash: $0.hash, type: $0.transaction.kind.name, nonce: $0.transaction.transaction.nonce) }
            if checkOnly {
                let proposal = try node.propose(signed)
                if let first = proposal.rejected.first { throw LedgerError.transaction(first.rejection) }
                return try report(Output(committed: false, height: proposal.block.height, blockID: nil,
                                         stateRoot: proposal.staged.stateRoot, transactions: items))
            }
            let committed = try node.commitBlock(signed)
            try report(Output(committed: true, height: committed.block.height, blockID: committed.block.id,
                              stateRoot: committed.block.header.stateRoot, transactions: items))
        } catch let error as LedgerCLIError {
            throw error
        } catch {
            throw LedgerCLIError(error)
        }
    }

    func report(_ output: Output) throws {
        if json { return try LedgerOutput.printJSON(output) }
        print(output.committed
              ? "committed block \(output.height) (\(output.transactions.count) transaction(s)), state root \(output.stateRoot.hex)"
              : "checked: would commit as block \(output.height) with state root \(output.stateRoot.hex)")
        for item in output.transactions {
            print("  \(item.hash.hex)  \(item.type)  nonce \(item.nonce)" + (item.type == "PublishTask" ? "  (task ID)" : ""))
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return (context.codingPath.map(\.stringValue).joined(separator: ".") + ": " + context.debugDescription)
        case DecodingError.keyNotFound(let key, let context):
            return "missing field \((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))"
        default:
            return "\(error)"
        }
    }
}
