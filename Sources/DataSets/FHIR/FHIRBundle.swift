import Foundation

/// The `Patient`, `Observation` and `Condition` resources of a FHIR R4 `Bundle` (JSON), checked
/// and with every `subject.reference` resolved to a Patient of the bundle.
///
/// Only what the table needs is read and checked: ids, `Observation.status`, `code.coding`,
/// `subject.reference`, `effective[x]`, `valueQuantity` (also in `component`), and the
/// `clinicalStatus`/`verificationStatus` of Conditions. A resource that breaks one of these
/// rules is left out and reported as a `FHIRIssue` with its `id` and the JSON path of the
/// offending value; so is a resource whose subject names no Patient in the bundle (a broken
/// reference). Other resource types (Encounter, Practitioner, …) are counted and ignored.
///
/// References are resolved as FHIR's bundle rules describe: first against the entries'
/// `fullUrl` (`urn:uuid:…` in transaction bundles), then as `Patient/<id>` (relative or at the
/// end of an absolute URL, with any `/_history/<n>` removed).
///
/// ```swift
/// let bundle = try FHIRBundle(contentsOf: "Data/fhir-example-bundle.json")
/// bundle.patients.count   // 200
/// bundle.issues           // [] for a clean bundle
/// ```
public struct FHIRBundle: Sendable {
    /// One `Coding` of a `CodeableConcept`.
    public struct Coding: Sendable, Equatable {
        public var system: String?
        public var code: String
    }

    /// A `Quantity` with a numeric value.
    public struct Quantity: Sendable, Equatable {
        public var value: Double
        /// The UCUM `code` when present, else the human-readable `unit`.
        public var unit: String?
    }

    /// What an Observation (or one of its components) measured and the value it found.
    public struct Measurement: Sendable, Equatable {
        public var codes: [Coding]
        /// `valueQuantity`, when it has a `value`.
        public var quantity: Quantity?
        /// The name of another `value[x]` element (`valueString`, …) when that is what it has.
        public var otherValue: String?
        /// The JSON path of the value (`….valueQuantity` or `….component[1].valueQuantity`).
        public var path: String
    }

    public struct Patient: Sendable, Equatable {
        /// The `id`, or the entry's `fullUrl` when the resource has no id.
        public var id: String
        /// The index in `Bundle.entry`.
        public var entry: Int
    }

    public struct Observation: Sendable, Equatable {
        public var id: String
        public var entry: Int
        public var status: String
        /// The id of the Patient its subject names.
        public var patient: String
        /// `effectiveDateTime`, `effectiveInstant` or `effectivePeriod.start` (else `.end`) in
        /// seconds since 1970 UTC; nil when it has none.
        public var effectiveSeconds: Double?
        public var measurement: Measurement
        public var components: [Measurement]
    }

    public struct Condition: Sendable, Equatable {
        public var id: String
        public var entry: Int
        public var codes: [Coding]
        public var patient: String
        /// The first code of `clinicalStatus` (`active`, `resolved`, …), if any.
        public var clinicalStatus: String?
        /// The first code of `verificationStatus` (`confirmed`, `refuted`, …), if any.
        public var verificationStatus: String?
    }

    /// Observation statuses whose value is a result (FHIR R4 `observation-status`).
    public static let resultStatuses: Set<String> = ["preliminary", "final", "amended", "corrected"]
    /// Observation statuses that carry no usable result; such observations are ignored.
    public static let noResultStatuses: Set<String> = ["registered", "cancelled", "entered-in-error", "unknown"]

    /// The file name used in error messages.
    public let file: String?
    /// The number of entries in `Bundle.entry`.
    public private(set) var entryCount = 0
    /// Patients in bundle order.
    public private(set) var patients: [Patient] = []
    /// Observations with a result status, in bundle order.
    public private(set) var observations: [Observation] = []
    public private(set) var conditions: [Condition] = []
    /// Resources of other types, counted by type.
    public private(set) var otherResources: [String: Int] = [:]
    /// Observations left out because their status carries no result (`entered-in-error`, …).
    public private(set) var observationsWithoutResult = 0
    /// The problems found, in bundle order; each names one left-out resource.
    public private(set) var issues: [FHIRIssue] = []

