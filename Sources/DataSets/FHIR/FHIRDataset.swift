import Tensor

/// Loads a FHIR R4 bundle as a labelled table, split into train, validation and test.
///
/// 1. `FHIRBundle` reads the Patients, Observations and Conditions; `FHIRTable` maps them to
///    one row per Patient with the `FHIRMapping`'s columns and label.
/// 2. Malformed resources, broken references and unit mismatches are `issues`. With `strict`
///    any issue rejects the whole bundle (a `.malformedFHIR` error listing them); otherwise the
///    resources are skipped and counted in the `Report`.
/// 3. **Missing values.** A row without a label is dropped. A row with more than
///    `mapping.maxMissingPerRow` missing columns is dropped. The bundle is then split (seeded
///    and stratified, as `CSVDataset` does), and every remaining gap is filled with its
///    column's median over the **train** rows only (`MedianImputer`), so validation and test
///    values never shape the training data. A column with no value in any train row is an
///    error: there is nothing to impute from.
/// 4. Features are standardised with a `Standardizer` fitted on train, as for CSV tables.
///
/// ```swift
/// let mapping = try FHIRMapping.load(contentsOf: "Data/fhir-example-mapping.json")
/// let result = try FHIRDataset.load(contentsOf: "Data/fhir-example-bundle.json", options: .init(mapping: mapping))
/// result.splits.featureNames   // ["heart_rate", "systolic_bp", …]
/// result.report.imputedCells   // gaps filled per column
/// ```
public enum FHIRDataset {
    public struct Options: Sendable, Equatable {
        public var mapping: FHIRMapping
        /// Reject the whole bundle when any resource is malformed or any reference broken.
        public var strict: Bool
        /// The share of each class held out for test.
        public var testFraction: Double
        /// The share of each class of the remaining rows held out for validation.
        public var validationFraction: Double
        /// Whether to standardise the features (fitted on train).
        public var standardizes: Bool
        /// Seeds the split.
        public var seed: UInt64

        public init(mapping: FHIRMapping, strict: Bool = false, testFraction: Double = 0.2, validationFraction: Double = 0.1,
                    standardizes: Bool = true, seed: UInt64 = 0) {
            self.mapping = mapping
            self.strict = strict
            self.testFraction = testFraction
            self.validationFraction = validationFraction
            self.standardizes = standardizes
            self.seed = seed
        }
    }

    /// What the import found and did, in counts (no values).
    public struct Report: Sendable, Equatable, Codable {
        public var entries: Int
        public var patients: Int
        /// Well-formed Observations with a result status.
        public var observations: Int
        /// Observations that filled at least one cell or the label.
        public var matchedObservations: Int
        public var conditions: Int
        /// Resources of other types, by type.
        public var otherResources: [String: Int]
        /// Observations ignored for their status (`entered-in-error`, `cancelled`, …).
        public var observationsWithoutResult: Int
        /// Every problem, in bundle order.
        public var issues: [FHIRIssue]
        /// Resources left out because of `issues`.
        public var skippedResources: Int
        /// Rows dropped because the label observation is missing.
        public var unlabelledRows: Int
        /// Rows dropped for having more than `maxMissingPerRow` missing columns.
        public var droppedRows: Int
        public var maxMissingPerRow: Int
        /// Cells filled with the train median, per column (all splits).
        public var imputedCells: [Int]
    }

    public struct Result: Sendable {
        public var splits: DatasetSplits
        /// The train medians used to fill gaps; apply it to new data too.
        public var imputer: MedianImputer
        public var report: Report
        /// The Patient ids of each split's rows, in row order (`train`, `validation`, `test`),
        /// to trace a row back to its record locally. Never put them in a manifest.
        public var splitPatients: [String: [String]]
    }

    /// Reads the bundle at `path` and maps it with `options.mapping`.
    public static func load(contentsOf path: String, options: Options) throws(DataSetError) -> Result {
        try load(FHIRBundle(contentsOf: path), options: options)
    }

