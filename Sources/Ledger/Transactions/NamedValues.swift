import Foundation

/// Named finite numbers (metrics such as accuracy and loss; hyper-parameters such as the
/// learning rate), kept sorted by name so the encoding is canonical.
///
/// JSON form: an object, `{"accuracy": 0.91, "loss": 0.27}`.
public struct NamedValues: Hashable, Sendable, CustomStringConvertible {
    public private(set) var entries: [(name: String, value: Double)]

    public init() { entries = [] }

    /// Fails on NaN or infinity, which have no canonical encoding.
    public init?(_ dictionary: [String: Double]) {
        guard dictionary.values.allSatisfy(\.isFinite) else { return nil }
        entries = dictionary.map { ($0.key, $0.value == 0 ? 0 : $0.value) }
            .sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    public subscript(name: String) -> Double? { entries.first { $0.name == name }?.value }
    public var dictionary: [String: Double] { Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.value) }) }
    public var isEmpty: Bool { entries.isEmpty }

    public static func == (a: NamedValues, b: NamedValues) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for entry in entries { hasher.combine(entry.name); hasher.combine(entry.value) }
    }

    public var description: String { entries.map { "\($0.name)=\($0.value)" }.joined(separator: " ") }
}

extension NamedValues: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(UInt32(entries.count))
        for entry in entries {
            writer.write(entry.name)
            writer.write(entry.value)
        }
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        let count = try reader.readCount("named values", minimumElementSize: 12)
        entries = []
        entries.reserveCapacity(count)
        var previous: [UInt8]? = nil
        for _ in 0..<count {
            let name = try reader.readString("value name")
            let key = Array(name.utf8)
            if let previous, !previous.lexicographicallyPrecedes(key) {
                throw reader.fail("names must be sorted and unique, \"\(name)\" is out of order")
            }
            previous = key
            entries.append((name, try reader.readDouble("value \(name)")))
        }
    }
}

extension NamedValues: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let dictionary = try container.decode([String: Double].self)
        guard let values = NamedValues(dictionary) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "values must be finite numbers")
        }
        self = values
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(dictionary)
    }
}
