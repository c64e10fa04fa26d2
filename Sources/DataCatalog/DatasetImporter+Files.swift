import ContentStore
import DataSets
import Foundation

extension DatasetImporter {
    /// How to read a dataset file.
    public struct FileOptions: Sendable, Equatable {
        /// nil: from the extension (`.npz`, `.csv`, `.json` for FHIR).
        public var format: DatasetFileFormat?
        /// The label column of a CSV file (nil: a column called `label`).
        public var labelColumn: String?
        /// The mapping file of a FHIR bundle (required for FHIR).
        public var mappingPath: String?
        /// FHIR: reject the whole bundle when any resource is malformed or any reference broken.
        public var strict: Bool
        /// Seeds the stratified split of tables without a split column.
        public var seed: UInt64
        /// Recorded in the manifest as `publisher` (the CLI passes the node's public key).
        public var publisher: String?

        public init(format: DatasetFileFormat? = nil, labelColumn: String? = nil, mappingPath: String? = nil,
                    strict: Bool = false, seed: UInt64 = 0, publisher: String? = nil) {
            self.format = format
            self.labelColumn = labelColumn
            self.mappingPath = mappingPath
            self.strict = strict
            self.seed = seed
            self.publisher = publisher
        }
    }

    /// Reads a dataset file with the `DataSets` loaders and describes it, computing every CID
    /// but storing nothing.
    ///
    /// The blobs are the source file as it is, one blob per split (MedMNIST `.npz` for images,
    /// CSV of the feature columns then the label for tables, values as loaded: not
    /// standardised; for FHIR, after median imputation), the FHIR mapping file, and the
    /// manifest.
    ///
    /// - Throws: `CatalogError` naming the file and the problem; nothing has changed.
    public static func prepare(file path: String, options: FileOptions = FileOptions()) throws(CatalogError) -> PreparedDataset {
        guard let format = options.format ?? DatasetFileFormat(path: path) else {
            throw CatalogError("\(path): cannot tell the format from the extension; use .npz, .csv or .json (FHIR), or pass --format npz|csv|fhir")
        }
        if options.labelColumn != nil, format != .csv {
            throw CatalogError("--label applies to CSV files only; \(format == .fhir ? "a FHIR label comes from the mapping" : "MedMNIST labels are in the archive")")
        }
        if options.mappingPath != nil, format != .fhir { throw CatalogError("--mapping applies to FHIR bundles only") }
        if options.strict, format != .fhir { throw CatalogError("--strict applies to FHIR bundles only") }
        let source = try read(path)
        let sourceBlob = PreparedDataset.Blob(role: "source", bytes: source, cid: try PreparedDataset.cid(of: source))
        do {
            switch format {
            case .npz:
                return try prepareImages(source: sourceBlob, path: path, options: options)
            case .csv:
                let table = try CSVTable(bytes: source, file: path)
                let splits = try CSVDataset.load(table, file: path, options: .init(
                    labelColumn: options.labelColumn, standardizes: false, seed: options.seed))
                let columns = (splits.featureNames ?? []).map { DatasetManifest.Column(name: $0, type: "number") }
                return try prepareTable(splits, columns: columns, labelName: options.labelColumn ?? "label", format: .csv,
                                        source: sourceBlob, extra: [], options: options, preparation: nil, report: nil)
            case .fhir:
                guard let mappingPath = options.mappingPath else {
                    throw CatalogError("\(path): a FHIR bundle needs --mapping FILE (which codes become which columns; see Data/fhir-example-mapping.json)")
                }
                let mappingBytes = try read(mappingPath)
                let mapping = try FHIRMapping(bytes: mappingBytes, file: mappingPath)
                let bundle = try FHIRBundle(bytes: source, file: path)
                let result = try FHIRDataset.load(bundle, options: .init(
                    mapping: mapping, strict: options.strict, standardizes: false, seed: options.seed))
                let columns = mapping.columns.map {
                    DatasetManifest.Column(name: $0.name, type: "quantity", unit: $0.unit, code: "\($0.system)|\($0.code)")
                }
                let report = result.report
                let preparation = DatasetManifest.Preparation(
                    missingValues: "drop-rows-missing-over-\(report.maxMissingPerRow);impute-train-median",
                    issues: report.issues.count, skippedResources: report.skippedResources,
                    unlabelledRows: report.unlabelledRows, droppedRows: report.droppedRows, imputedCells: report.imputedCells)
                let mappingBlob = PreparedDataset.Blob(role: "mapping", bytes: mappingBytes, cid: try PreparedDataset.cid(of: mappingBytes))
                return try prepareTable(result.splits, columns: columns, labelName: mapping.label.name, format: .fhir,
                                        source: sourceBlob, extra: [mappingBlob], options: options,
                                        preparation: preparation, report: report)
            }
        } catch let error as DataSetError {
            throw CatalogError(error.description)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError("\(path): \(error)")
        }
    }

