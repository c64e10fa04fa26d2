/// Registers a hospital's dataset by the CID of its manifest in the content store. The raw
/// records never leave the hospital; the chain holds the manifest CID, the schema, the sizes,
/// and the differential-privacy budget that all training on it may spend.
public struct RegisterDataset: Hashable, Sendable, Codable {
    /// CID of the dataset manifest; also the dataset's ID on the chain.
    public var manifestCID: String
    /// Schema identifier, e.g. `medmnist/pathmnist@1` or a schema CID. Tasks name the schema
    /// their model expects and may only use datasets that have it.
    public var schema: String
    public var recordCount: UInt64
    /// Records per label index (empty when the data are unlabelled).
    public var labelCounts: [UInt64]
    /// Total ε that all rounds of all tasks may spend on this dataset.
    public var epsilonBudget: Epsilon

    public init(manifestCID: String, schema: String, recordCount: UInt64, labelCounts: [UInt64], epsilonBudget: Epsilon) {
        self.manifestCID = manifestCID
        self.schema = schema
        self.recordCount = recordCount
        self.labelCounts = labelCounts
        self.epsilonBudget = epsilonBudget
    }

    func validateFields() throws(TransactionRejection) {
        try FieldRules.identifier(manifestCID, "manifestCID")
        try FieldRules.identifier(schema, "schema")
        guard recordCount > 0 else { throw .invalidField(field: "recordCount", reason: "must be > 0") }
        guard labelCounts.count <= 65_536 else { throw .invalidField(field: "labelCounts", reason: "at most 65536 labels") }
    }
}

extension RegisterDataset: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(manifestCID); writer.write(schema); writer.write(recordCount)
        writer.write(labelCounts); writer.write(epsilonBudget)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        manifestCID = try reader.readString("manifestCID")
        schema = try reader.readString("schema")
        recordCount = try reader.readUInt64("recordCount")
        labelCounts = try reader.readUInt64s("labelCounts")
        epsilonBudget = try Epsilon(from: &reader)
    }
}
