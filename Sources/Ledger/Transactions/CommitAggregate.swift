/// The aggregate of one round: which updates went in, the resulting model's CID, and the ε
/// the round spent on each dataset. Sent by a validator (the round's master); committing it
/// closes the round and opens the next.
public struct CommitAggregate: Hashable, Sendable, Codable {
    /// ε spent on one dataset this round.
    public struct DatasetSpend: Hashable, Sendable, Codable {
        public var dataset: String
        public var epsilon: Epsilon

        public init(dataset: String, epsilon: Epsilon) {
            self.dataset = dataset
            self.epsilon = epsilon
        }
    }

    public var task: Hash256
    public var round: UInt32
    /// Hashes of the `SubmitUpdate` transactions aggregated, in aggregation order.
    public var updates: [Hash256]
    public var modelCID: String
    public var metrics: NamedValues
    public var privacySpent: [DatasetSpend]

    public init(task: Hash256, round: UInt32, updates: [Hash256], modelCID: String, metrics: NamedValues,
                privacySpent: [DatasetSpend]) {
        self.task = task
        self.round = round
        self.updates = updates
        self.modelCID = modelCID
        self.metrics = metrics
        self.privacySpent = privacySpent
    }

    func validateFields() throws(TransactionRejection) {
        guard !updates.isEmpty else { throw .invalidField(field: "updates", reason: "an aggregate includes at least one update") }
        guard Set(updates).count == updates.count else { throw .invalidField(field: "updates", reason: "lists an update twice") }
        try FieldRules.identifier(modelCID, "modelCID")
        try FieldRules.names(metrics, "metrics")
        for spend in privacySpent { try FieldRules.identifier(spend.dataset, "privacySpent.dataset") }
        guard Set(privacySpent.map(\.dataset)).count == privacySpent.count else {
            throw .invalidField(field: "privacySpent", reason: "lists a dataset twice")
        }
    }
}

extension CommitAggregate.DatasetSpend: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) { writer.write(dataset); writer.write(epsilon) }
    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        dataset = try reader.readString("dataset")
        epsilon = try Epsilon(from: &reader)
    }
}

extension CommitAggregate: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(task); writer.write(round); writer.write(updates); writer.write(modelCID)
        writer.write(metrics); writer.write(privacySpent)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        task = try Hash256(from: &reader)
        round = try reader.readUInt32("round")
        updates = try reader.readArray(of: Hash256.self, "updates")
        modelCID = try reader.readString("modelCID")
        metrics = try NamedValues(from: &reader)
        privacySpent = try reader.readArray(of: DatasetSpend.self, "privacySpent")
    }
}
