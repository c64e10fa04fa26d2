import ArgumentParser
import ContentStore
import DataCatalog
import DataSets
import Foundation
import Ledger

/// `medchain data …`: import datasets into the node's block store and register them on the
/// ledger (only the manifest CID, schema and counts go on chain).
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Import datasets (MedMNIST .npz, CSV, FHIR R4) and register them on the ledger.",
        subcommands: [DataAddCommand.self, DataListCommand.self, DataShowCommand.self])
}

// The data commands take the ledger commands' `--home DIR [--chain ID]`.
extension LedgerHomeOptions {
    /// The block store, or nil when the home has none yet (read-only commands never create one).
    func existingStore() throws -> Blockstore? {
        let url = nodeHome.url
        for path in ["store", "keys/store.key"] where !FileManager.default.fileExists(atPath: url.appendingPathComponent(path).path) {
            return nil
        }
        do { return try Blockstore(home: url) } catch { throw CommandFailure("\(error)") }
    }

    /// The registered datasets, or nil when the chain has no database yet.
    func registeredDatasets() throws -> [String: DatasetRecord]? {
        let home = nodeHome
        do {
            let chain = try home.resolveChain(chain)
            guard FileManager.default.fileExists(atPath: home.databaseURL(chain).path) else { return nil }
            let (store, genesis) = try home.openStore(chainID: chain)
            return try store.loadApplication(genesis: genesis).state.datasets
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}

// MARK: data add

struct DataAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Store a dataset file, its splits and its manifest, and register the manifest CID on the ledger.",
        discussion: """
            Reads FILE (.npz MedMNIST, .csv with --label, or a FHIR R4 Bundle .json with --mapping), \
            computes the manifest (schema, record and label counts, CIDs of the source and of each split), \
            stores everything in DIR/store, and commits a RegisterDataset transaction signed with the node's \
            key through the single-validator path: the node must be the chain's only validator. Only the \
            manifest CID, schema, counts and ε budget go on chain; records never do. Nothing is registered \
            if storing fails, and nothing is stored if the file or the transaction is rejected.
            """)

