import ContentStore
import DataSets
import Foundation

/// Stores datasets in a node's blockstore and describes them with a `DatasetManifest`.
public enum DatasetImporter {
    /// Stores in-memory splits (for example one hospital's share of a partitioned dataset) as a
    /// MedMNIST-layout `.npz` (images) and one blob per split, plus the manifest.
    ///
    /// Images are written back as `uint8` pixels (`round(x · 255)`), which is exact for data
    /// loaded from MedMNIST. Returns the manifest and its CID, the value `RegisterDataset` carries.
    public static func importSplits(_ splits: [String: LabeledData], classNames: [String],
                                    into store: Blockstore) throws -> (manifest: DatasetManifest, cid: String) {
        guard let any = splits.values.first else { throw CatalogError("no splits to import") }
        let shape = any.exampleShape
        if shape.count == 1 { return try importTableSplits(splits, classNames: classNames, into: store) }
        guard shape.count == 3 else { throw CatalogError("importSplits stores images ([C, H, W]) or tables ([F]); got shape \(shape)") }
        let order = splits.keys.sorted()
        var arrays: [NPZWriter.Array] = []
        var splitCIDs: [String: String] = [:]
        var splitCounts: [String: Int] = [:]
        var labelCounts = [Int](repeating: 0, count: any.classCount)
        for name in order {
            let data = splits[name]!
            let split = imageArrays(split: name, data)
            arrays += split
            splitCIDs[name] = try store.put(bytes: NPZWriter.archive(split)).root.description
            splitCounts[name] = data.count
            for (c, n) in data.labelCounts.enumerated() { labelCounts[c] += n }
        }
        let source = try store.put(bytes: NPZWriter.archive(arrays)).root.description
        let manifest = DatasetManifest(
            format: "medmnist-npz", schema: DatasetManifest.schema(exampleShape: shape, classes: any.classCount),
            exampleShape: shape, featureNames: nil, classNames: classNames,
            recordCount: splitCounts.values.reduce(0, +), labelCounts: labelCounts, sourceCID: source,
            splitCIDs: splitCIDs, splitCounts: splitCounts)
        let cid = try store.put(bytes: manifest.canonicalJSON()).root.description
        return (manifest, cid)
    }

    /// Table splits (already standardised features): one CSV per split with columns
    /// `f0…f(F−1)` and `label`, and a source CSV with a `split` column naming each row's split.
    static func importTableSplits(_ splits: [String: LabeledData], classNames: [String],
                                  into store: Blockstore) throws -> (manifest: DatasetManifest, cid: String) {
        let order = splits.keys.sorted()
        let first = splits[order[0]]!
        let names = (0..<first.exampleShape[0]).map { "f\($0)" }
        var splitCIDs: [String: String] = [:], splitCounts: [String: Int] = [:]
        var labelCounts = [Int](repeating: 0, count: first.classCount)
        var sourceRows: [[String]] = []
        for name in order {
            let data = splits[name]!
            let width = names.count
            let rows = (0..<data.count).map { n in
                (0..<width).map { "\(data.features.storage[n * width + $0])" } + [classNames[data.labels[n]]]
            }
            splitCIDs[name] = try store.put(bytes: CSVWriter.csv(header: names + ["label"], rows: rows)).root.description
            splitCounts[name] = data.count
            sourceRows += rows.map { $0 + [name] }
            for (c, n) in data.labelCounts.enumerated() { labelCounts[c] += n }
        }
        let source = try store.put(bytes: CSVWriter.csv(header: names + ["label", "split"], rows: sourceRows)).root.description
        let manifest = DatasetManifest(
            format: "csv", schema: DatasetManifest.schema(exampleShape: first.exampleShape, classes: first.classCount),
            exampleShape: first.exampleShape, featureNames: names, classNames: classNames,
            recordCount: splitCounts.values.reduce(0, +), labelCounts: labelCounts, sourceCID: source,
            splitCIDs: splitCIDs, splitCounts: splitCounts)
        let cid = try store.put(bytes: manifest.canonicalJSON()).root.description
        return (manifest, cid)
    }

    /// One split's MedMNIST members: `<prefix>_images` (uint8, `round(x · 255)`) and
    /// `<prefix>_labels` (uint8, N × 1), where the prefix of `validation` is `val`.
    static func imageArrays(split name: String, _ data: LabeledData) -> [NPZWriter.Array] {
        let shape = data.exampleShape
        let prefix = name == "validation" ? "val" : name
        let pixels = data.features.storage.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
        // MedMNIST stores grey images as (N, H, W) and colour ones as (N, H, W, C).
        let imageShape = shape[0] == 1 ? [data.count, shape[1], shape[2]] : [data.count, shape[1], shape[2], shape[0]]
        let hwc = shape[0] == 1 ? pixels : toHWC(pixels, count: data.count, shape: shape)
        return [NPZWriter.Array.uint8("\(prefix)_images", shape: imageShape, hwc),
                NPZWriter.Array.uint8("\(prefix)_labels", shape: [data.count, 1], data.labels.map { UInt8($0) })]
    }

    static func toHWC(_ chw: [UInt8], count: Int, shape: [Int]) -> [UInt8] {
        let (c, h, w) = (shape[0], shape[1], shape[2])
        var out = [UInt8](repeating: 0, count: chw.count)
        for n in 0..<count {
            for ch in 0..<c {
                for y in 0..<h {
                    for x in 0..<w { out[((n * h + y) * w + x) * c + ch] = chw[((n * c + ch) * h + y) * w + x] }
                }
            }
        }
        return out
    }
}
