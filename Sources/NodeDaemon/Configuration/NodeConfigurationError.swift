/// A `node.json` that cannot be used: which file, which field, what is wrong and what to do.
public struct NodeConfigurationError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The file, e.g. `/srv/hospital-a/node.json`.
    public var path: String
    /// The dotted field path, e.g. `consensus.timeouts.proposeMs`; nil for the whole file.
    public var field: String?
    public var message: String

    public init(path: String, field: String?, message: String) {
        self.path = path
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field, !field.isEmpty { return "\(path): \(field): \(message)" }
        return "\(path): \(message)"
    }
}

extension NodeConfigurationError {
    /// Translates a `JSONDecoder` failure into the field it happened at.
    init(path: String, decoding error: DecodingError) {
        func dotted(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(path: path, field: dotted(context.codingPath), message: "expected \(Self.describe(type)); see docs/node.md")
        case .valueNotFound(let type, let context):
            self.init(path: path, field: dotted(context.codingPath), message: "expected \(Self.describe(type)), found null")
        case .keyNotFound(let key, let context):
            self.init(path: path, field: dotted(context.codingPath + [key]), message: "is required")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let cause = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
                self.init(path: path, field: nil, message: "is not valid JSON\(cause)")
            } else {
                self.init(path: path, field: dotted(context.codingPath), message: context.debugDescription)
            }
        @unknown default:
            self.init(path: path, field: nil, message: "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is UInt64.Type, is UInt32.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "\(type)".contains("Dictionary") ? "an object" : "a value of type \(type)"
        }
    }
}
