import Tensor

/// Loads a table of numeric features and a named label column from a CSV file.
///
/// - The header row names the columns. The label column's values are class names: they are
///   sorted (numerically when all are numbers, else as strings) and numbered from 0, so
///   `B`/`M` become 0/1. Every other column is a feature, except a column called `id` (any
///   case; dropped by default), the split column, and any listed in `dropColumns`.
/// - Every feature cell must be a finite number. An empty, NaN, infinite or non-numeric cell
///   is an error naming the file, line and column: silently imputing would train on made-up data.
/// - A column named `split` (values `train`, `val`/`validation`, `test`) assigns the rows to
///   splits. Without one, a seeded stratified split holds out `testFraction` of each class for
///   test, then `validationFraction` of each class of the rest for validation.
/// - Features are standardised with a `Standardizer` fitted on the train split only; it is
///   returned in `DatasetSplits.standardizer`.
///
/// ```swift
/// let splits = try CSVDataset.load(contentsOf: "Data/wdbc.csv", options: .init(labelColumn: "diagnosis"))
/// splits.classNames   // ["B", "M"]
/// ```
public enum CSVDataset {
    public struct Options: Sendable, Equatable {
        /// The label column; `nil` means a column called `label`.
        public var labelColumn: String?
        /// Columns to ignore besides `id`.
        public var dropColumns: [String]
        /// Whether to ignore a column called `id` (any case), which numbers rows rather than
        /// describing patients.
        public var dropsIDColumn: Bool
        /// The column that, if present, assigns each row to a split.
        public var splitColumn: String
        /// The share of each class held out for test when the file has no split column.
        public var testFraction: Double
        /// The share of each class of the remaining rows held out for validation.
        public var validationFraction: Double
        /// Whether to standardise the features (fitted on train).
        public var standardizes: Bool
        /// Seeds the split.
        public var seed: UInt64

        public init(labelColumn: String? = nil, dropColumns: [String] = [], dropsIDColumn: Bool = true,
                    splitColumn: String = "split", testFraction: Double = 0.2, validationFraction: Double = 0.1,
                    standardizes: Bool = true, seed: UInt64 = 0) {
            self.labelColumn = labelColumn
            self.dropColumns = dropColumns
            self.dropsIDColumn = dropsIDColumn
            self.splitColumn = splitColumn
            self.testFraction = testFraction
            self.validationFraction = validationFraction
            self.standardizes = standardizes
            self.seed = seed
        }
    }

    /// Reads and splits the CSV file at `path`.
    public static func load(contentsOf path: String, options: Options = Options()) throws(DataSetError) -> DatasetSplits {
        try load(CSVTable(bytes: readWholeFile(path), file: path), file: path, options: options)
    }