    /// Prepares and stores a dataset file: `prepare(file:options:)` then `store(into:)`.
    @discardableResult
    public static func importFile(_ path: String, options: FileOptions = FileOptions(),
                                  into store: Blockstore) throws(CatalogError) -> PreparedDataset {
        let prepared = try prepare(file: path, options: options)
        try prepared.store(into: store)
        return prepared
    }

    // MARK: Formats

    private static func prepareImages(source: PreparedDataset.Blob, path: String, options: FileOptions) throws -> PreparedDataset {
        let splits = try MedMNIST.load(ZipArchive(bytes: source.bytes, name: path))
        guard splits.train.classCount <= 256 else {
            throw CatalogError("\(path): \(splits.train.classCount) classes; MedMNIST labels are stored as uint8 (at most 256 classes)")
        }
        var blobs: [PreparedDataset.Blob] = []
        var splitCIDs: [String: String] = [:], splitCounts: [String: Int] = [:]
        for (name, data) in named(splits) {
            let bytes = NPZWriter.archive(imageArrays(split: name, data))
            let blob = PreparedDataset.Blob(role: "split:\(name)", bytes: bytes, cid: try PreparedDataset.cid(of: bytes))
            blobs.append(blob)
            splitCIDs[name] = blob.cid.description
            splitCounts[name] = data.count
        }
        let shape = splits.train.exampleShape
        let manifest = DatasetManifest(
            format: DatasetFileFormat.npz.manifestName,
            schema: DatasetManifest.schema(exampleShape: shape, classes: splits.train.classCount),
            exampleShape: shape, featureNames: nil, classNames: splits.classNames,
            recordCount: splitCounts.values.reduce(0, +), labelCounts: labelCounts(splits), sourceCID: source.cid.description,
            splitCIDs: splitCIDs, splitCounts: splitCounts, publisher: options.publisher)
        return try PreparedDataset(manifest: manifest, fhirReport: nil, blobs: blobs + [source])
    }

    private static func prepareTable(_ splits: DatasetSplits, columns: [DatasetManifest.Column], labelName: String,
                                     format: DatasetFileFormat, source: PreparedDataset.Blob, extra: [PreparedDataset.Blob],
                                     options: FileOptions, preparation: DatasetManifest.Preparation?,
                                     report: FHIRDataset.Report?) throws -> PreparedDataset {
        let featureNames = columns.map(\.name)
        var blobs: [PreparedDataset.Blob] = []
        var splitCIDs: [String: String] = [:], splitCounts: [String: Int] = [:]
        for (name, data) in named(splits) {
            let bytes = CSVWriter.csv(data, featureNames: featureNames, labelName: labelName, classNames: splits.classNames)
            let blob = PreparedDataset.Blob(role: "split:\(name)", bytes: bytes, cid: try PreparedDataset.cid(of: bytes))
            blobs.append(blob)
            splitCIDs[name] = blob.cid.description
            splitCounts[name] = data.count
        }
        let classes = splits.classNames.count
        let manifest = DatasetManifest(
            format: format.manifestName, schema: DatasetManifest.schema(columns: columns, labelName: labelName, classes: classes),
            exampleShape: [columns.count], featureNames: featureNames, classNames: splits.classNames,
            recordCount: splitCounts.values.reduce(0, +), labelCounts: labelCounts(splits), sourceCID: source.cid.description,
            splitCIDs: splitCIDs, splitCounts: splitCounts, columns: columns, labelName: labelName, publisher: options.publisher,
            mappingCID: extra.first { $0.role == "mapping" }?.cid.description, splitSeed: options.seed, preparation: preparation)
        return try PreparedDataset(manifest: manifest, fhirReport: report, blobs: blobs + [source] + extra)
    }

    // MARK: Helpers

    /// The splits that exist, as (`train` | `validation` | `test`, data).
    private static func named(_ splits: DatasetSplits) -> [(String, LabeledData)] {
        [("train", splits.train), ("validation", splits.validation), ("test", splits.test)].compactMap { name, data in
            data.map { (name, $0) }
        }
    }

    private static func labelCounts(_ splits: DatasetSplits) -> [Int] {
        var counts = [Int](repeating: 0, count: splits.classNames.count)
        for (_, data) in named(splits) {
            for (label, n) in data.labelCounts.enumerated() where label < counts.count { counts[label] += n }
        }
        return counts
    }

    private static func read(_ path: String) throws(CatalogError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CatalogError("\(path): no such file; check the path")
        }
        guard !isDirectory.boolValue else { throw CatalogError("\(path): is a directory, not a data file") }
        do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw CatalogError("\(path): cannot be read (\(error.localizedDescription))")
        }
    }
}
