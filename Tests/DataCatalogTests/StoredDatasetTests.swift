import ContentStore
import DataSets
import Foundation
import Testing
@testable import DataCatalog

struct StoredDatasetTests {
    @Test func storedSplitsReadBackAsTheLoadersLoadedThem() throws {
        let directory = CatalogFixtures.directory()
        let store = try CatalogFixtures.store(in: directory)
        let csvPath = try CatalogFixtures.write(CatalogFixtures.distinctiveCSV().text, to: "t.csv", in: directory)
        let bundle = CatalogFixtures.dataSetsInput("fhir_small_bundle.json")
        let mapping = CatalogFixtures.dataSetsInput("fhir_small_mapping.json")
        let cases: [(DatasetImporter.FileOptions, String, DatasetSplits)] = [
            (.init(), CatalogFixtures.repositoryPath("Tests/DataSetsTests/Inputs/medmnist_rgb.npz"),
             try MedMNIST.load(contentsOf: CatalogFixtures.repositoryPath("Tests/DataSetsTests/Inputs/medmnist_rgb.npz"))),
            (.init(labelColumn: "outcome"), csvPath,
             try CSVDataset.load(contentsOf: csvPath, options: .init(labelColumn: "outcome", standardizes: false))),
            (.init(mappingPath: mapping, seed: 1), bundle,
             try FHIRDataset.load(contentsOf: bundle, options: .init(mapping: .load(contentsOf: mapping), standardizes: false, seed: 1)).splits),
        ]
        for (options, path, expected) in cases {
            let prepared = try DatasetImporter.importFile(path, options: options, into: store)
            let dataset = try StoredDataset(prepared.manifestCID, in: store)
            #expect(dataset.manifest == prepared.manifest)
            let wanted = [("train", expected.train), ("validation", expected.validation), ("test", expected.test)]
            #expect(dataset.splitNames == wanted.filter { $0.1 != nil }.map(\.0), "\(path)")
            for (name, data) in wanted {
                guard let data else { continue }
                #expect(try dataset.split(name) == data, "\(path) \(name)")
            }
        }
    }

    @Test func aMissingSplitOrANonManifestIsAnError() throws {
        let directory = CatalogFixtures.directory()
        let store = try CatalogFixtures.store(in: directory)
        let path = try CatalogFixtures.write(CatalogFixtures.distinctiveCSV().text, to: "t.csv", in: directory)
        let prepared = try DatasetImporter.importFile(path, options: .init(labelColumn: "outcome"), into: store)
        let dataset = try StoredDataset(prepared.manifestCID, in: store)
        #expect(throws: CatalogError.self) { try dataset.split("holdout") }
        do { _ = try dataset.split("holdout") } catch {
            #expect(error.description == "dataset \(prepared.manifestCID) has no split 'holdout' (it has: train, validation, test)")
        }
        let source = try CID(parsing: prepared.manifest.sourceCID)
        do { _ = try StoredDataset(source, in: store); Issue.record("expected an error") } catch {
            #expect(error.description.hasPrefix("\(source) is in the block store but is not a dataset manifest"))
        }
    }
}
