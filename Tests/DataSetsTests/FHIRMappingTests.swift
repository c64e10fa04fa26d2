import Foundation
import Testing
@testable import DataSets

struct FHIRMappingTests {
    @Test func theExampleMappingReadsWithItsDefaults() throws {
        let mapping = try FHIRMapping.load(contentsOf: Fixtures.path("fhir_small_mapping.json"))
        #expect(mapping.columns.map(\.name) == ["heart_rate", "systolic_bp", "diastolic_bp", "glucose"])
        #expect(mapping.columns.allSatisfy { $0.system == FHIRMapping.loinc })
        #expect(mapping.columns[3].convert == ["mmol/L": 18])
        #expect(mapping.label.condition == FHIRMapping.ConditionRule(system: FHIRMapping.snomed, codes: ["44054006"]))
        #expect(mapping.label.classes == ["no", "yes"])
        #expect(mapping.maxMissingPerRow == 1)
    }

    @Test func missingOptionsTakeTheirDocumentedDefaults() throws {
        let json = #"{"columns": [{"name": "a", "code": "1"}, {"name": "b", "code": "2"}, {"name": "c", "code": "3"}], "label": {"name": "y", "observation": {"code": "4", "thresholds": [1, 2]}}}"#
        let mapping = try FHIRMapping(bytes: Array(json.utf8), file: "m.json")
        #expect(mapping.maxMissingPerRow == 1)   // half of 3 columns, rounded down
        #expect(mapping.label.classes == ["0", "1", "2"])
        #expect(mapping.columns[0].unit == nil && mapping.columns[0].convert.isEmpty)
    }

    @Test(arguments: [
        (#"{"columns": [{"name": "a", "code": "1", "units": "kg"}], "label": {"name": "y", "condition": {"codes": ["9"]}}}"#,
         #"columns[0]: unknown key "units" (known: name, system, code, unit, convert)"#),
        (#"{"columns": [], "label": {"name": "y", "condition": {"codes": ["9"]}}}"#,
         "columns: list at least one column"),
        (#"{"columns": [{"name": "a", "code": 1}], "label": {"name": "y", "condition": {"codes": ["9"]}}}"#,
         "columns[0].code: expected a string"),
        (#"{"columns": [{"name": "a b", "code": "1"}], "label": {"name": "y", "condition": {"codes": ["9"]}}}"#,
         #"columns[0].name: "a b" must be 1–64 of A–Z a–z 0–9 _ . -"#),
        (#"{"columns": [{"name": "a", "code": "1"}, {"name": "a", "code": "2"}], "label": {"name": "y", "condition": {"codes": ["9"]}}}"#,
         #"columns[1].name: "a" is used twice (or is the label or 'split')"#),
        (#"{"columns": [{"name": "a", "code": "1"}], "label": {"name": "y"}}"#,
         #"label: give exactly one of "condition" and "observation""#),
        (#"{"columns": [{"name": "a", "code": "1"}], "label": {"name": "y", "observation": {"code": "1", "thresholds": [5]}}}"#,
         "label.observation: code 1 is also column 'a'; a feature must not give away the label"),
        (#"{"columns": [{"name": "a", "code": "1"}], "label": {"name": "y", "observation": {"code": "2", "thresholds": [5, 3]}}}"#,
         "label.observation.thresholds: list finite numbers in increasing order"),
        (#"{"columns": [{"name": "a", "code": "1"}], "label": {"name": "y", "condition": {"codes": ["9"]}, "classes": ["x"]}}"#,
         "label.classes: a condition label has 2 classes (without, with)"),
        (#"{"columns": [{"name": "a", "code": "1", "convert": {"g": 2}}], "label": {"name": "y", "condition": {"codes": ["9"]}}}"#,
         #"columns[0].convert: needs a "unit" to convert to"#),
        (#"{"columns": [{"name": "a", "code": "1", "unit": "kg", "convert": {"g": 0}}], "label": {"name": "y", "condition": {"codes": ["9"]}}}"#,
         "columns[0].convert.g: factors must be finite and > 0, from a unit other than kg"),
        (#"{"columns": [{"name": "a", "code": "1"}], "label": {"name": "y", "condition": {"codes": ["9"]}}, "missing": {"maxMissingPerRow": 1}}"#,
         "missing.maxMissingPerRow: must be 0…0 (a row needs at least one measured column)"),
        (#"{"columns": [{"name": "a", "code": "1"}], "label": {"name": "y", "condition": {"codes": ["9"]}}, "missing": {"max": 0}}"#,
         #"missing: unknown key "max" (known: maxMissingPerRow)"#),
    ])
    func badMappingsAreErrorsNamingTheField(json: String, message: String) {
        #expect(throws: DataSetError(.invalidMapping, file: "m.json", message)) {
            try FHIRMapping(bytes: Array(json.utf8), file: "m.json")
        }
    }
}
