import Foundation
import Testing
@testable import DataSets

struct FHIRBundleTests {
    @Test func referencesResolveThroughFullURLsRelativeAndAbsoluteURLs() throws {
        let bundle = try FHIRBundle(contentsOf: Fixtures.path("fhir_small_bundle.json"))
        #expect(bundle.issues.isEmpty)
        #expect(bundle.entryCount == 31)
        #expect(bundle.patients.map(\.id) == ["p1", "p2", "p3", "p4", "p5", "p6"])
        #expect(bundle.otherResources == ["Encounter": 1])
        // o14 is entered-in-error: left out without an issue.
        #expect(bundle.observations.count == 18 && bundle.observationsWithoutResult == 1)
        let subject = Dictionary(uniqueKeysWithValues: bundle.observations.map { ($0.id, $0.patient) })
        #expect(subject["o1"] == "p1")   // urn:uuid fullUrl
        #expect(subject["o2"] == "p1")   // Patient/p1
        #expect(subject["o16"] == "p6")  // http://example.org/fhir/Patient/p6/_history/2
        #expect(bundle.conditions.map(\.patient) == ["p1", "p2", "p3", "p4", "p5"])
        #expect(bundle.conditions[1].verificationStatus == "refuted" && bundle.conditions[2].clinicalStatus == "resolved")
    }

    @Test func effectiveTimesAreInstantsInUTC() throws {
        let bundle = try FHIRBundle(contentsOf: Fixtures.path("fhir_small_bundle.json"))
        let time = Dictionary(uniqueKeysWithValues: bundle.observations.map { ($0.id, $0.effectiveSeconds) })
        // `date -u -d '2024-01-01T09:00:00Z' +%s` = 1704099600 (10:00 at +01:00).
        #expect(time["o1"] == 1_704_099_600)
        #expect(time["o2"] == 1_672_531_200)   // 2023-01-01
        #expect(time["o7"] == 1_609_459_200)   // effectivePeriod.start 2021-01-01T00:00:00Z
        #expect(time["o6"] == .some(nil))
        let components = bundle.observations.first { $0.id == "o3" }!.components
        #expect(components.map { $0.quantity?.value } == [120, 80])
        #expect(components[1].path == "Bundle.entry[9].resource.component[1].valueQuantity")
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0), ("2000-03-01", 951_868_800), ("2000", 946_684_800), ("2000-02", 949_363_200),
        ("2024-02-29T23:59:59.5-05:00", 1_709_269_199.5), ("1969-12-31T23:00:00-01:00", 0),
    ])
    func dateTimesParseToPOSIXSeconds(text: String, seconds: Double) {
        #expect(FHIRDateTime(text)?.seconds == seconds)
    }

    @Test(arguments: ["yesterday", "2023-13-01", "2023-02-29", "2023-01-01T25:00:00Z", "2023-01-01T10:00", "2023-1-1", ""])
    func malformedDateTimesAreRejected(text: String) {
        #expect(FHIRDateTime(text) == nil)
    }

    @Test func malformedResourcesAreReportedWithTheirIdAndJSONPath() throws {
        let bundle = try FHIRBundle(contentsOf: Fixtures.path("fhir_malformed_bundle.json"))
        let found = bundle.issues.map { "\($0.kind.rawValue) \($0.resourceType ?? "-")/\($0.id ?? "-") \($0.path)" }
        #expect(found == [
            "malformed Patient/bad id! Bundle.entry[1].resource.id",
            "malformed Observation/m1 Bundle.entry[2].resource.valueQuantity.value",
            "brokenReference Observation/m2 Bundle.entry[3].resource.subject.reference",
            "malformed Observation/m3 Bundle.entry[4].resource.status",
            "brokenReference Condition/k1 Bundle.entry[7].resource.subject.reference",
            "malformed -/- Bundle.entry[8]",
            "duplicate Observation/m4 Bundle.entry[9].resource.id",
            "malformed Observation/m7 Bundle.entry[11].resource.effectiveDateTime",
        ])
        #expect(bundle.issues[1].description
            == "Observation/m1 at Bundle.entry[2].resource.valueQuantity.value: \"high\" is not a number")
        #expect(bundle.issues[2].message == "'Patient/nobody' names no Patient in the bundle")
        // What is left: the valid ones (m5 with its odd unit and m6 with a valueString are
        // only wrong for a mapping that uses them; see FHIRDatasetTests).
        #expect(bundle.patients.map(\.id) == ["q1", "q2"])
        #expect(bundle.observations.map(\.id) == ["m4", "m5", "m6", "m8", "m9"])
        #expect(bundle.conditions.map(\.id) == ["k2"])
    }

    @Test func aReferenceToAnotherResourceTypeIsBroken() throws {
        let json = """
            {"resourceType": "Bundle", "entry": [
              {"fullUrl": "urn:uuid:a", "resource": {"resourceType": "Patient"}},
              {"fullUrl": "urn:uuid:b", "resource": {"resourceType": "Observation", "id": "x", "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}, "subject": {"reference": "urn:uuid:c"}}},
              {"fullUrl": "urn:uuid:c", "resource": {"resourceType": "Condition", "id": "y",
                "code": {"coding": [{"code": "1"}]}, "subject": {"reference": "urn:uuid:a"}}}
            ]}
            """
        let bundle = try FHIRBundle(bytes: Array(json.utf8), file: "inline.json")
        // A Patient without id is known by its fullUrl.
        #expect(bundle.patients.map(\.id) == ["urn:uuid:a"])
        #expect(bundle.conditions.map(\.patient) == ["urn:uuid:a"])
        #expect(bundle.issues.map(\.description) == [
            "Observation/x at Bundle.entry[1].resource.subject.reference: 'urn:uuid:c' names a Condition, not a Patient",
        ])
    }

    @Test(arguments: [
        ("[1, 2]", "inline.json: not a FHIR Bundle: the top level is an array, not an object"),
        (#"{"resourceType": "Patient", "id": "p"}"#, #"inline.json: not a FHIR Bundle: resourceType is "Patient", not "Bundle""#),
        (#"{"resourceType": "Bundle", "entry": {}}"#, "inline.json: Bundle.entry is an object, not an array"),
    ])
    func filesThatAreNotBundlesAreErrors(json: String, message: String) {
        #expect(throws: DataSetError(.malformedFHIR, file: "inline.json", String(message.dropFirst(13)))) {
            try FHIRBundle(bytes: Array(json.utf8), file: "inline.json")
        }
    }

    @Test func brokenJSONIsAnErrorNamingTheFile() {
        do {
            _ = try FHIRBundle(bytes: Array(#"{"resourceType": "Bundle", "entry": ["#.utf8), file: "cut.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .malformedFHIR)
            #expect(error.description.hasPrefix("cut.json: not valid JSON"))
        }
    }
}
