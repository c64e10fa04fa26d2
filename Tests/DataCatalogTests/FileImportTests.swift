import ContentStore
import DataSets
import Foundation
import Tensor
import Testing
@testable import DataCatalog

struct FileImportTests {
    /// A MedMNIST-layout archive with 6 train, 2 validation and 3 test grey 3×2 images.
    func writeTinyNPZ(in directory: URL) throws -> (path: String, labels: [UInt8]) {
        var generator = SeededGenerator(seed: 3)
        let labels: [UInt8] = [0, 2, 1, 2, 2, 0, /* val */ 1, 2, /* test */ 0, 0, 2]
        func images(_ n: Int) -> [UInt8] { (0..<(n * 6)).map { _ in UInt8(generator.integer(below: 256)) } }
        let arrays = [
            NPZWriter.Array.uint8("train_images", shape: [6, 3, 2], images(6)),
            .uint8("train_labels", shape: [6, 1], Array(labels[0..<6])),
            .uint8("val_images", shape: [2, 3, 2], images(2)),
            .uint8("val_labels", shape: [2, 1], Array(labels[6..<8])),
            .uint8("test_images", shape: [3, 3, 2], images(3)),
            .uint8("test_labels", shape: [3, 1], Array(labels[8...])),
        ]
        let url = directory.appendingPathComponent("tiny.npz")
        try Data(NPZWriter.archive(arrays)).write(to: url)
        return (url.path, labels)
    }

    /// Writes a stored blob to a file, for the loaders.
    func fileOf(_ cid: String, in store: Blockstore, name: String, directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(store.bytes(of: CID(parsing: cid))).write(to: url)
        return url.path
    }

    @Test func anNPZManifestDescribesTheImagesAndItsSplitsReloadBitForBit() throws {
        let directory = CatalogFixtures.directory()
        let (path, _) = try writeTinyNPZ(in: directory)
        let store = try CatalogFixtures.store(in: directory)
        let prepared = try DatasetImporter.importFile(path, into: store)
        let manifest = prepared.manifest
        #expect(manifest.format == "medmnist-npz" && manifest.schema == "image:1x3x2:3")
        #expect(manifest.exampleShape == [1, 3, 2] && manifest.classNames == ["0", "1", "2"] && manifest.columns == nil)
        // Labels 0,2,1,2,2,0 | 1,2 | 0,0,2: four 0s, two 1s, five 2s.
        #expect(manifest.recordCount == 11 && manifest.labelCounts == [4, 2, 5])
        #expect(manifest.splitCounts == ["train": 6, "validation": 2, "test": 3])
        // The source is the file as it is: its CID is the one `ipfs add` gives the file.
        let fileCID = try store.put(file: URL(fileURLWithPath: path), pin: false).root
        #expect(manifest.sourceCID == fileCID.description)
        #expect(try store.bytes(of: fileCID) == [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        // Each split blob holds that split's two MedMNIST members alone, with the same arrays.
        let original = try ZipArchive(contentsOf: path)
        for (name, prefix) in [("train", "train"), ("validation", "val"), ("test", "test")] {
            let blob = try ZipArchive(bytes: store.bytes(of: CID(parsing: manifest.splitCIDs[name]!)), name: name)
            #expect(blob.entries.map(\.name) == ["\(prefix)_images.npy", "\(prefix)_labels.npy"])
            for member in blob.entries.map(\.name) {
                #expect(try blob.contents(of: member) == original.contents(of: member), "\(member)")
            }
        }
        let train = try MedMNIST.load(contentsOf: fileOf(manifest.splitCIDs["train"]!, in: store, name: "train.npz", directory: directory))
        #expect(train.train == (try MedMNIST.load(contentsOf: path)).train)
        // The manifest blob is the manifest, and the store pins all five blobs.
        #expect(try DatasetManifest.decode(store.bytes(of: prepared.manifestCID)) == manifest)
        #expect(Set(try store.pins()) == Set(prepared.blobs.map(\.cid)) && prepared.blobs.count == 5)
    }