    @OptionGroup var options: LedgerHomeOptions
    @Argument(help: "The dataset file.") var file: String
    @Option(help: "npz | csv | fhir (default: from the extension; .json is FHIR).") var format: String?
    @Option(help: "CSV: the label column (default: a column called 'label').") var label: String?
    @Option(help: "FHIR: the mapping file (codes to columns, label, missing values).") var mapping: String?
    @Flag(help: "FHIR: reject the whole bundle if any resource is malformed or any reference broken.") var strict = false
    @Option(name: .customLong("epsilon-budget"), help: "Total differential-privacy ε all training on this dataset may spend.")
    var epsilonBudget: Double = 8.0
    @Option(help: "Seed of the stratified train/validation/test split of tables without a split column.") var seed: UInt64 = 0
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let format, DatasetFileFormat(rawValue: format) == nil {
            throw ValidationError("--format must be npz, csv or fhir, not '\(format)'")
        }
        guard Epsilon(epsilonBudget) != nil else {
            throw ValidationError("--epsilon-budget must be a finite number ≥ 0, not \(epsilonBudget)")
        }
    }

    struct Output: Encodable {
        var cid: String
        var chain: String
        var height: UInt64
        var transaction: String
        var epsilonBudget: Double
        var manifest: DatasetManifest
        var skipped: [FHIRIssue]
    }

    func run() throws {
        let home = options.nodeHome
        let key: SigningKey
        do { key = try home.loadKey() } catch { throw CommandFailure("\(error)") }

        // 1. Read and describe the file; nothing is written yet.
        let prepared: PreparedDataset
        do {
            prepared = try DatasetImporter.prepare(file: file, options: .init(
                format: format.flatMap(DatasetFileFormat.init(rawValue:)), labelColumn: label, mappingPath: mapping,
                strict: strict, seed: seed, publisher: key.publicKey.hex))
        } catch {
            throw CommandFailure("\(error)")
        }
        let manifest = prepared.manifest
        let cid = prepared.manifestCID.description

        // 2. Check the transaction against the chain before the store changes.
        let chain: String, genesis: Genesis
        do {
            chain = try home.resolveChain(options.chain)
            genesis = try home.loadGenesis(chain)
        } catch {
            throw CommandFailure("\(error)")
        }
        let validators = genesis.validators
        guard validators.count == 1, validators.contains(key.publicKey) else {
            throw CommandFailure(
                "data add commits through the single-validator path, but chain \(chain) has \(validators.count) validator(s)"
                    + (validators.contains(key.publicKey) ? "" : " and this node (\(key.publicKey.shortHex)…) is not one of them")
                    + "; register the dataset through consensus instead")
        }
        let staged: StagedBlock
        let node: LocalValidator
        let transaction: VerifiedTransaction
        do {
            let ledger = try home.openLedger(chainID: chain)
            node = LocalValidator(ledger: ledger, key: key)
            if let existing = ledger.application.state.dataset(cid) {
                throw CommandFailure("dataset \(cid) is already registered (block \(existing.registeredAt)); nothing was changed")
            }
            let payload = RegisterDataset(
                manifestCID: cid, schema: manifest.schema, recordCount: UInt64(manifest.recordCount),
                labelCounts: manifest.labelCounts.map { UInt64($0) }, epsilonBudget: Epsilon(epsilonBudget)!)
            transaction = try TransactionVerifier.verify(node.sign(.registerDataset(payload)),
                                                         maxBytes: ledger.genesis.limits.maxTransactionBytes)
            let proposal = try node.propose([transaction])
            if let first = proposal.rejected.first { throw LedgerError.transaction(first.rejection) }
            staged = proposal.staged
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("\(error)")
        }

        // 3. Store, then commit; a failed commit takes the new pins back.
        let store: Blockstore
        do { store = try Blockstore(home: home.url) } catch { throw CommandFailure("\(error)") }
        let pinned: [CID]
        do { pinned = try prepared.store(into: store) } catch { throw CommandFailure("\(error)") }
        do { try node.commit(staged) } catch {
            prepared.unpin(pinned, from: store)
            throw CommandFailure("storing succeeded but committing the RegisterDataset transaction failed, so the new pins were removed: \(error)")
        }

        let issues = prepared.issues
        if !issues.isEmpty {
            var lines = ["warning: skipped \(prepared.fhirReport?.skippedResources ?? issues.count) resource(s) with problems (--strict would reject the bundle):"]
            lines += issues.prefix(10).map { "  \($0)" }
            if issues.count > 10 { lines.append("  … and \(issues.count - 10) more") }
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        if json {
            return try LedgerOutput.printJSON(Output(cid: cid, chain: chain, height: staged.height, transaction: transaction.hash.hex,
                                            epsilonBudget: epsilonBudget, manifest: manifest, skipped: issues))
        }
        print("registered dataset \(cid) in block \(staged.height) of chain \(chain)")
        DataShowCommand.printSummary(manifest, budget: Epsilon(epsilonBudget)!.description)
    }
}

// MARK: data list

struct DataListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the datasets registered on the chain and which of them are in this node's store.")

    @OptionGroup var options: LedgerHomeOptions
    @Flag(help: "Print JSON.") var json = false

    struct Entry: Encodable {
        var cid: String
        var schema: String
        var recordCount: UInt64
        var labelCounts: [UInt64]
        var epsilonBudget: Double
        var epsilonSpent: Double
        var owner: String
        var registeredAt: UInt64
        /// The manifest is in this node's block store.
        var local: Bool
        /// Registered by this node's key.
        var own: Bool
    }

    func run() throws {
        let datasets = try options.registeredDatasets() ?? [:]
        let store = try options.existingStore()
        let me = try? options.nodeHome.loadKey().publicKey
        let entries = datasets.values.sorted { ($0.registeredAt, $0.cid) < ($1.registeredAt, $1.cid) }.map { record in
            Entry(cid: record.cid, schema: record.schema, recordCount: record.recordCount, labelCounts: record.labelCounts,
                  epsilonBudget: record.epsilonBudget.value, epsilonSpent: record.epsilonSpent.value, owner: record.owner.hex,
                  registeredAt: record.registeredAt,
                  local: (try? CID(parsing: record.cid)).map { store?.has($0) ?? false } ?? false, own: record.owner == me)
        }
        if json { return try LedgerOutput.printJSON(entries) }
        guard !entries.isEmpty else { return print("no datasets registered") }
        let rows = [["CID", "SCHEMA", "RECORDS", "ε SPENT/BUDGET", "BLOCK", "OWNER", "LOCAL"]] + entries.map { e in
            [e.cid, e.schema, "\(e.recordCount)", "\(Epsilon(e.epsilonSpent)!)/\(Epsilon(e.epsilonBudget)!)", "\(e.registeredAt)",
             e.own ? "this node" : String(e.owner.prefix(8)) + "…", e.local ? "yes" : "no"]
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
        for row in rows {
            let cells = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
            print(cells.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression))
        }
    }
}

