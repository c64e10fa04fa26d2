import DataSets

/// One hospital's data in the demo's partition: its training share, its validation data (for
/// thresholds, update checks and personalisation choices), and, when the split exists, its
/// held-out test data, which nothing trains on or chooses with.
public struct HospitalShare: Sendable {
    public var name: String
    public var train: LabeledData
    public var validation: LabeledData
    public var test: LabeledData?
}
