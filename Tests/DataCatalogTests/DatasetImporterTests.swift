import ContentStore
import DataSets
import Foundation
import Tensor
import Testing
@testable import DataCatalog

struct DatasetImporterTests {
    func temporaryStore() throws -> Blockstore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        return try Blockstore(directory: dir, key: StoreKey.generate())
    }

    @Test func importedSplitsReloadBitForBitAndTheManifestHoldsNoRecords() throws {
        var rng = SeededGenerator(seed: 1)
        func images(_ n: Int) -> LabeledData {
            LabeledData(features: Tensor(shape: [n, 1, 4, 3], storage: (0..<(n * 12)).map { _ in Float(rng.integer(below: 256)) / 255 }),
                        labels: (0..<n).map { $0 % 2 }, classCount: 2)
        }
        let train = images(5), validation = images(3)
        let store = try temporaryStore()
        let (manifest, cid) = try DatasetImporter.importSplits(["train": train, "validation": validation],
                                                               classNames: ["0", "1"], into: store)
        #expect(manifest.recordCount == 8 && manifest.labelCounts == [5, 3])  // labels alternate 0,1 in both splits
        #expect(manifest.schema == "image:1x4x3:2")
        // The manifest blob is the manifest; the source blob reloads as the same splits.
        #expect(try DatasetManifest.decode(store.bytes(of: CID(parsing: cid))) == manifest)
        let npz = try store.bytes(of: CID(parsing: manifest.sourceCID))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("shard-\(UUID().uuidString).npz")
        try Data(npz).write(to: url)
        let reloaded = try MedMNIST.load(contentsOf: url.path)
        #expect(reloaded.train == train)
        #expect(reloaded.validation == validation)
        // No pixel value appears in the manifest: it is metadata and CIDs only.
        let json = String(decoding: manifest.canonicalJSON(), as: UTF8.self)
        #expect(!json.contains("images") && json.count < 1000)
    }
}
