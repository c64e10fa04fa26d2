import Foundation

/// Says how a FHIR bundle becomes a table: which code becomes which column, what gives the
/// label, and how many missing values a row may have.
///
/// ```json
/// {
///   "columns": [
///     {"name": "heart_rate", "code": "8867-4", "unit": "/min"},
///     {"name": "glucose", "code": "2339-0", "unit": "mg/dL", "convert": {"mmol/L": 18.016}}
///   ],
///   "label": {"name": "diabetes", "condition": {"codes": ["44054006"]}, "classes": ["no", "yes"]},
///   "missing": {"maxMissingPerRow": 1}
/// }
/// ```
///
/// - A column takes the `valueQuantity.value` of the patient's latest Observation (by
///   `effective[x]`; undated ones count as oldest, and ties go to the later entry) whose
///   `code` — or one of whose `component` codes — has a coding with `system` (default
///   `http://loinc.org`) and `code`.
/// - With `unit`, the quantity's UCUM `code` (else its `unit` text) must be that unit, or a key
///   of `convert`, whose factor multiplies the value. Any other unit is a `unitMismatch` issue.
/// - The label is either a `condition` (class 1 when the patient has a matching Condition that
///   is not refuted, entered in error, inactive, resolved or in remission; class 0 otherwise)
///   or an `observation` whose latest value is binned by ascending `thresholds` (class i when
///   i thresholds are ≤ the value); a patient without that observation has no label and is
///   left out. `classes` names the classes (default `"0"`, `"1"`, …).
/// - `missing.maxMissingPerRow` (default: half the columns, rounded down): a patient with more
///   missing columns is dropped; the remaining gaps are filled with the column's median over
///   the train split (see `FHIRDataset`).
///
/// Unknown keys are rejected, so a misspelt option is an error rather than silently ignored.
public struct FHIRMapping: Sendable, Equatable {
    public static let loinc = "http://loinc.org"
    public static let snomed = "http://snomed.info/sct"

    /// One table column and the Observation code that fills it.
    public struct Column: Sendable, Equatable {
        public var name: String
        public var system: String
        public var code: String
        /// The unit values must have (UCUM), or nil to accept any.
        public var unit: String?
        /// Factors that turn other units into `unit` (value × factor).
        public var convert: [String: Double]

        public init(name: String, system: String = FHIRMapping.loinc, code: String, unit: String? = nil,
                    convert: [String: Double] = [:]) {
            self.name = name
            self.system = system
            self.code = code
            self.unit = unit
            self.convert = convert
        }
    }

    /// A Condition that makes a patient class 1.
    public struct ConditionRule: Sendable, Equatable {
        public var system: String
        public var codes: [String]

        public init(system: String = FHIRMapping.snomed, codes: [String]) {
            self.system = system
            self.codes = codes
        }
    }

    /// An Observation whose value, binned by thresholds, is the class.
    public struct ObservationRule: Sendable, Equatable {
        public var system: String
        public var code: String
        public var unit: String?
        public var convert: [String: Double]
        public var thresholds: [Double]

        public init(system: String = FHIRMapping.loinc, code: String, unit: String? = nil,
                    convert: [String: Double] = [:], thresholds: [Double]) {
            self.system = system
            self.code = code
            self.unit = unit
            self.convert = convert
            self.thresholds = thresholds
        }
    }

    public struct Label: Sendable, Equatable {
        /// The label column's name.
        public var name: String
        public var condition: ConditionRule?
        public var observation: ObservationRule?
        /// One name per class, in class order.
        public var classes: [String]

        public init(name: String, condition: ConditionRule? = nil, observation: ObservationRule? = nil, classes: [String]? = nil) {
            self.name = name
            self.condition = condition
            self.observation = observation
            let count = condition != nil ? 2 : (observation?.thresholds.count ?? 1) + 1
            self.classes = classes ?? (0..<count).map(String.init)
        }
    }

    public var columns: [Column]
    public var label: Label
    /// The most missing columns a kept row may have.
    public var maxMissingPerRow: Int

    public init(columns: [Column], label: Label, maxMissingPerRow: Int? = nil) {
        self.columns = columns
        self.label = label
        self.maxMissingPerRow = maxMissingPerRow ?? columns.count / 2
    }