    /// Maps an already read bundle.
    public static func load(_ bundle: FHIRBundle, options: Options) throws(DataSetError) -> Result {
        let file = bundle.file
        func fail(_ code: DataSetError.Code, _ message: String) -> DataSetError { DataSetError(code, file: file, message) }
        guard (0...1).contains(options.testFraction), (0...1).contains(options.validationFraction) else {
            throw fail(.invalidArgument, "the test and validation fractions must lie in [0, 1]")
        }
        let mapping = options.mapping
        try mapping.validate(file: nil)
        let table = FHIRTable(bundle: bundle, mapping: mapping)
        let issues = (bundle.issues + table.issues).sorted { ($0.entryIndex ?? -1) < ($1.entryIndex ?? -1) }
        if options.strict, !issues.isEmpty {
            let listed = issues.prefix(3).map(\.description).joined(separator: "; ")
            let more = issues.count > 3 ? "; and \(issues.count - 3) more" : ""
            throw fail(.malformedFHIR,
                       "\(issues.count) problem\(issues.count == 1 ? "" : "s") in the bundle, so --strict rejects it (without --strict the resources are skipped): \(listed)\(more)")
        }

        // Rows: labelled, with at most maxMissingPerRow gaps.
        var kept: [Int] = []
        var unlabelled = 0, dropped = 0
        for (r, row) in table.rows.enumerated() {
            if table.labels[r] == nil { unlabelled += 1; continue }
            if row.filter({ $0 == nil }).count > mapping.maxMissingPerRow { dropped += 1; continue }
            kept.append(r)
        }
        guard !kept.isEmpty else {
            throw fail(.invalidValue,
                       "no patient is left: of \(table.rows.count), \(unlabelled) have no label and \(dropped) miss more than \(mapping.maxMissingPerRow) of the \(table.columns.count) columns; check the codes in the mapping")
        }
        let rows = kept.map { table.rows[$0] }
        let labels = kept.map { table.labels[$0]! }
        let classCount = mapping.label.classes.count

        // Split first, then impute from train only.
        var generator = SeededGenerator(seed: options.seed)
        let test = StratifiedSplit(labels: labels, classCount: classCount, heldOutFraction: options.testFraction, generator: &generator)
        let validation = StratifiedSplit(labels: test.kept.map { labels[$0] }, classCount: classCount,
                                         heldOutFraction: options.validationFraction, generator: &generator)
        let trainRows = validation.kept.map { test.kept[$0] }
        let validationRows = validation.heldOut.map { test.kept[$0] }
        let medians = MedianImputer.columnMedians(trainRows.map { rows[$0] }, columns: table.columns.count)
        if let empty = medians.firstIndex(where: { $0 == nil }) {
            throw fail(.invalidValue,
                       "column '\(table.columns[empty])' has no value in any train row, so its gaps cannot be imputed; check its code and unit in the mapping or remove it")
        }
        let imputer = MedianImputer(medians: medians.map { $0! })
        var imputed = [Int](repeating: 0, count: table.columns.count)
        for row in rows {
            for (c, value) in row.enumerated() where value == nil { imputed[c] += 1 }
        }

        var storage: [Float] = []
        storage.reserveCapacity(rows.count * table.columns.count)
        for (k, row) in rows.enumerated() {
            for (c, value) in imputer.impute(row).enumerated() {
                guard Float(value).isFinite else {
                    throw fail(.invalidValue, "Patient/\(table.patients[kept[k]]), column '\(table.columns[c])': \(value) does not fit a 32-bit float")
                }
                storage.append(Float(value))
            }
        }
        let all = LabeledData(features: Tensor(shape: [rows.count, table.columns.count], storage: storage),
                              labels: labels, classCount: classCount)
        var trainData = all.subset(trainRows)
        var validationData = validationRows.isEmpty ? nil : all.subset(validationRows)
        var testData = test.heldOut.isEmpty ? nil : all.subset(test.heldOut)
        var standardizer: Standardizer?
        if options.standardizes {
            let fitted = Standardizer(fitting: trainData.features)
            trainData = fitted.transform(trainData)
            validationData = validationData.map { fitted.transform($0) }
            testData = testData.map { fitted.transform($0) }
            standardizer = fitted
        }
        let report = Report(
            entries: bundle.entryCount, patients: bundle.patients.count, observations: bundle.observations.count,
            matchedObservations: table.matchedObservations, conditions: bundle.conditions.count,
            otherResources: bundle.otherResources, observationsWithoutResult: bundle.observationsWithoutResult,
            issues: issues, skippedResources: Set(issues.map { $0.entryIndex ?? -1 }).count,
            unlabelledRows: unlabelled, droppedRows: dropped, maxMissingPerRow: mapping.maxMissingPerRow, imputedCells: imputed)
        return Result(
            splits: DatasetSplits(train: trainData, validation: validationData, test: testData, featureNames: table.columns,
                                  classNames: mapping.label.classes, standardizer: standardizer),
            imputer: imputer, report: report,
            splitPatients: ["train": trainRows, "validation": validationRows, "test": test.heldOut].mapValues { indices in
                indices.map { table.patients[kept[$0]] }
            })
    }
}
