import Foundation

/// Publishes a federated training task over registered datasets. The task's ID is this
/// transaction's hash.
public struct PublishTask: Hashable, Sendable {
    public var name: String
    /// The model architecture as canonical JSON text. Opaque to the ledger: the learning layer
    /// defines and reads it; the ledger only stores and hashes it.
    public var modelSpec: String
    /// Manifest CIDs of the datasets the task trains on; each must be registered with `datasetSchema`.
    public var datasets: [String]
    public var datasetSchema: String
    public var rounds: UInt32
    /// Learning rate, local epochs, batch size, … by name.
    public var hyperParameters: NamedValues
    /// Aggregation rule name (e.g. `fedavg`, `trimmed-mean`); interpreted by the federation layer.
    public var aggregation: String
    public var privacy: PrivacyPolicy

    public init(name: String, modelSpec: String, datasets: [String], datasetSchema: String, rounds: UInt32,
                hyperParameters: NamedValues, aggregation: String, privacy: PrivacyPolicy) {
        self.name = name
        self.modelSpec = modelSpec
        self.datasets = datasets
        self.datasetSchema = datasetSchema
        self.rounds = rounds
        self.hyperParameters = hyperParameters
        self.aggregation = aggregation
        self.privacy = privacy
    }

    func validateFields() throws(TransactionRejection) {
        try FieldRules.name(name, "name")
        try FieldRules.text(modelSpec, "modelSpec", max: 1 << 20)
        guard !datasets.isEmpty, datasets.count <= 1024 else {
            throw .invalidField(field: "datasets", reason: "a task needs 1...1024 datasets")
        }
        for cid in datasets { try FieldRules.identifier(cid, "datasets") }
        guard Set(datasets).count == datasets.count else { throw .invalidField(field: "datasets", reason: "lists a dataset twice") }
        try FieldRules.identifier(datasetSchema, "datasetSchema")
        guard rounds >= 1 else { throw .invalidField(field: "rounds", reason: "must be ≥ 1") }
        try FieldRules.names(hyperParameters, "hyperParameters")
        try FieldRules.identifier(aggregation, "aggregation")
        try privacy.validateFields()
    }
}

extension PublishTask: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(name); writer.write(modelSpec); writer.write(datasets); writer.write(datasetSchema)
        writer.write(rounds); writer.write(hyperParameters); writer.write(aggregation); writer.write(privacy)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        name = try reader.readString("name")
        modelSpec = try reader.readString("modelSpec")
        datasets = try reader.readStrings("datasets")
        datasetSchema = try reader.readString("datasetSchema")
        rounds = try reader.readUInt32("rounds")
        hyperParameters = try NamedValues(from: &reader)
        aggregation = try reader.readString("aggregation")
        privacy = try PrivacyPolicy(from: &reader)
    }
}

extension PublishTask: Codable {
    enum CodingKeys: String, CodingKey {
        case name, modelSpec, datasets, datasetSchema, rounds, hyperParameters, aggregation, privacy
    }

    /// `modelSpec` may be given as a JSON object (re-serialised with sorted keys, which is the
    /// canonical text) or as a string taken verbatim.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        if let text = try? c.decode(String.self, forKey: .modelSpec) {
            modelSpec = text
        } else {
            let object = try c.decode(JSONValue.self, forKey: .modelSpec)
            modelSpec = object.canonicalText
        }
        datasets = try c.decode([String].self, forKey: .datasets)
        datasetSchema = try c.decode(String.self, forKey: .datasetSchema)
        rounds = try c.decode(UInt32.self, forKey: .rounds)
        hyperParameters = try c.decodeIfPresent(NamedValues.self, forKey: .hyperParameters) ?? NamedValues()
        aggregation = try c.decode(String.self, forKey: .aggregation)
        privacy = try c.decodeIfPresent(PrivacyPolicy.self, forKey: .privacy) ?? PrivacyPolicy()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(modelSpec, forKey: .modelSpec)
        try c.encode(datasets, forKey: .datasets)
        try c.encode(datasetSchema, forKey: .datasetSchema)
        try c.encode(rounds, forKey: .rounds)
        try c.encode(hyperParameters, forKey: .hyperParameters)
        try c.encode(aggregation, forKey: .aggregation)
        try c.encode(privacy, forKey: .privacy)
    }
}
