import Tensor

/// Per-column standardisation, z = (x − mean) / standard deviation, for tabular features.
///
/// Fit it on the training split only and apply the same values to every split, so no statistic
/// of the validation or test data leaks into training. It is `Codable` so that it can be stored
/// with a model: new data must be transformed with the values the model was trained with.
/// The deviation is the population one (divisor N), as scikit-learn's `StandardScaler` uses.
///
/// ```swift
/// let standardizer = Standardizer(fitting: splits.train.features)
/// let test = standardizer.transform(splits.test!)
/// ```
public struct Standardizer: Codable, Sendable, Equatable {
    /// The training mean of each column.
    public var means: [Double]
    /// The divisor of each column: its training standard deviation, or 1 for a constant
    /// column (which then standardises to 0 instead of dividing by zero).
    public var scales: [Double]

    public init(means: [Double], scales: [Double]) {
        precondition(means.count == scales.count, "one scale per mean")
        self.means = means
        self.scales = scales
    }

    /// Fits the mean and deviation of each column of `features`, shaped `[N, F]` with N ≥ 1.
    ///
    /// - Complexity: O(N·F), two passes in `Double` (the two-pass form avoids the cancellation
    ///   of the sum-of-squares formula).
    public init(fitting features: Tensor) {
        precondition(features.shape.count == 2 && features.shape[0] > 0, "features must be [N, F] with N ≥ 1")
        let (rows, columns) = (features.shape[0], features.shape[1])
        var means = [Double](repeating: 0, count: columns)
        var squares = [Double](repeating: 0, count: columns)
        features.storage.withUnsafeBufferPointer { values in
            for row in 0..<rows {
                for column in 0..<columns { means[column] += Double(values[row * columns + column]) }
            }
            for column in 0..<columns { means[column] /= Double(rows) }
            for row in 0..<rows {
                for column in 0..<columns {
                    let deviation = Double(values[row * columns + column]) - means[column]
                    squares[column] += deviation * deviation
                }
            }
        }
        let scales = zip(squares, means).map { square, mean in
            let deviation = (square / Double(rows)).squareRoot()
            // A constant column's computed deviation is 0 or rounding noise around its mean.
            return deviation <= 1e-12 * max(1, abs(mean)) ? 1 : deviation
        }
        self.init(means: means, scales: scales)
    }

    /// The number of columns.
    public var featureCount: Int { means.count }

    /// Standardises `features`, shaped `[N, featureCount]`.
    public func transform(_ features: Tensor) -> Tensor {
        precondition(features.shape.count == 2 && features.shape[1] == featureCount, "features must be [N, \(featureCount)]")
        let columns = featureCount
        var storage = features.storage
        storage.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                let column = index % columns
                values[index] = Float((Double(values[index]) - means[column]) / scales[column])
            }
        }
        return Tensor(shape: features.shape, storage: storage)
    }

    /// `data` with standardised features and the same labels.
    public func transform(_ data: LabeledData) -> LabeledData {
        LabeledData(features: transform(data.features), labels: data.labels, classCount: data.classCount)
    }
}
