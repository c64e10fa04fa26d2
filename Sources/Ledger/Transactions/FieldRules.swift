/// Stateless checks on payload fields, shared by every payload type.
enum FieldRules {
    static let maxNameBytes = 128
    static let maxIdentifierBytes = 256
    static let maxTextBytes = 4096

    /// A content identifier or similar token: printable ASCII without spaces, 1...256 bytes.
    static func identifier(_ value: String, _ field: String) throws(TransactionRejection) {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= maxIdentifierBytes, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw .invalidField(field: field, reason: "must be 1...\(maxIdentifierBytes) printable ASCII characters without spaces")
        }
    }

    static func name(_ value: String, _ field: String) throws(TransactionRejection) {
        // Control characters: C0/DEL by byte; C1 and others through Unicode properties only
        // when the name is not plain ASCII.
        let utf8 = value.utf8
        let ascii = utf8.allSatisfy { $0 < 0x80 }
        let hasControl = ascii ? utf8.contains { $0 < 0x20 || $0 == 0x7f }
            : value.unicodeScalars.contains { $0.properties.generalCategory == .control }
        guard !utf8.isEmpty, utf8.count <= maxNameBytes, !hasControl else {
            throw .invalidField(field: field, reason: "must be 1...\(maxNameBytes) bytes of text without control characters")
        }
    }

    static func text(_ value: String, _ field: String, max: Int = maxTextBytes) throws(TransactionRejection) {
        guard value.utf8.count <= max else { throw .invalidField(field: field, reason: "must be at most \(max) bytes") }
    }

    static func finite(_ value: Double, _ field: String, atLeast minimum: Double? = nil) throws(TransactionRejection) {
        guard value.isFinite else { throw .invalidField(field: field, reason: "must be a finite number") }
        if let minimum, value < minimum { throw .invalidField(field: field, reason: "must be ≥ \(minimum)") }
    }

    static func names(_ values: NamedValues, _ field: String) throws(TransactionRejection) {
        guard values.entries.count <= 64 else { throw .invalidField(field: field, reason: "at most 64 entries") }
        for entry in values.entries { try name(entry.name, "\(field).\(entry.name)") }
    }
}
