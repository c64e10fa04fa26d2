import DataSets
import Foundation

/// A node's private share of training data: what its `FederatedParticipant` trains on and
/// validates with. It never leaves the node; only a manifest CID and counts reach the ledger.
public struct ParticipantData: Sendable {
    public var train: LabeledData
    public var validation: LabeledData
    public var classNames: [String]
    /// The ε budget declared when the node registers the share.
    public var epsilonBudget: Double

    public init(train: LabeledData, validation: LabeledData, classNames: [String]? = nil, epsilonBudget: Double = 10) {
        self.train = train
        self.validation = validation
        self.classNames = classNames ?? (0..<train.classCount).map(String.init)
        self.epsilonBudget = epsilonBudget
    }

    /// Loads `node.json`'s `participant.data`: a MedMNIST-layout `.npz` (or a CSV; see
    /// `loadDataset`) whose train split is trained on and whose validation split (else the
    /// train split) checks updates as master.
    public static func load(_ configuration: NodeConfiguration.Participant, home: URL) throws -> ParticipantData {
        let path = configuration.data.hasPrefix("/") ? configuration.data : home.appendingPathComponent(configuration.data).path
        let splits: DatasetSplits
        do { splits = try loadDataset(path: path) } catch {
            throw NodeConfigurationError(path: home.appendingPathComponent(NodeConfiguration.fileName).path, field: "participant.data",
                                         message: "cannot load \(path): \(error)")
        }
        var train = splits.train, validation = splits.validation ?? splits.train
        let classes = max(configuration.classes ?? 0, train.classCount, validation.classCount)
        train.classCount = classes
        validation.classCount = classes
        return ParticipantData(train: train, validation: validation, classNames: (0..<classes).map(String.init),
                               epsilonBudget: configuration.epsilonBudget)
    }
}