    /// Reads the bundle in the file at `path`.
    public init(contentsOf path: String) throws(DataSetError) {
        try self.init(bytes: readWholeFile(path), file: path)
    }

    /// Reads a bundle held in memory; `file` labels errors.
    ///
    /// - Throws: `DataSetError` (`.malformedFHIR`) only when the bytes are not JSON or not a
    ///   Bundle; problems inside resources become `issues`.
    public init(bytes: [UInt8], file: String?) throws(DataSetError) {
        self.file = file
        let root: JSONNode
        do { root = try JSONNode(parsing: bytes) } catch {
            throw DataSetError(.malformedFHIR, file: file, "not valid JSON (\(Self.describe(error)))")
        }
        guard case .object = root else {
            throw DataSetError(.malformedFHIR, file: file, "not a FHIR Bundle: the top level is \(root.brief), not an object")
        }
        guard root["resourceType"]?.string == "Bundle" else {
            throw DataSetError(.malformedFHIR, file: file,
                               "not a FHIR Bundle: resourceType is \(root["resourceType"]?.brief ?? "missing"), not \"Bundle\"")
        }
        let entries: [JSONNode]
        switch root["entry"] {
        case nil, .null?: entries = []
        case .array(let items)?: entries = items
        case let other?: throw DataSetError(.malformedFHIR, file: file, "Bundle.entry is \(other.brief), not an array")
        }
        entryCount = entries.count
        read(entries)
    }

    // MARK: Reading

    private struct Entry {
        var index: Int
        var resource: JSONNode
        var type: String
        var id: String
        var path: String
    }

    private mutating func read(_ entries: [JSONNode]) {
        // Pass 1: sort entries by type, read Patients and index fullUrls.
        var patientIDs = Set<String>()
        var fullURLs: [String: (type: String, id: String)] = [:]
        var pending: [Entry] = []
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            let entryPath = "Bundle.entry[\(index)]"
            guard case .object = entry else {
                issues.append(FHIRIssue(.malformed, resourceType: nil, id: nil, path: entryPath, "the entry is \(entry.brief), not an object"))
                continue
            }
            let fullURL = entry["fullUrl"]?.string
            guard let resource = entry["resource"], case .object = resource else {
                issues.append(FHIRIssue(.malformed, resourceType: nil, id: fullURL, path: entryPath + ".resource",
                                        "the entry has no resource object"))
                continue
            }
            let path = entryPath + ".resource"
            guard let type = resource["resourceType"]?.string else {
                issues.append(FHIRIssue(.malformed, resourceType: nil, id: resource["id"]?.string ?? fullURL, path: path + ".resourceType",
                                        "resourceType is \(resource["resourceType"]?.brief ?? "missing"); every resource needs one"))
                continue
            }
            guard ["Patient", "Observation", "Condition"].contains(type) else {
                otherResources[type, default: 0] += 1
                continue
            }
            let id: String
            switch resource["id"] {
            case .string(let text)?:
                guard Self.isValidID(text) else {
                    issues.append(FHIRIssue(.malformed, resourceType: type, id: text, path: path + ".id",
                                            "\"\(text)\" is not a FHIR id (1–64 of A–Z a–z 0–9 - .)"))
                    continue
                }
                id = text
            case nil:
                guard let fullURL else {
                    issues.append(FHIRIssue(.malformed, resourceType: type, id: nil, path: path + ".id",
                                            "the resource has no id and its entry no fullUrl, so nothing can refer to it"))
                    continue
                }
                id = fullURL
            case let other?:
                issues.append(FHIRIssue(.malformed, resourceType: type, id: nil, path: path + ".id", "id is \(other.brief), not a string"))
                continue
            }
            guard seen.insert("\(type)/\(id)").inserted else {
                issues.append(FHIRIssue(.duplicate, resourceType: type, id: id, path: path + ".id",
                                        "a second \(type) with this id; only the first is used"))
                continue
            }
            if type == "Patient" {
                patientIDs.insert(id)
                patients.append(Patient(id: id, entry: index))
            } else {
                pending.append(Entry(index: index, resource: resource, type: type, id: id, path: path))
            }
            if let fullURL { fullURLs[fullURL] = (type, id) }
        }