// MARK: data show

struct DataShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a dataset's manifest (from this node's store) and its registration.")

    @OptionGroup var options: LedgerHomeOptions
    @Argument(help: "The manifest CID.") var cid: String
    @Flag(help: "Print JSON.") var json = false

    struct Registration: Encodable {
        var owner: String
        var registeredAt: UInt64
        var epsilonBudget: Double
        var epsilonSpent: Double
    }

    struct Output: Encodable {
        var cid: String
        var manifest: DatasetManifest
        var registration: Registration?
    }

    func run() throws {
        let parsed: CID
        do { parsed = try CID(parsing: cid) } catch { throw CommandFailure("\(error)") }
        let record = try options.registeredDatasets()?[cid]
        guard let store = try options.existingStore(), store.has(parsed) else {
            throw CommandFailure(record == nil
                ? "\(cid) is neither in this node's store nor registered on the chain; check the CID (`medchain data list`)"
                : "\(cid) is registered on the chain (by \(record!.owner.shortHex)…) but its manifest is not in this node's store")
        }
        let manifest: DatasetManifest
        do { manifest = try StoredDataset(parsed, in: store).manifest } catch { throw CommandFailure("\(error)") }
        let registration = record.map {
            Registration(owner: $0.owner.hex, registeredAt: $0.registeredAt, epsilonBudget: $0.epsilonBudget.value,
                         epsilonSpent: $0.epsilonSpent.value)
        }
        if json { return try LedgerOutput.printJSON(Output(cid: cid, manifest: manifest, registration: registration)) }
        print("dataset \(cid)")
        Self.printSummary(manifest, budget: record.map { "\($0.epsilonBudget) (spent \($0.epsilonSpent))" })
        if let record {
            print("  registered  block \(record.registeredAt) by \(record.owner.hex)")
        } else {
            print("  registered  no (stored locally only)")
        }
    }

    /// The manifest as aligned `key  value` lines.
    static func printSummary(_ m: DatasetManifest, budget: String?) {
        var rows: [(String, String)] = [("format", m.format), ("schema", m.schema)]
        let splits = ["train", "validation", "test"].compactMap { name in m.splitCounts[name].map { "\(name) \($0)" } }
        rows.append(("records", "\(m.recordCount) (\(splits.joined(separator: ", ")))"))
        rows.append(("labels", zip(m.classNames, m.labelCounts).map { "\($0) \($1)" }.joined(separator: ", ")))
        if let columns = m.columns {
            rows.append(("columns", columns.map { $0.name + ($0.unit.map { " [\($0)]" } ?? "") }.joined(separator: ", ")))
        } else {
            rows.append(("example", m.exampleShape.map(String.init).joined(separator: "×")))
        }
        if let p = m.preparation {
            rows.append(("missing", "\(p.missingValues): dropped \(p.droppedRows) rows, \(p.unlabelledRows) unlabelled, imputed \(p.imputedCells.reduce(0, +)) cells"))
            rows.append(("skipped", "\(p.skippedResources) resource(s) with \(p.issues) problem(s)"))
        }
        rows.append(("source", m.sourceCID))
        for name in ["train", "validation", "test"] { if let split = m.splitCIDs[name] { rows.append((name, split)) } }
        if let mapping = m.mappingCID { rows.append(("mapping", mapping)) }
        if let budget { rows.append(("ε budget", budget)) }
        let width = rows.map(\.0.count).max() ?? 0
        for (key, value) in rows { print("  " + key.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value) }
    }
}
