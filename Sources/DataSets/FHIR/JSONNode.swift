import Foundation

/// A parsed JSON value. FHIR resources are read through it, rather than through fixed
/// `Decodable` types, so that every problem can be reported with the JSON path where it is.
enum JSONNode: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONNode])
    case object([String: JSONNode])

    /// Parses `bytes`; the error says where the JSON is broken.
    init(parsing bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(JSONNode.self, from: Data(bytes))
    }

    subscript(key: String) -> JSONNode? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    var array: [JSONNode]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var object: [String: JSONNode]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// How the value reads in an error message: `"abc"`, `12`, `an object`.
    var brief: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
        case .string(let value): "\"" + (value.count > 40 ? value.prefix(40) + "…" : value) + "\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONNode: Decodable {
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    // Objects and strings are by far the most common nodes in FHIR, so they are tried first:
    // each failed attempt costs a thrown error.
    init(from decoder: Decoder) throws {
        if let container = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: JSONNode] = [:]
            members.reserveCapacity(container.allKeys.count)
            for key in container.allKeys { members[key.stringValue] = try container.decode(JSONNode.self, forKey: key) }
            self = .object(members)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var items: [JSONNode] = []
            while !container.isAtEnd { items.append(try container.decode(JSONNode.self)) }
            self = .array(items)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else {
            self = .number(try container.decode(Double.self))
        }
    }
}