    @Test func aCSVManifestNamesTheColumnsAndTheirTypesAndItsSplitsReloadBitForBit() throws {
        let directory = CatalogFixtures.directory()
        let path = try CatalogFixtures.write(CatalogFixtures.distinctiveCSV().text, to: "table.csv", in: directory)
        let prepared = try DatasetImporter.prepare(file: path, options: .init(labelColumn: "outcome", seed: 5))
        let manifest = prepared.manifest
        #expect(manifest.format == "csv")
        #expect(manifest.featureNames == ["alpha", "beta", "gamma"] && manifest.labelName == "outcome")
        #expect(manifest.columns == ["alpha", "beta", "gamma"].map { DatasetManifest.Column(name: $0, type: "number") })
        // python3 -c "import hashlib; print(hashlib.sha256(b'alpha\tnumber\t\t\nbeta\tnumber\t\t\ngamma\tnumber\t\t\nlabel\toutcome\n').hexdigest()[:12])"
        #expect(manifest.schema == "table:3:2:ffcd5320f421")
        // 7 of the 20 rows (0, 3, …, 18) say yes; classes sort as no, yes.
        #expect(manifest.classNames == ["no", "yes"] && manifest.labelCounts == [13, 7] && manifest.recordCount == 20)
        #expect(manifest.splitSeed == 5 && manifest.mappingCID == nil && manifest.preparation == nil)

        let store = try CatalogFixtures.store(in: directory)
        try prepared.store(into: store)
        let original = try CSVDataset.load(contentsOf: path, options: .init(labelColumn: "outcome", standardizes: false, seed: 5))
        for (name, data) in [("train", original.train), ("validation", original.validation!), ("test", original.test!)] {
            let blob = try fileOf(manifest.splitCIDs[name]!, in: store, name: "\(name).csv", directory: directory)
            let reloaded = try CSVDataset.load(contentsOf: blob, options: .init(
                labelColumn: "outcome", testFraction: 0, validationFraction: 0, standardizes: false))
            #expect(reloaded.train.features == data.features, "split \(name)")
            #expect(reloaded.train.labels.map { reloaded.classNames[$0] } == data.labels.map { original.classNames[$0] })
            #expect(manifest.splitCounts[name] == data.count)
        }
    }

    @Test func manifestsAreDeterministicAndNameTheirPublisher() throws {
        let directory = CatalogFixtures.directory()
        let path = try CatalogFixtures.write(CatalogFixtures.distinctiveCSV().text, to: "table.csv", in: directory)
        let a = try DatasetImporter.prepare(file: path, options: .init(labelColumn: "outcome", publisher: "aa"))
        let again = try DatasetImporter.prepare(file: path, options: .init(labelColumn: "outcome", publisher: "aa"))
        let b = try DatasetImporter.prepare(file: path, options: .init(labelColumn: "outcome", publisher: "bb"))
        #expect(a.manifestCID == again.manifestCID && a.manifest.canonicalJSON() == again.manifest.canonicalJSON())
        #expect(a.manifestCID != b.manifestCID && b.manifest.publisher == "bb")
        #expect(a.manifest.sourceCID == b.manifest.sourceCID)
    }

