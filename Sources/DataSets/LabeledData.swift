import Tensor

/// Examples with integer class labels, ready for training.
///
/// `features` has the example index as its first dimension: `[N, C, H, W]` for images (pixel
/// values scaled to [0, 1]) and `[N, F]` for tables.
public struct LabeledData: Sendable, Equatable {
    public var features: Tensor
    /// One label per example, each in `0..<classCount`.
    public var labels: [Int]
    public var classCount: Int

    public init(features: Tensor, labels: [Int], classCount: Int) {
        precondition(features.shape.first == labels.count, "one label per example")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classCount }, "labels in 0..<classCount")
        self.features = features
        self.labels = labels
        self.classCount = classCount
    }

    /// The number of examples.
    public var count: Int { labels.count }

    /// The shape of one example, e.g. `[1, 28, 28]`.
    public var exampleShape: [Int] { Array(features.shape.dropFirst()) }

    /// How many examples carry each label, indexed by label.
    public var labelCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: some Collection<Int>) -> LabeledData {
        let width = exampleShape.reduce(1, *)
        var storage = [Float]()
        storage.reserveCapacity(indices.count * width)
        var labels = [Int]()
        labels.reserveCapacity(indices.count)
        features.storage.withUnsafeBufferPointer { source in
            for i in indices {
                storage.append(contentsOf: source[(i * width)..<((i + 1) * width)])
                labels.append(self.labels[i])
            }
        }
        return LabeledData(
            features: Tensor(shape: [indices.count] + exampleShape, storage: storage),
            labels: labels, classCount: classCount)
    }
}

/// A dataset as published: its splits plus what names its features and classes.
public struct DatasetSplits: Sendable {
    public var train: LabeledData
    public var validation: LabeledData?
    public var test: LabeledData?
    /// Column names for tables (in feature order); `nil` for images.
    public var featureNames: [String]?
    /// A display name per class label, e.g. `["B", "M"]` or `["normal", "pneumonia"]`.
    public var classNames: [String]
    /// The standardisation already applied to every split of a table (fitted on `train`);
    /// store it with the model and apply it to new data. `nil` for images.
    public var standardizer: Standardizer?

    public init(train: LabeledData, validation: LabeledData? = nil, test: LabeledData? = nil,
                featureNames: [String]? = nil, classNames: [String], standardizer: Standardizer? = nil) {
        self.train = train
        self.validation = validation
        self.test = test
        self.featureNames = featureNames
        self.classNames = classNames
        self.standardizer = standardizer
    }
}
