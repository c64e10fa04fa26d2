/// The file formats `loadDataset` reads.
public enum DatasetFormat: String, Sendable, CaseIterable {
    /// A MedMNIST-layout NumPy archive (see `MedMNIST`).
    case npz
    /// A table with a header row and a label column (see `CSVDataset`).
    case csv

    /// The format a file name's extension names (case-insensitive), if any.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(rawValue: path[path.index(after: dot)...].lowercased())
    }
}

/// Loads a dataset file into its splits: the one entry point the CLI uses.
///
/// - Parameters:
///   - path: the file.
///   - format: `nil` to tell it from the extension (`.npz` or `.csv`).
///   - labelColumn: the CSV label column (`nil` means a column called `label`); ignored for `.npz`.
///   - seed: seeds the stratified train/validation/test split of a CSV file that has no split
///     column; the same seed always gives the same split.
/// - Throws: `DataSetError` naming the file and the problem.
public func loadDataset(path: String, format: DatasetFormat? = nil, labelColumn: String? = nil,
                        seed: UInt64 = 0) throws(DataSetError) -> DatasetSplits {
    guard let format = format ?? DatasetFormat(path: path) else {
        throw DataSetError(
            .unknownFormat, file: path,
            "cannot tell the format from the extension; use a .npz (MedMNIST) or .csv file, or name the format")
    }
    switch format {
    case .npz:
        return try MedMNIST.load(contentsOf: path)
    case .csv:
        return try CSVDataset.load(contentsOf: path, options: .init(labelColumn: labelColumn, seed: seed))
    }
}