    @Test func aFHIRManifestRecordsUnitsCodesTheMappingAndWhatWasImputed() throws {
        let bundle = CatalogFixtures.dataSetsInput("fhir_small_bundle.json")
        let mappingPath = CatalogFixtures.dataSetsInput("fhir_small_mapping.json")
        let prepared = try DatasetImporter.prepare(file: bundle, options: .init(mappingPath: mappingPath))
        let manifest = prepared.manifest
        #expect(manifest.format == "fhir-r4" && manifest.labelName == "diabetes" && manifest.classNames == ["no", "yes"])
        #expect(manifest.columns?.first == DatasetManifest.Column(name: "heart_rate", type: "quantity", unit: "/min", code: "http://loinc.org|8867-4"))
        #expect(manifest.columns?.last?.unit == "mg/dL")
        // p3 is dropped (3 of 4 columns missing); p1 and p4 have diabetes (see FHIRDatasetTests).
        #expect(manifest.recordCount == 5 && manifest.labelCounts == [3, 2])
        #expect(manifest.preparation == DatasetManifest.Preparation(
            missingValues: "drop-rows-missing-over-1;impute-train-median", issues: 0, skippedResources: 0,
            unlabelledRows: 0, droppedRows: 1, imputedCells: [0, 0, 0, 1]))
        let mappingBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: mappingPath)))
        let store = try CatalogFixtures.store()
        #expect(manifest.mappingCID == (try store.put(bytes: mappingBytes, pin: false)).root.description)
        #expect(prepared.blobs.map(\.role).filter { !$0.hasPrefix("split:") } == ["source", "mapping", "manifest"])
        // The split blobs hold the imputed values, not standardised.
        try prepared.store(into: store)
        let rows = try FHIRDataset.load(contentsOf: bundle, options: .init(mapping: .load(contentsOf: mappingPath), standardizes: false))
        let directory = CatalogFixtures.directory()
        let train = try CSVDataset.load(contentsOf: fileOf(manifest.splitCIDs["train"]!, in: store, name: "t.csv", directory: directory),
                                        options: .init(labelColumn: "diabetes", testFraction: 0, validationFraction: 0, standardizes: false))
        #expect(train.train.features == rows.splits.train.features && train.featureNames == manifest.featureNames)
    }

    @Test func aLenientFHIRImportCountsWhatItSkippedAndAStrictOneFails() throws {
        let directory = CatalogFixtures.directory()
        let mapping = try CatalogFixtures.write("""
            {"columns": [{"name": "heart_rate", "code": "8867-4", "unit": "/min"}, {"name": "glucose", "code": "2339-0", "unit": "mg/dL"}],
             "label": {"name": "diabetes", "condition": {"codes": ["44054006"]}}, "missing": {"maxMissingPerRow": 1}}
            """, to: "mapping.json", in: directory)
        let bundle = CatalogFixtures.dataSetsInput("fhir_malformed_bundle.json")
        let lenient = try DatasetImporter.prepare(file: bundle, options: .init(mappingPath: mapping))
        #expect(lenient.issues.count == 10 && lenient.manifest.preparation?.skippedResources == 10)
        #expect(lenient.manifest.recordCount == 2)
        do {
            _ = try DatasetImporter.prepare(file: bundle, options: .init(mappingPath: mapping, strict: true))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("\(bundle): 10 problems in the bundle, so --strict rejects it"))
            #expect(error.description.contains("Patient/bad id! at Bundle.entry[1].resource.id"))
        }
    }

    @Test(arguments: [
        ("table.csv", DatasetImporter.FileOptions(mappingPath: "m.json"), "--mapping applies to FHIR bundles only"),
        ("table.csv", DatasetImporter.FileOptions(strict: true), "--strict applies to FHIR bundles only"),
        ("bundle.json", DatasetImporter.FileOptions(labelColumn: "x"), "--label applies to CSV files only; a FHIR label comes from the mapping"),
        ("table.txt", DatasetImporter.FileOptions(), "table.txt: cannot tell the format from the extension; use .npz, .csv or .json (FHIR), or pass --format npz|csv|fhir"),
    ])
    func optionsThatDoNotFitTheFormatAreErrors(name: String, options: DatasetImporter.FileOptions, message: String) {
        #expect(throws: CatalogError.self) { try DatasetImporter.prepare(file: name, options: options) }
        do { _ = try DatasetImporter.prepare(file: name, options: options) } catch { #expect(error.description == message) }
    }

    @Test func badFilesAreOneLineErrorsNamingTheFile() throws {
        let directory = CatalogFixtures.directory()
        let csv = try CatalogFixtures.write("a,label\n1,x\n", to: "t.csv", in: directory)
        let fhir = try CatalogFixtures.write(#"{"resourceType": "Bundle", "entry": []}"#, to: "b.json", in: directory)
        let cases: [(String, DatasetImporter.FileOptions, String)] = [
            (directory.path + "/none.csv", .init(), directory.path + "/none.csv: no such file; check the path"),
            (csv, .init(labelColumn: "outcome"), csv + ": no label column 'outcome'; the columns are: a, label"),
            (fhir, .init(), fhir + ": a FHIR bundle needs --mapping FILE (which codes become which columns; see Data/fhir-example-mapping.json)"),
            (fhir, .init(mappingPath: CatalogFixtures.dataSetsInput("fhir_small_mapping.json")),
             fhir + ": no patient is left: of 0, 0 have no label and 0 miss more than 1 of the 4 columns; check the codes in the mapping"),
        ]
        for (path, options, message) in cases {
            do {
                _ = try DatasetImporter.prepare(file: path, options: options)
                Issue.record("expected an error for \(path)")
            } catch {
                #expect(error.description == message)
            }
        }
    }

    @Test func aFailedStoreLeavesNoPinBehind() throws {
        let directory = CatalogFixtures.directory()
        let path = try CatalogFixtures.write(CatalogFixtures.distinctiveCSV().text, to: "table.csv", in: directory)
        let prepared = try DatasetImporter.prepare(file: path, options: .init(labelColumn: "outcome"))
        let store = try CatalogFixtures.store(in: directory)
        // Blocks cannot be written once the blocks folder is a file (root ignores permissions).
        let blocks = store.directory.appendingPathComponent("blocks")
        try FileManager.default.removeItem(at: blocks)
        try Data().write(to: blocks)
        do {
            try prepared.store(into: store)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("storing the split:train blob failed, so nothing was registered: "))
        }
        #expect(try store.pins().isEmpty)
    }

    @Test func storingTwicePinsNothingNewAndUnpinUndoesAStore() throws {
        let directory = CatalogFixtures.directory()
        let path = try CatalogFixtures.write(CatalogFixtures.distinctiveCSV().text, to: "table.csv", in: directory)
        let prepared = try DatasetImporter.prepare(file: path, options: .init(labelColumn: "outcome"))
        let store = try CatalogFixtures.store(in: directory)
        let pinned = try prepared.store(into: store)
        #expect(pinned.count == 5 && pinned.last == prepared.manifestCID)
        #expect(try prepared.store(into: store).isEmpty)
        prepared.unpin(pinned, from: store)
        #expect(try store.pins().isEmpty)
    }
}
