import ContentStore
import Foundation

/// What a hospital publishes about a dataset: its shape and label counts and the CIDs of its
/// content, never a record. The manifest's own CID is what `RegisterDataset` puts on the ledger.
///
/// Encoded as canonical JSON (sorted keys, no whitespace, absent optionals left out), so the
/// same dataset always yields the same manifest bytes and CID. See docs/datasets-import.md for
/// every field.
public struct DatasetManifest: Codable, Sendable, Equatable {
    /// One column of a table: its name, its type and, for FHIR, its unit and code.
    public struct Column: Codable, Sendable, Equatable {
        public var name: String
        /// `number` for CSV features, `quantity` for FHIR Observation values.
        public var type: String
        /// The UCUM unit values are in, when known.
        public var unit: String?
        /// `system|code` of the FHIR code that fills the column.
        public var code: String?

        public init(name: String, type: String, unit: String? = nil, code: String? = nil) {
            self.name = name
            self.type = type
            self.unit = unit
            self.code = code
        }
    }

    /// How a FHIR bundle was turned into rows, in counts only.
    public struct Preparation: Codable, Sendable, Equatable {
        /// The missing-value policy, e.g. `drop-rows-missing-over-2;impute-train-median`.
        public var missingValues: String
        /// Problems found (malformed resources, broken references, unit mismatches).
        public var issues: Int
        /// Resources left out because of them.
        public var skippedResources: Int
        /// Patients dropped for having no label.
        public var unlabelledRows: Int
        /// Patients dropped for missing too many columns.
        public var droppedRows: Int
        /// Cells filled with the train median, per column.
        public var imputedCells: [Int]

        public init(missingValues: String, issues: Int, skippedResources: Int, unlabelledRows: Int, droppedRows: Int,
                    imputedCells: [Int]) {
            self.missingValues = missingValues
            self.issues = issues
            self.skippedResources = skippedResources
            self.unlabelledRows = unlabelledRows
            self.droppedRows = droppedRows
            self.imputedCells = imputedCells
        }

        enum CodingKeys: String, CodingKey {
            case missingValues = "missing_values"
            case issues
            case skippedResources = "skipped_resources"
            case unlabelledRows = "unlabelled_rows"
            case droppedRows = "dropped_rows"
            case imputedCells = "imputed_cells"
        }
    }

    /// `medmnist-npz`, `csv` or `fhir-r4`.
    public var format: String
    /// A schema identifier tasks match on, e.g. `image:1x28x28:2` or `table:30:2:<digest>`.
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
    /// The columns of a table with their types (nil for images).
    public var columns: [Column]?
    /// The label column of a table.
    public var labelName: String?
    /// Who imported it (the CLI writes the node's public key), so that two hospitals importing
    /// the same file register two datasets.
    public var publisher: String?
    /// CID of the stored FHIR mapping file.
    public var mappingCID: String?
    /// The seed of the stratified split (tables without a split column).
    public var splitSeed: UInt64?
    /// What the FHIR import dropped, skipped and imputed.
    public var preparation: Preparation?

    public init(format: String, schema: String, exampleShape: [Int], featureNames: [String]?, classNames: [String],
                recordCount: Int, labelCounts: [Int], sourceCID: String, splitCIDs: [String: String],
                splitCounts: [String: Int], columns: [Column]? = nil, labelName: String? = nil, publisher: String? = nil,
                mappingCID: String? = nil, splitSeed: UInt64? = nil, preparation: Preparation? = nil) {
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
        self.columns = columns
        self.labelName = labelName
        self.publisher = publisher
        self.mappingCID = mappingCID
        self.splitSeed = splitSeed
        self.preparation = preparation
    }

    enum CodingKeys: String, CodingKey {
        case format, schema, columns, publisher, preparation
        case exampleShape = "example_shape"
        case featureNames = "feature_names"
        case classNames = "class_names"
        case recordCount = "record_count"
        case labelCounts = "label_counts"
        case sourceCID = "source_cid"
        case splitCIDs = "split_cids"
        case splitCounts = "split_counts"
        case labelName = "label_name"
        case mappingCID = "mapping_cid"
        case splitSeed = "split_seed"
    }

    /// The schema identifier for examples of `shape` with `classes` labels.
    public static func schema(exampleShape shape: [Int], classes: Int) -> String {
        (shape.count == 1 ? "table:" : "image:") + shape.map(String.init).joined(separator: "x") + ":\(classes)"
    }

    /// The schema identifier of a table: `table:<columns>:<classes>:<digest>`, where the digest
    /// is the first 12 hex digits of the SHA-256 of one line per column
    /// (`name TAB type TAB unit TAB code`) and a last line `label TAB <labelName>`.
    ///
    /// Tables with the same columns (names, types, units, codes) and label match whatever
    /// their values; a renamed or re-coded column gives another schema.
    public static func schema(columns: [Column], labelName: String, classes: Int) -> String {
        var text = ""
        for column in columns { text += [column.name, column.type, column.unit ?? "", column.code ?? ""].joined(separator: "\t") + "\n" }
        text += "label\t\(labelName)\n"
        let digest = Multihash.sha2_256(Array(text.utf8)).digest.prefix(6).map { String(format: "%02x", $0) }.joined()
        return "table:\(columns.count):\(classes):\(digest)"
    }

    public func canonicalJSON() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try! encoder.encode(self))
    }

    /// Reads a manifest; the error names the field that is wrong.
    public static func decode(_ bytes: [UInt8]) throws -> DatasetManifest {
        try JSONDecoder().decode(DatasetManifest.self, from: Data(bytes))
    }
}