    /// Splits an already parsed table; `file` labels errors.
    public static func load(_ table: CSVTable, file: String, options: Options = Options()) throws(DataSetError) -> DatasetSplits {
        func fail(_ code: DataSetError.Code, _ message: String) -> DataSetError {
            DataSetError(code, file: file, message)
        }
        let columnList = table.columns.joined(separator: ", ")
        guard (0...1).contains(options.testFraction), (0...1).contains(options.validationFraction) else {
            throw fail(.invalidArgument, "the test and validation fractions must lie in [0, 1]")
        }

        // Columns.
        let labelName = options.labelColumn ?? "label"
        guard let labelIndex = table.index(of: labelName) else {
            throw fail(
                .missingColumn,
                options.labelColumn == nil
                    ? "no label column was named and there is no column 'label'; name one of the columns: \(columnList)"
                    : "no label column '\(labelName)'; the columns are: \(columnList)")
        }
        let splitIndex = table.index(of: options.splitColumn).flatMap { $0 == labelIndex ? nil : $0 }
        var dropped = Set<Int>()
        for name in options.dropColumns {
            guard let index = table.index(of: name) else {
                throw fail(.missingColumn, "cannot drop column '\(name)': there is none; the columns are: \(columnList)")
            }
            dropped.insert(index)
        }
        if options.dropsIDColumn, let id = table.columns.firstIndex(where: { $0.lowercased() == "id" }), id != labelIndex {
            dropped.insert(id)
        }
        let featureColumns = table.columns.indices.filter { $0 != labelIndex && $0 != splitIndex && !dropped.contains($0) }
        guard !featureColumns.isEmpty else { throw fail(.missingColumn, "no feature columns remain besides the label") }
        guard !table.rows.isEmpty else { throw fail(.malformedCSV, "the file has a header but no data rows") }

        // Labels.
        var labelTexts: [String] = []
        labelTexts.reserveCapacity(table.rows.count)
        for (row, line) in zip(table.rows, table.lines) {
            let text = trimmed(row[labelIndex])
            guard !text.isEmpty else { throw fail(.invalidValue, "line \(line), column '\(labelName)': the label is empty") }
            labelTexts.append(text)
        }
        let classNames = sortedClassNames(Set(labelTexts))
        let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        let labels = labelTexts.map { classIndex[$0]! }

        // Features.
        var storage: [Float] = []
        storage.reserveCapacity(table.rows.count * featureColumns.count)
        for (row, line) in zip(table.rows, table.lines) {
            for column in featureColumns {
                let text = trimmed(row[column])
                let where_ = "line \(line), column '\(table.columns[column])'"
                guard !text.isEmpty else {
                    throw fail(.invalidValue, "\(where_): the cell is empty; every feature needs a number (impute or drop the row first)")
                }
                guard let value = Double(text) else {
                    throw fail(.invalidValue, "\(where_): '\(text)' is not a number")
                }
                guard value.isFinite, Float(value).isFinite else {
                    throw fail(.invalidValue, "\(where_): '\(text)' is not a finite number (impute or drop the row first)")
                }
                storage.append(Float(value))
            }
        }
        let all = LabeledData(
            features: Tensor(shape: [table.rows.count, featureColumns.count], storage: storage),
            labels: labels, classCount: classNames.count)

        // Splits.
        var parts: (train: [Int], validation: [Int], test: [Int])
        if let splitIndex {
            parts = ([], [], [])
            for (number, (row, line)) in zip(table.rows, table.lines).enumerated() {
                switch trimmed(row[splitIndex]).lowercased() {
                case "train": parts.train.append(number)
                case "val", "valid", "validation": parts.validation.append(number)
                case "test": parts.test.append(number)
                case let other:
                    throw fail(.invalidValue, "line \(line), column '\(options.splitColumn)': '\(other)' is not train, val or test")
                }
            }
            guard !parts.train.isEmpty else { throw fail(.invalidValue, "column '\(options.splitColumn)' assigns no row to train") }
        } else {
            var generator = SeededGenerator(seed: options.seed)
            let test = StratifiedSplit(labels: labels, classCount: classNames.count,
                                       heldOutFraction: options.testFraction, generator: &generator)
            let validation = StratifiedSplit(labels: test.kept.map { labels[$0] }, classCount: classNames.count,
                                             heldOutFraction: options.validationFraction, generator: &generator)
            parts = (validation.kept.map { test.kept[$0] }, validation.heldOut.map { test.kept[$0] }, test.heldOut)
        }

        var train = all.subset(parts.train)
        var validation = parts.validation.isEmpty ? nil : all.subset(parts.validation)
        var test = parts.test.isEmpty ? nil : all.subset(parts.test)
        var standardizer: Standardizer?
        if options.standardizes {
            let fitted = Standardizer(fitting: train.features)
            train = fitted.transform(train)
            validation = validation.map { fitted.transform($0) }
            test = test.map { fitted.transform($0) }
            standardizer = fitted
        }
        return DatasetSplits(
            train: train, validation: validation, test: test,
            featureNames: featureColumns.map { table.columns[$0] }, classNames: classNames,
            standardizer: standardizer)
    }

    /// Class names in label order: numerically when every name is a number, else by string.
    static func sortedClassNames(_ names: Set<String>) -> [String] {
        let numbers = names.map { Double($0) }
        if numbers.allSatisfy({ $0?.isFinite == true }) {
            return names.sorted { (Double($0)!, $0) < (Double($1)!, $1) }
        }
        return names.sorted()
    }

    private static func trimmed(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
