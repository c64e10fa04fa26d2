import ContentStore
import DataSets
import Foundation
import GRDB
import Ledger
import Testing
@testable import DataCatalog

/// Registers datasets on a real single-validator chain, as `medchain data add` does, and
/// searches everything the ledger keeps for the data.
struct DataStaysLocalTests {
    @Test func theLedgerHoldsManifestCIDsSchemasAndCountsButNoRecord() throws {
        // A node home whose node is the chain's only validator (and a trainer).
        let directory = CatalogFixtures.directory()
        // A fixed key and clock make the ledger's bytes the same on every run.
        let home = try NodeHome.initialize(at: directory.appendingPathComponent("home").path, name: "hospital-a",
                                           key: try SigningKey(seed: [UInt8](repeating: 7, count: 32)))
        let key = try home.loadKey()
        let genesis = Genesis(chainID: "catalog-test", genesisTime: 1_767_225_600_000,
                              members: [.init(name: "hospital-a", publicKey: key.publicKey, roles: [.validator, .trainer])])
        try home.install(genesis)
        let ledger = try home.openLedger()
        let node = LocalValidator(ledger: ledger, key: key, clock: ManualClock(milliseconds: 1_767_225_700_000))

        // Two datasets: a CSV of distinctive values and the example FHIR bundle.
        let csv = CatalogFixtures.distinctiveCSV()
        let csvPath = try CatalogFixtures.write(csv.text, to: "patients.csv", in: directory)
        let fhirPath = CatalogFixtures.repositoryPath("Data/fhir-example-bundle.json")
        let prepared = [
            try DatasetImporter.prepare(file: csvPath, options: .init(labelColumn: "outcome", publisher: key.publicKey.hex)),
            try DatasetImporter.prepare(file: fhirPath, options: .init(
                mappingPath: CatalogFixtures.repositoryPath("Data/fhir-example-mapping.json"), publisher: key.publicKey.hex)),
        ]
        let store = try Blockstore(home: home.url)
        var transactions: [VerifiedTransaction] = []
        for (i, dataset) in prepared.enumerated() {
            try dataset.store(into: store)
            let payload = RegisterDataset(
                manifestCID: dataset.manifestCID.description, schema: dataset.manifest.schema,
                recordCount: UInt64(dataset.manifest.recordCount), labelCounts: dataset.manifest.labelCounts.map { UInt64($0) },
                epsilonBudget: Epsilon(8)!)
            transactions.append(try TransactionVerifier.verify(node.sign(.registerDataset(payload), nonceOffset: UInt64(i)),
                                                               maxBytes: genesis.limits.maxTransactionBytes))
        }
        try node.commitBlock(transactions)

        // State: one row per dataset with exactly the manifest's CID, schema and counts.
        let datasets = ledger.application.state.datasets
        #expect(datasets.count == 2)
        for dataset in prepared {
            let record = try #require(datasets[dataset.manifestCID.description])
            #expect(record.schema == dataset.manifest.schema && record.owner == key.publicKey)
            #expect(record.recordCount == UInt64(dataset.manifest.recordCount))
            #expect(record.labelCounts == dataset.manifest.labelCounts.map { UInt64($0) })
        }

        // Everything the ledger keeps: the database files, every transaction's bytes, every
        // column of every row of every table.
        let databaseURL = home.databaseURL("catalog-test")
        var files: [UInt8] = []
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: databaseURL.path + suffix) { files += data }
        }
        let reader = try DatabaseQueue(path: databaseURL.path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        let (transactionBytes, rowBytes): ([[UInt8]], [UInt8]) = try reader.read { db in
            let transactions = try Data.fetchAll(db, sql: "SELECT bytes FROM transactions").map { [UInt8]($0) }
            var rows: [UInt8] = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                    for value in row.databaseValues {
                        switch value.storage {
                        case .blob(let data): rows += data
                        case .string(let text): rows += Array(text.utf8)
                        case .int64(let n): rows += withUnsafeBytes(of: n.littleEndian, Array.init)
                        case .double(let x): rows += withUnsafeBytes(of: x.bitPattern.littleEndian, Array.init)
                        case .null: break
                        }
                        rows.append(0)
                    }
                }
            }
            return (transactions, rows)
        }
        #expect(transactionBytes.count == 2 && transactionBytes.allSatisfy { $0.count < 512 })
        let places: [(String, [UInt8])] = [("database files", files), ("state and block rows", rowBytes)]
            + transactionBytes.map { ("a transaction", $0) }
            + prepared.map { ("a manifest", $0.manifest.canonicalJSON()) }

        // The search works: it finds what is meant to be there.
        for dataset in prepared {
            let cid = Array(dataset.manifestCID.description.utf8), schema = Array(dataset.manifest.schema.utf8)
            #expect(CatalogFixtures.contains(files, cid) && CatalogFixtures.contains(files, schema))
            #expect(CatalogFixtures.contains(rowBytes, cid) && transactionBytes.contains { CatalogFixtures.contains($0, cid) })
        }
        #expect(CatalogFixtures.contains(rowBytes, key.publicKey.bytes))

        // Needles from the records: CSV patient ids, cells as written and as loaded (text and
        // the IEEE bytes of Float and Double, both byte orders); FHIR patient ids and MRNs.
        var needles: [(String, [UInt8])] = []
        for id in csv.ids { needles.append((id, Array(id.utf8))) }
        for value in csv.values {
            let loaded = Float(value)
            needles.append(("\(value)", Array("\(value)".utf8)))
            needles.append(("\(loaded)", Array("\(loaded)".utf8)))
            for bits in [value.bitPattern, Double(loaded).bitPattern] {
                needles.append(("\(value) as Double", withUnsafeBytes(of: bits.littleEndian, Array.init)))
                needles.append(("\(value) as big-endian Double", withUnsafeBytes(of: bits.bigEndian, Array.init)))
            }
            needles.append(("\(value) as Float", withUnsafeBytes(of: loaded.bitPattern.littleEndian, Array.init)))
            needles.append(("\(value) as big-endian Float", withUnsafeBytes(of: loaded.bitPattern.bigEndian, Array.init)))
        }
        let bundle = try FHIRBundle(contentsOf: fhirPath)
        #expect(bundle.patients.count == 200)
        for patient in bundle.patients { needles.append((patient.id, Array(patient.id.utf8))) }
        for number in [0, 7, 700, 1393] { needles.append(("MRN-\(100_000 + number)", Array("MRN-\(100_000 + number)".utf8))) }

        var found: [String] = []
        for (place, bytes) in places {
            for (name, needle) in needles where CatalogFixtures.contains(bytes, needle) { found.append("\(name) in \(place)") }
        }
        #expect(found.isEmpty, "record data on the ledger: \(found.prefix(5))")
    }
}
