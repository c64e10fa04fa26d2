/// Raises or lowers a member's reputation, which weighs its turn as block proposer (master).
/// Sent by a validator; reputation never drops below zero.
public struct ReputationChange: Hashable, Sendable, Codable {
    public var member: PublicKey
    public var delta: Int64
    public var reason: String

    public init(member: PublicKey, delta: Int64, reason: String) {
        self.member = member
        self.delta = delta
        self.reason = reason
    }

    func validateFields() throws(TransactionRejection) {
        guard delta != 0 else { throw .invalidField(field: "delta", reason: "must not be 0") }
        try FieldRules.text(reason, "reason", max: 1024)
    }
}

extension ReputationChange: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) { writer.write(member); writer.write(delta); writer.write(reason) }
    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        member = try PublicKey(from: &reader)
        delta = try reader.readInt64("delta")
        reason = try reader.readString("reason")
    }
}
