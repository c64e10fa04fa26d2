/// Evidence of misbehaviour by a member, usually a master that proposed an invalid block or
/// a wrong aggregate. Committing it records the evidence and lowers the offender's reputation
/// by the genesis `evidencePenalty`; consensus uses it to blacklist masters.
public struct Evidence: Hashable, Sendable, Codable {
    public enum Kind: UInt8, Sendable, Codable, CaseIterable {
        /// A proposed block failed validation (bad signature, state root, size, …).
        case invalidBlock = 1
        /// A `CommitAggregate` whose aggregate did not recompute from its updates.
        case invalidAggregate = 2
        /// Two conflicting votes or proposals for one height and round.
        case equivocation = 3
        /// An update that failed the federation layer's checks.
        case invalidUpdate = 4

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            let name = try container.decode(String.self)
            guard let kind = Kind.allCases.first(where: { "\($0)" == name }) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "evidence kind must be one of \(Kind.allCases.map { "\($0)" }), got \"\(name)\"")
            }
            self = kind
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode("\(self)")
        }
    }

    public var offender: PublicKey
    public var kind: Kind
    /// Height of the offending proposal or transaction.
    public var height: UInt64
    /// ID of the offending block (zero when not about a block).
    public var blockID: Hash256
    public var detail: String
    /// Opaque supporting bytes (e.g. the conflicting signed votes), hex in JSON.
    public var proof: [UInt8]

    public init(offender: PublicKey, kind: Kind, height: UInt64, blockID: Hash256, detail: String, proof: [UInt8] = []) {
        self.offender = offender
        self.kind = kind
        self.height = height
        self.blockID = blockID
        self.detail = detail
        self.proof = proof
    }

    /// The evidence's identity: a second copy of the same evidence is rejected as a duplicate.
    public var id: Hash256 { Hash256.sha256(canonicalBytes) }

    func validateFields() throws(TransactionRejection) {
        try FieldRules.text(detail, "detail", max: 4096)
        guard proof.count <= 16_384 else { throw .invalidField(field: "proof", reason: "at most 16384 bytes") }
    }

    enum CodingKeys: String, CodingKey { case offender, kind, height, blockID, detail, proof }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        offender = try c.decode(PublicKey.self, forKey: .offender)
        kind = try c.decode(Kind.self, forKey: .kind)
        height = try c.decode(UInt64.self, forKey: .height)
        blockID = try c.decodeIfPresent(Hash256.self, forKey: .blockID) ?? .zero
        detail = try c.decode(String.self, forKey: .detail)
        let hex = try c.decodeIfPresent(String.self, forKey: .proof) ?? ""
        guard let bytes = [UInt8](hex: hex) else {
            throw DecodingError.dataCorruptedError(forKey: .proof, in: c, debugDescription: "proof must be hex")
        }
        proof = bytes
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(offender, forKey: .offender)
        try c.encode(kind, forKey: .kind)
        try c.encode(height, forKey: .height)
        try c.encode(blockID, forKey: .blockID)
        try c.encode(detail, forKey: .detail)
        try c.encode(proof.hexString, forKey: .proof)
    }
}

extension Evidence: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(offender); writer.write(kind.rawValue); writer.write(height); writer.write(blockID)
        writer.write(detail); writer.write(lengthPrefixed: proof)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        offender = try PublicKey(from: &reader)
        let raw = try reader.readUInt8("evidence kind")
        guard let kind = Kind(rawValue: raw) else { throw reader.fail("unknown evidence kind \(raw)") }
        self.kind = kind
        height = try reader.readUInt64("height")
        blockID = try Hash256(from: &reader)
        detail = try reader.readString("detail")
        proof = try reader.readLengthPrefixed("proof")
    }
}
