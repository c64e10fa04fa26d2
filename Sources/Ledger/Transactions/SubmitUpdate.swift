/// A hospital's model update for one round of a task. The update itself (clipped, quantised,
/// perhaps encrypted) lives in the content store under `updateCID`.
public struct SubmitUpdate: Hashable, Sendable, Codable {
    public var task: Hash256
    public var round: UInt32
    public var updateCID: String
    public var sampleCount: UInt64
    /// L2 norm of the (clipped) update, for the aggregator's sanity checks.
    public var norm: Double
    /// Local validation metrics, e.g. accuracy and loss.
    public var metrics: NamedValues

    public init(task: Hash256, round: UInt32, updateCID: String, sampleCount: UInt64, norm: Double, metrics: NamedValues) {
        self.task = task
        self.round = round
        self.updateCID = updateCID
        self.sampleCount = sampleCount
        self.norm = norm
        self.metrics = metrics
    }

    /// The largest sample count an update may claim.
    public static let maximumSampleCount: UInt64 = 1 << 24

    func validateFields() throws(TransactionRejection) {
        try FieldRules.identifier(updateCID, "updateCID")
        guard sampleCount > 0 else { throw .invalidField(field: "sampleCount", reason: "must be > 0") }
        // The FedAvg weight: bounded so the exact integer sums of an aggregate fit in 64 bits.
        guard sampleCount <= SubmitUpdate.maximumSampleCount else {
            throw .invalidField(field: "sampleCount", reason: "must be at most \(SubmitUpdate.maximumSampleCount) (2^24)")
        }
        try FieldRules.finite(norm, "norm", atLeast: 0)
        try FieldRules.names(metrics, "metrics")
    }
}

extension SubmitUpdate: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(task); writer.write(round); writer.write(updateCID); writer.write(sampleCount)
        writer.write(norm); writer.write(metrics)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        task = try Hash256(from: &reader)
        round = try reader.readUInt32("round")
        updateCID = try reader.readString("updateCID")
        sampleCount = try reader.readUInt64("sampleCount")
        norm = try reader.readDouble("norm")
        metrics = try NamedValues(from: &reader)
    }
}
