/// Fills missing table cells with the column's median over the training rows.
///
/// Fit it on the train split only and apply it to every split, so that no statistic of the
/// validation or test rows leaks into training (as with `Standardizer`). The median is NumPy's:
/// the middle value, or the mean of the two middle values of an even count. It is `Codable`
/// so that it can be kept with a model and applied to new data.
public struct MedianImputer: Codable, Sendable, Equatable {
    /// The fill value of each column.
    public var medians: [Double]

    public init(medians: [Double]) {
        self.medians = medians
    }

    /// The median of each column's present values in `rows`; nil for a column with none.
    public static func columnMedians(_ rows: [[Double?]], columns: Int) -> [Double?] {
        (0..<columns).map { column in
            let values = rows.compactMap { $0[column] }.sorted()
            guard !values.isEmpty else { return nil }
            let middle = values.count / 2
            return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
        }
    }

    /// `row` with every nil replaced by its column's median.
    public func impute(_ row: [Double?]) -> [Double] {
        precondition(row.count == medians.count, "one value per column")
        return zip(row, medians).map { $0 ?? $1 }
    }
}
