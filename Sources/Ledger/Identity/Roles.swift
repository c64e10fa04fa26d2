/// What a member may do on the chain. Roles, not node kinds: an edge server that aggregates
/// wearables and also trains is simply a member with both roles.
public struct Roles: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Votes on blocks, may propose them, commits aggregates, admits members, adjusts reputation.
    public static let validator = Roles(rawValue: 1 << 0)
    /// Registers datasets and submits model updates trained on them.
    public static let trainer = Roles(rawValue: 1 << 1)
    /// Publishes training tasks.
    public static let taskPublisher = Roles(rawValue: 1 << 2)
    /// Reads everything and may file evidence.
    public static let auditor = Roles(rawValue: 1 << 3)

    /// Every role this version knows; other bits are rejected so a later version can add roles.
    public static let known: Roles = [.validator, .trainer, .taskPublisher, .auditor]

    static let names: [(Roles, String)] = [
        (.validator, "validator"), (.trainer, "trainer"), (.taskPublisher, "task-publisher"), (.auditor, "auditor"),
    ]

    /// Parses "validator,trainer" (also accepts "task_publisher" and "taskPublisher").
    public init?(names text: String) {
        var roles: Roles = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "-")
            let canonical = name == "taskpublisher" ? "task-publisher" : name
            guard let role = Roles.names.first(where: { $0.1 == canonical })?.0 else { return nil }
            roles.insert(role)
        }
        self = roles
    }

    public var names: [String] { Roles.names.filter { contains($0.0) }.map(\.1) }
    public var description: String { names.isEmpty ? "none" : names.joined(separator: ",") }
}

extension Roles: Codable {
    /// JSON form: an array of role names, e.g. `["validator", "trainer"]`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let list = try container.decode([String].self)
        guard let roles = Roles(names: list.joined(separator: ",")) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown role in \(list); known: validator, trainer, task-publisher, auditor")
        }
        self = roles
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(names)
    }
}

extension Roles: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) { writer.write(rawValue) }
    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        let raw = try reader.readUInt8("roles")
        guard raw & ~Roles.known.rawValue == 0 else { throw reader.fail("unknown role bits \(raw)") }
        self.init(rawValue: raw)
    }
}

import Foundation
