/// How to train: epochs, batching, optimiser, clipping and seed.
///
/// The defaults are the reference recipe for the chest X-ray CNN (SGD, learning rate 0.01,
/// momentum 0.9, batch 32), the same as the PyTorch anchor.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerSpec
    /// Clip the global gradient norm to this value before each step (`nil`: no clipping).
    public var clipNorm: Float?
    /// Seeds shuffling and dropout; initialisation is seeded where the model is built.
    public var seed: UInt64

    public init(epochs: Int = 10, batchSize: Int = 32,
                optimizer: OptimizerSpec = .sgd(learningRate: 0.01, momentum: 0.9, weightDecay: 0),
                clipNorm: Float? = nil, seed: UInt64 = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.clipNorm = clipNorm
        self.seed = seed
    }
}

/// What one epoch did.
public struct EpochRecord: Codable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var validationAUC: Double?
    /// Training examples per second, excluding validation.
    public var examplesPerSecond: Double

    /// Public so that other training loops (DP-SGD in `Privacy`) report epochs the same way.
    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double? = nil,
                validationAccuracy: Double? = nil, validationAUC: Double? = nil, examplesPerSecond: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.validationAUC = validationAUC
        self.examplesPerSecond = examplesPerSecond
    }

    enum CodingKeys: String, CodingKey {
        case epoch
        case trainLoss = "train_loss"
        case trainAccuracy = "train_accuracy"
        case validationLoss = "val_loss"
        case validationAccuracy = "val_accuracy"
        case validationAUC = "val_auc"
        case examplesPerSecond = "images_per_second"
    }
}