        // Pass 2: Observations and Conditions, whose subjects must name those Patients.
        func patient(of entry: Entry) throws(FHIRIssue) -> String {
            let path = entry.path + ".subject.reference"
            guard let reference = entry.resource["subject"]?["reference"]?.string else {
                throw FHIRIssue(.malformed, resourceType: entry.type, id: entry.id, path: path,
                                "there is no subject.reference; every \(entry.type) must name its Patient")
            }
            if let target = fullURLs[reference] {
                guard target.type == "Patient" else {
                    throw FHIRIssue(.brokenReference, resourceType: entry.type, id: entry.id, path: path,
                                    "'\(reference)' names a \(target.type), not a Patient")
                }
                return target.id
            }
            var parts = reference.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if parts.count >= 4, parts[parts.count - 2] == "_history" { parts.removeLast(2) }
            if parts.count >= 2, parts[parts.count - 2] == "Patient", patientIDs.contains(parts[parts.count - 1]) {
                return parts[parts.count - 1]
            }
            throw FHIRIssue(.brokenReference, resourceType: entry.type, id: entry.id, path: path,
                            "'\(reference)' names no Patient in the bundle")
        }
        for entry in pending {
            do throws(FHIRIssue) {
                if entry.type == "Observation" {
                    guard let status = entry.resource["status"]?.string else {
                        throw FHIRIssue(.malformed, resourceType: entry.type, id: entry.id, path: entry.path + ".status",
                                        "status is \(entry.resource["status"]?.brief ?? "missing"); an Observation needs one")
                    }
                    if Self.noResultStatuses.contains(status) {
                        observationsWithoutResult += 1
                        continue
                    }
                    guard Self.resultStatuses.contains(status) else {
                        throw FHIRIssue(.malformed, resourceType: entry.type, id: entry.id, path: entry.path + ".status",
                                        "\"\(status)\" is not an Observation status")
                    }
                    observations.append(try observation(entry, status: status, patient: patient(of: entry)))
                } else {
                    conditions.append(try condition(entry, patient: patient(of: entry)))
                }
            } catch {
                issues.append(error)
            }
        }
        issues.sort { ($0.entryIndex ?? -1) < ($1.entryIndex ?? -1) }
    }

    private func observation(_ entry: Entry, status: String, patient: String) throws(FHIRIssue) -> Observation {
        let resource = entry.resource
        func fail(_ path: String, _ message: String) -> FHIRIssue {
            FHIRIssue(.malformed, resourceType: entry.type, id: entry.id, path: path, message)
        }
        var effective: Double?
        for key in ["effectiveDateTime", "effectiveInstant"] where resource[key] != nil {
            guard let text = resource[key]?.string, let time = FHIRDateTime(text) else {
                throw fail(entry.path + "." + key, "\(resource[key]!.brief) is not a FHIR dateTime (YYYY-MM-DDThh:mm:ss+zz:zz)")
            }
            effective = time.seconds
        }
        if effective == nil, let period = resource["effectivePeriod"] {
            for key in ["start", "end"] where period[key] != nil {
                guard let text = period[key]?.string, let time = FHIRDateTime(text) else {
                    throw fail(entry.path + ".effectivePeriod." + key, "\(period[key]!.brief) is not a FHIR dateTime")
                }
                if effective == nil { effective = time.seconds }
            }
        }
        guard let code = resource["code"] else { throw fail(entry.path + ".code", "there is no code; an Observation needs one") }
        let measurement = try self.measurement(resource, codes: code, path: entry.path, fail)
        var components: [Measurement] = []
        if let list = resource["component"] {
            guard let items = list.array else { throw fail(entry.path + ".component", "component is \(list.brief), not an array") }
            for (k, item) in items.enumerated() {
                let path = entry.path + ".component[\(k)]"
                guard case .object = item else { throw fail(path, "the component is \(item.brief), not an object") }
                guard let code = item["code"] else { throw fail(path + ".code", "the component has no code") }
                components.append(try self.measurement(item, codes: code, path: path, fail))
            }
        }
        return Observation(id: entry.id, entry: entry.index, status: status, patient: patient, effectiveSeconds: effective,
                           measurement: measurement, components: components)
    }

    private func measurement(_ element: JSONNode, codes: JSONNode, path: String,
                             _ fail: (String, String) -> FHIRIssue) throws(FHIRIssue) -> Measurement {
        let codings = try self.codings(codes, path: path + ".code", fail)
        var quantity: Quantity?
        var otherValue: String?
        var valuePath = path + ".valueQuantity"
        if let node = element["valueQuantity"] {
            guard case .object = node else { throw fail(valuePath, "valueQuantity is \(node.brief), not an object") }
            switch node["value"] {
            case nil, .null?:
                break  // a Quantity without a value: treated as a missing value
            case .number(let value)?:
                guard value.isFinite else { throw fail(valuePath + ".value", "the value is not finite") }
                var unit: String?
                for key in ["code", "unit"] where unit == nil {
                    if let field = node[key] {
                        guard let text = field.string else { throw fail(valuePath + "." + key, "\(key) is \(field.brief), not a string") }
                        unit = text
                    }
                }
                quantity = Quantity(value: value, unit: unit)
            case let other?:
                throw fail(valuePath + ".value", "\(other.brief) is not a number")
            }
        } else if case .object(let members) = element,
                  let key = members.keys.sorted().first(where: { $0.hasPrefix("value") && $0.count > 5 }) {
            otherValue = key
            valuePath = path + "." + key
        }
        return Measurement(codes: codings, quantity: quantity, otherValue: otherValue, path: valuePath)
    }

    private func codings(_ concept: JSONNode, path: String, _ fail: (String, String) -> FHIRIssue) throws(FHIRIssue) -> [Coding] {
        guard case .object = concept else { throw fail(path, "the code is \(concept.brief), not a CodeableConcept object") }
        guard let list = concept["coding"] else { return [] }
        guard let items = list.array else { throw fail(path + ".coding", "coding is \(list.brief), not an array") }
        var result: [Coding] = []
        for (k, item) in items.enumerated() {
            let itemPath = path + ".coding[\(k)]"
            guard case .object = item else { throw fail(itemPath, "the coding is \(item.brief), not an object") }
            var system: String?
            if let field = item["system"] {
                guard let text = field.string else { throw fail(itemPath + ".system", "system is \(field.brief), not a string") }
                system = text
            }
            switch item["code"] {
            case nil: continue
            case .string(let code)?: result.append(Coding(system: system, code: code))
            case let other?: throw fail(itemPath + ".code", "code is \(other.brief), not a string")
            }
        }
        return result
    }

    private func condition(_ entry: Entry, patient: String) throws(FHIRIssue) -> Condition {
        func fail(_ path: String, _ message: String) -> FHIRIssue {
            FHIRIssue(.malformed, resourceType: entry.type, id: entry.id, path: path, message)
        }
        guard let code = entry.resource["code"] else { throw fail(entry.path + ".code", "there is no code; a Condition needs one") }
        let codes = try codings(code, path: entry.path + ".code", fail)
        guard !codes.isEmpty else { throw fail(entry.path + ".code.coding", "the code has no coding with a code") }
        func status(_ key: String) throws(FHIRIssue) -> String? {
            guard let concept = entry.resource[key] else { return nil }
            return try codings(concept, path: entry.path + "." + key, fail).first?.code
        }
        return Condition(id: entry.id, entry: entry.index, codes: codes, patient: patient,
                         clinicalStatus: try status("clinicalStatus"), verificationStatus: try status("verificationStatus"))
    }

    /// FHIR's `id` type: 1–64 characters of `A–Z a–z 0–9 - .`.
    static func isValidID(_ text: String) -> Bool {
        let bytes = text.utf8
        return !bytes.isEmpty && bytes.count <= 64 && bytes.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46
        }
    }

    /// A JSON parse error in one phrase.
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
}