    /// Reads and checks the mapping file at `path`.
    public static func load(contentsOf path: String) throws(DataSetError) -> FHIRMapping {
        try FHIRMapping(bytes: readWholeFile(path), file: path)
    }

    /// Reads and checks a mapping held in memory; `file` labels errors.
    public init(bytes: [UInt8], file: String?) throws(DataSetError) {
        do {
            self = try JSONDecoder().decode(FHIRMapping.self, from: Data(bytes))
        } catch let error as DataSetError {
            throw DataSetError(error.code, file: file, error.message)
        } catch {
            throw DataSetError(.invalidMapping, file: file, Self.describe(error))
        }
        try validate(file: file)
    }

    /// Checks the rules the JSON shape cannot express; the error names the field.
    public func validate(file: String?) throws(DataSetError) {
        func fail(_ message: String) -> DataSetError { DataSetError(.invalidMapping, file: file, message) }
        guard !columns.isEmpty else { throw fail("columns: list at least one column") }
        var names = Set<String>()
        for (i, column) in columns.enumerated() {
            guard Self.isValidName(column.name) else {
                throw fail("columns[\(i)].name: \"\(column.name)\" must be 1–64 of A–Z a–z 0–9 _ . -")
            }
            guard column.name != label.name, column.name != "split", names.insert(column.name).inserted else {
                throw fail("columns[\(i)].name: \"\(column.name)\" is used twice (or is the label or 'split')")
            }
            guard !column.code.isEmpty, !column.system.isEmpty else { throw fail("columns[\(i)]: system and code must not be empty") }
            try Self.validate(convert: column.convert, unit: column.unit, field: "columns[\(i)]", fail)
        }
        guard Self.isValidName(label.name), label.name != "split" else {
            throw fail("label.name: \"\(label.name)\" must be 1–64 of A–Z a–z 0–9 _ . - (and not 'split')")
        }
        switch (label.condition, label.observation) {
        case (let rule?, nil):
            guard !rule.codes.isEmpty, !rule.codes.contains("") else { throw fail("label.condition.codes: list at least one code") }
            guard label.classes.count == 2 else { throw fail("label.classes: a condition label has 2 classes (without, with)") }
        case (nil, let rule?):
            guard !rule.thresholds.isEmpty, rule.thresholds.allSatisfy(\.isFinite),
                  zip(rule.thresholds, rule.thresholds.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw fail("label.observation.thresholds: list finite numbers in increasing order")
            }
            guard label.classes.count == rule.thresholds.count + 1 else {
                throw fail("label.classes: \(rule.thresholds.count) thresholds make \(rule.thresholds.count + 1) classes, not \(label.classes.count)")
            }
            if let column = columns.first(where: { $0.system == rule.system && $0.code == rule.code }) {
                throw fail("label.observation: code \(rule.code) is also column '\(column.name)'; a feature must not give away the label")
            }
            try Self.validate(convert: rule.convert, unit: rule.unit, field: "label.observation", fail)
        default:
            throw fail("label: give exactly one of \"condition\" and \"observation\"")
        }
        guard Set(label.classes).count == label.classes.count, !label.classes.contains("") else {
            throw fail("label.classes: names must be distinct and not empty")
        }
        guard (0..<columns.count).contains(maxMissingPerRow) else {
            throw fail("missing.maxMissingPerRow: must be 0…\(columns.count - 1) (a row needs at least one measured column)")
        }
    }

    private static func validate(convert: [String: Double], unit: String?, field: String,
                                 _ fail: (String) -> DataSetError) throws(DataSetError) {
        guard convert.isEmpty || unit != nil else { throw fail("\(field).convert: needs a \"unit\" to convert to") }
        for (from, factor) in convert.sorted(by: { $0.key < $1.key }) {
            guard factor.isFinite, factor > 0, from != unit, !from.isEmpty else {
                throw fail("\(field).convert.\(from): factors must be finite and > 0, from a unit other than \(unit ?? "")")
            }
        }
    }

