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
    ///
    /// Foundation's `JSONSerialization` parses about ten times faster than a `Decodable`
    /// tree through `JSONDecoder`, which matters for bundles of megabytes.
    init(parsing bytes: [UInt8]) throws {
        self.init(foundation: try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]))
    }

    /// Converts `JSONSerialization` output. Its booleans are `NSNumber`s whose Objective-C
    /// type is `c` (char), a type no JSON number is given.
    private init(foundation value: Any) {
        switch value {
        case let text as String:
            self = .string(text)
        case let number as NSNumber:
            self = String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
        case let items as [Any]:
            self = .array(items.map(JSONNode.init(foundation:)))
        case let members as [String: Any]:
            self = .object(members.mapValues(JSONNode.init(foundation:)))
        default:
            self = .null
        }
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
