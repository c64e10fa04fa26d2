/// Admits a new member institution with its roles. Sent by a validator (the consortium's
/// governance); the member starts with the genesis `initialReputation`.
public struct RegisterMember: Hashable, Sendable, Codable {
    public var member: PublicKey
    public var name: String
    public var roles: Roles

    public init(member: PublicKey, name: String, roles: Roles) {
        self.member = member
        self.name = name
        self.roles = roles
    }

    func validateFields() throws(TransactionRejection) {
        try FieldRules.name(name, "name")
        guard !roles.isEmpty else { throw .invalidField(field: "roles", reason: "a member needs at least one role") }
    }
}

extension RegisterMember: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(member); writer.write(name); writer.write(roles)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        member = try PublicKey(from: &reader)
        name = try reader.readString("name")
        roles = try Roles(from: &reader)
    }
}
