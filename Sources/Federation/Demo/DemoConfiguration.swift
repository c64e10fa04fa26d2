import Foundation

/// The settings of `medchain demo`. The defaults are the fixed default protocol, so results
/// compare across versions: the bundled PneumoniaMNIST subset, 4 hospitals, Dirichlet(0.5)
/// label skew over the train split with each hospital keeping 25 % of its share (at least 20
/// images), the reference CNN, local-only 10 epochs, federated 20 rounds × 1 local epoch,
/// pooled 10 epochs, the same client recipe (SGD lr 0.01, momentum 0.9, batch 32) in every arm,
/// FedAvgM on the server, everything evaluated on the common test split.
public struct DemoConfiguration: Sendable {
    public var dataPath = "Data/pneumoniamnist-balanced.npz"
    public var labelColumn: String?
    public var hospitals = 4
    public var alpha = 0.5
    public var keepFraction = 0.25
    public var minimumShare = 20
    public var rounds = 20
    public var localEpochs = 1
    public var baselineEpochs = 10
    /// Epochs of local fine-tuning from the global model for the personalised arm.
    public var personalEpochs = 2
    public var batchSize = 32
    public var learningRate: Float = 0.01
    public var momentum: Float = 0.9
    public var aggregation: AggregationRule = .fedAvg
    public var serverOptimizer: ServerOptimizer = .fedAvgM(learningRate: 1, momentum: 0.9)
    public var privacy = FederatedPrivacy()
    /// ε budget registered for each dataset.
    public var epsilonBudget = 100.0
    /// Hospitals training each round (0 = all), drawn with a seeded generator.
    public var clientsPerRound = 0
    /// How each hospital personalises the released model.
    public var personalization: Personalization = .fineTune
    public var malicious = 0
    public var attack: HospitalBehaviour = .signFlip
    public var seed: UInt64 = 1
    /// Every hospital a validator (BFT), or hospital 1 the single validator.
    public var ordering: FederatedConsortium.Ordering = .bft
    /// Where node homes go; nil → a temporary folder removed afterwards.
    public var home: URL?

    public init() {}

    public typealias Personalization = Personalizer.Mode
}
