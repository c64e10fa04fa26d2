import Foundation

/// What a hospital publishes about a dataset: its shape and label counts and the CIDs of its
/// content, never a record. The manifest's own CID is what `RegisterDataset` puts on the ledger.
///
/// Encoded as canonical JSON (sorted keys, no whitespace), so the same dataset always yields the
/// same manifest bytes and CID.
public struct DatasetManifest: Codable, Sendable, Equatable {
    /// `medmnist-npz` or `csv` (and, later, `fhir-r4`).
    public var format: String
    /// A schema identifier tasks match on, e.g. `image:1x28x28:2` or `table:30:2`.
    public var schema: String
    /// Per-example shape: `[C, H, W]` for images, `[F]` for tables.
    public var exampleShape: [Int]
    /// Column names of a table (nil for images).
    public var featureNames: [String]?
    public var classNames: [String]
    public var recordCount: Int
    public var labelCounts: [Int]
    /// CID of the stored source file (the whole dataset as imported).
    public var sourceCID: String
    /// CID of each split's blob, by split name (`train`, `validation`, `test`).
    public var splitCIDs: [String: String]
    /// Record count of each split.
    public var splitCounts: [String: Int]

    public init(format: String, schema: String, exampleShape: [Int], featureNames: [String]?, classNames: [String],
                recordCount: Int, labelCounts: [Int], sourceCID: String, splitCIDs: [String: String],
                splitCounts: [String: Int]) {
        self.format = format
        self.schema = schema
        self.exampleShape = exampleShape
        self.featureNames = featureNames
        self.classNames = classNames
        self.recordCount = recordCount
        self.labelCounts = labelCounts
        self.sourceCID = sourceCID
        self.splitCIDs = splitCIDs
        self.splitCounts = splitCounts
    }

    enum CodingKeys: String, CodingKey {
        case format, schema
        case exampleShape = "example_shape"
        case featureNames = "feature_names"
        case classNames = "class_names"
        case recordCount = "record_count"
        case labelCounts = "label_counts"
        case sourceCID = "source_cid"
        case splitCIDs = "split_cids"
        case splitCounts = "split_counts"
    }

    /// The schema identifier for examples of `shape` with `classes` labels.
    public static func schema(exampleShape shape: [Int], classes: Int) -> String {
        (shape.count == 1 ? "table:" : "image:") + shape.map(String.init).joined(separator: "x") + ":\(classes)"
    }

    public func canonicalJSON() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try! encoder.encode(self))
    }

    public static func decode(_ bytes: [UInt8]) throws -> DatasetManifest {
        try JSONDecoder().decode(DatasetManifest.self, from: Data(bytes))
    }
}