    static func isValidName(_ name: String) -> Bool {
        let bytes = name.utf8
        return !bytes.isEmpty && bytes.count <= 64 && bytes.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 46 || c == 45
        }
    }

    /// A decoding error as `columns[2].unit: expected a string`.
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the top level" : text
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case DecodingError.typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type == String.self ? "a string" : type == Double.self ? "a number" : type == Int.self ? "an integer" : "\(type)")"
        case DecodingError.valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case DecodingError.dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON (\(context.underlyingError.map { "\($0)" } ?? context.debugDescription))" }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

// MARK: Decoding with defaults and no unknown keys

extension FHIRMapping: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case columns, label, missing }
    enum MissingKeys: String, CodingKey, CaseIterable { case maxMissingPerRow }

    public init(from decoder: Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let columns = try container.decode([Column].self, forKey: .columns)
        let label = try container.decode(Label.self, forKey: .label)
        var maxMissing: Int?
        if container.contains(.missing) {
            let missing = try container.nestedStrictContainer(keyedBy: MissingKeys.self, forKey: .missing)
            maxMissing = try missing.decodeIfPresent(Int.self, forKey: .maxMissingPerRow)
        }
        self.init(columns: columns, label: label, maxMissingPerRow: maxMissing)
    }
}

extension FHIRMapping.Column: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case name, system, code, unit, convert }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name),
                  system: try c.decodeIfPresent(String.self, forKey: .system) ?? FHIRMapping.loinc,
                  code: try c.decode(String.self, forKey: .code),
                  unit: try c.decodeIfPresent(String.self, forKey: .unit),
                  convert: try c.decodeIfPresent([String: Double].self, forKey: .convert) ?? [:])
    }
}

extension FHIRMapping.ConditionRule: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case system, codes }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(system: try c.decodeIfPresent(String.self, forKey: .system) ?? FHIRMapping.snomed,
                  codes: try c.decode([String].self, forKey: .codes))
    }
}

extension FHIRMapping.ObservationRule: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case system, code, unit, convert, thresholds }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(system: try c.decodeIfPresent(String.self, forKey: .system) ?? FHIRMapping.loinc,
                  code: try c.decode(String.self, forKey: .code),
                  unit: try c.decodeIfPresent(String.self, forKey: .unit),
                  convert: try c.decodeIfPresent([String: Double].self, forKey: .convert) ?? [:],
                  thresholds: try c.decode([Double].self, forKey: .thresholds))
    }
}

extension FHIRMapping.Label: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case name, condition, observation, classes }

    public init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name),
                  condition: try c.decodeIfPresent(FHIRMapping.ConditionRule.self, forKey: .condition),
                  observation: try c.decodeIfPresent(FHIRMapping.ObservationRule.self, forKey: .observation),
                  classes: try c.decodeIfPresent([String].self, forKey: .classes))
    }
}

private struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// A keyed container that first rejects keys `Keys` does not list.
    func strictContainer<Keys: CodingKey & CaseIterable>(keyedBy type: Keys.Type) throws -> KeyedDecodingContainer<Keys> {
        let all = try container(keyedBy: AnyCodingKey.self)
        try rejectUnknown(all.allKeys.map(\.stringValue), Keys.self, codingPath: codingPath)
        return try container(keyedBy: Keys.self)
    }
}

extension KeyedDecodingContainer {
    /// A nested keyed container that first rejects keys `Keys` does not list.
    func nestedStrictContainer<Keys: CodingKey & CaseIterable>(keyedBy type: Keys.Type, forKey key: Key) throws -> KeyedDecodingContainer<Keys> {
        let all = try nestedContainer(keyedBy: AnyCodingKey.self, forKey: key)
        try rejectUnknown(all.allKeys.map(\.stringValue), Keys.self, codingPath: codingPath + [key])
        return try nestedContainer(keyedBy: Keys.self, forKey: key)
    }
}

private func rejectUnknown<Keys: CodingKey & CaseIterable>(_ keys: [String], _ type: Keys.Type, codingPath: [any CodingKey]) throws {
    let known = Set(Keys.allCases.map(\.stringValue))
    if let unknown = keys.sorted().first(where: { !known.contains($0) }) {
        throw DecodingError.dataCorrupted(DecodingError.Context(
            codingPath: codingPath,
            debugDescription: "unknown key \"\(unknown)\" (known: \(Keys.allCases.map(\.stringValue).joined(separator: ", ")))"))
    }
}
