/// A FHIR bundle laid out as a table by a `FHIRMapping`: one row per Patient (in bundle
/// order), one column per mapped code, plus the label. Missing values stay `nil` here; what
/// happens to them is `FHIRDataset`'s policy.
///
/// An Observation that matches a mapped code but cannot give it a value — a value that is not
/// a `valueQuantity`, or a unit the mapping neither expects nor converts — is reported as an
/// issue and left out as a whole, like a malformed resource.
public struct FHIRTable: Sendable, Equatable {
    /// The mapping's column names.
    public var columns: [String]
    /// The Patients' ids, one per row.
    public var patients: [String]
    /// Column values per row; nil where the patient has no usable observation.
    public var rows: [[Double?]]
    /// The class of each row; nil when the label observation is missing.
    public var labels: [Int?]
    /// Observations left out because they could not fill the column they match.
    public var issues: [FHIRIssue]
    /// Observations that gave a value to at least one cell or label (before the latest-wins rule).
    public var matchedObservations: Int

    /// Condition clinical statuses that do not count as having the condition.
    static let inactiveClinicalStatuses: Set<String> = ["inactive", "resolved", "remission"]
    /// Condition verification statuses that do not count as having the condition.
    static let discountedVerificationStatuses: Set<String> = ["refuted", "entered-in-error"]

    public init(bundle: FHIRBundle, mapping: FHIRMapping) {
        columns = mapping.columns.map(\.name)
        patients = bundle.patients.map(\.id)
        issues = []
        matchedObservations = 0
        let row = Dictionary(uniqueKeysWithValues: patients.enumerated().map { ($1, $0) })

        // Slots 0..<columns.count are the columns; slot columns.count is an observation label.
        struct Target { var slot: Int; var name: String; var unit: String?; var convert: [String: Double] }
        var targets: [String: [Target]] = [:]
        for (i, column) in mapping.columns.enumerated() {
            targets[column.system + "|" + column.code, default: []].append(
                Target(slot: i, name: "column '\(column.name)'", unit: column.unit, convert: column.convert))
        }
        let labelSlot = columns.count
        if let rule = mapping.label.observation {
            targets[rule.system + "|" + rule.code, default: []].append(
                Target(slot: labelSlot, name: "label '\(mapping.label.name)'", unit: rule.unit, convert: rule.convert))
        }

        // The latest value of each (row, slot): ordered by effective time, undated first, then entry.
        struct Candidate { var time: Double; var entry: Int; var value: Double }
        var latest = [[Candidate?]](repeating: [Candidate?](repeating: nil, count: labelSlot + 1), count: patients.count)
        for observation in bundle.observations {
            guard let r = row[observation.patient] else { continue }
            var found: [(slot: Int, value: Double)] = []
            var problem: FHIRIssue?
            func fail(_ kind: FHIRIssue.Kind, _ path: String, _ message: String) {
                if problem == nil {
                    problem = FHIRIssue(kind, resourceType: "Observation", id: observation.id, path: path, message)
                }
            }
            for measurement in [observation.measurement] + observation.components {
                var matched = Set<Int>()
                for coding in measurement.codes {
                    for target in targets[(coding.system ?? "") + "|" + coding.code] ?? [] where matched.insert(target.slot).inserted {
                        guard let quantity = measurement.quantity else {
                            if let other = measurement.otherValue {
                                fail(.malformed, measurement.path, "code \(coding.code) fills \(target.name), which needs a valueQuantity, not \(other)")
                            }
                            continue  // no value recorded (e.g. dataAbsentReason): a missing cell
                        }
                        guard let expected = target.unit else { found.append((target.slot, quantity.value)); continue }
                        if quantity.unit == expected {
                            found.append((target.slot, quantity.value))
                        } else if let unit = quantity.unit, let factor = target.convert[unit] {
                            found.append((target.slot, quantity.value * factor))
                        } else {
                            fail(.unitMismatch, measurement.path + ".code",
                                 quantity.unit.map { "unit '\($0)' is not '\(expected)', which \(target.name) expects; add \"convert\": {\"\($0)\": factor} to the mapping to accept it" }
                                    ?? "the quantity has no unit; \(target.name) expects '\(expected)'")
                        }
                    }
                }
            }
            if let problem {
                issues.append(problem)
                continue
            }
            guard !found.isEmpty else { continue }
            matchedObservations += 1
            let time = observation.effectiveSeconds ?? -.infinity
            for (slot, value) in found {
                if let current = latest[r][slot], (current.time, current.entry) > (time, observation.entry) { continue }
                latest[r][slot] = Candidate(time: time, entry: observation.entry, value: value)
            }
        }
        rows = latest.map { slots in slots[..<labelSlot].map { $0?.value } }

        if let rule = mapping.label.observation {
            labels = latest.map { slots in
                slots[labelSlot].map { candidate in rule.thresholds.filter { $0 <= candidate.value }.count }
            }
        } else {
            let rule = mapping.label.condition!
            let codes = Set(rule.codes)
            var positive = Set<String>()
            for condition in bundle.conditions
            where condition.codes.contains(where: { $0.system == rule.system && codes.contains($0.code) })
                && !Self.inactiveClinicalStatuses.contains(condition.clinicalStatus ?? "")
                && !Self.discountedVerificationStatuses.contains(condition.verificationStatus ?? "") {
                positive.insert(condition.patient)
            }
            labels = patients.map { positive.contains($0) ? 1 : 0 }
        }
    }
}
