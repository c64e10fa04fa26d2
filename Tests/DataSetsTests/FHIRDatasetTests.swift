import Foundation
import Testing
@testable import DataSets

struct FHIRDatasetTests {
    static let allTrain = (test: 0.0, validation: 0.0)

    func smallMapping() throws -> FHIRMapping {
        try FHIRMapping.load(contentsOf: Fixtures.path("fhir_small_mapping.json"))
    }

    @Test func theMappingTakesTheLatestValueComponentsAndConvertedUnits() throws {
        let bundle = try FHIRBundle(contentsOf: Fixtures.path("fhir_small_bundle.json"))
        let table = FHIRTable(bundle: bundle, mapping: try smallMapping())
        #expect(table.issues.isEmpty)
        #expect(table.patients == ["p1", "p2", "p3", "p4", "p5", "p6"])
        // By hand from the fixture:
        // p1: HR 80 (2024) beats 70 (2023); BP from the panel's components; glucose 100 mg/dL.
        // p2: HR 65 (dated 2020) beats 60 (undated, so oldest); glucose 5.5 mmol/L × 18 = 99.
        // p3: HR only. p5: no glucose; its entered-in-error HR 300 is ignored.
        // p6: subject given as an absolute URL with a version.
        #expect(table.rows == [
            [80, 120, 80, 100],
            [65, 140, 90, 99],
            [90, nil, nil, nil],
            [75, 130, 85, 150],
            [72, 110, 70, nil],
            [66, 125, 82, 90],
        ])
        // Diabetes: p1 active, p2 refuted, p3 resolved, p4 no status (counts), p5 another code.
        #expect(table.labels == [1, 0, 0, 1, 0, 0])
        #expect(table.matchedObservations == 17)   // every result observation but body weight o19
    }

    @Test func rowsMissingTooMuchAreDroppedAndGapsTakeTheTrainMedian() throws {
        let options = FHIRDataset.Options(mapping: try smallMapping(), testFraction: 0, validationFraction: 0, standardizes: false)
        let result = try FHIRDataset.load(contentsOf: Fixtures.path("fhir_small_bundle.json"), options: options)
        // p3 misses 3 of 4 columns (> 1) and is dropped; p5 misses glucose, which becomes the
        // median of 100, 99, 150, 90 = (99 + 100) / 2.
        #expect(result.report.droppedRows == 1 && result.report.unlabelledRows == 0)
        #expect(result.imputer == MedianImputer(medians: [72, 125, 82, 99.5]))
        #expect(result.report.imputedCells == [0, 0, 0, 1])
        #expect(result.splits.train.features.storage == [80, 120, 80, 100, 65, 140, 90, 99, 75, 130, 85, 150,
                                                         72, 110, 70, 99.5, 66, 125, 82, 90])
        #expect(result.splits.train.labels == [1, 0, 1, 0, 0])
        #expect(result.splits.classNames == ["no", "yes"] && result.splits.featureNames == ["heart_rate", "systolic_bp", "diastolic_bp", "glucose"])
        #expect(result.splitPatients["train"] == ["p1", "p2", "p4", "p5", "p6"])
        #expect(result.report.otherResources == ["Encounter": 1] && result.report.observationsWithoutResult == 1)
    }

    @Test func theMedianComesFromTrainRowsOnly() throws {
        // 40 patients; glucose = 100 + i, and far larger for every fifth patient, so that the
        // median of all rows and of the train rows differ; every seventh has no glucose.
        var entries: [String] = []
        for i in 0..<40 {
            entries.append(#"{"resource": {"resourceType": "Patient", "id": "s\#(i)"}}"#)
            entries.append(Self.observation("h\(i)", patient: "s\(i)", code: "8867-4", value: Double(60 + i), unit: "/min"))
            if i % 7 != 3 {
                let glucose = i % 5 == 0 ? 1000.0 + Double(i) : 100.0 + Double(i)
                entries.append(Self.observation("g\(i)", patient: "s\(i)", code: "2339-0", value: glucose, unit: "mg/dL"))
            }
            if i % 2 == 0 {
                entries.append(#"{"resource": {"resourceType": "Condition", "id": "c\#(i)", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}, "subject": {"reference": "Patient/s\#(i)"}}}"#)
            }
        }
        let bundle = try FHIRBundle(bytes: Array(#"{"resourceType": "Bundle", "entry": [\#(entries.joined(separator: ","))]}"#.utf8),
                                    file: "generated.json")
        let mapping = FHIRMapping(columns: [.init(name: "heart_rate", code: "8867-4", unit: "/min"),
                                            .init(name: "glucose", code: "2339-0", unit: "mg/dL")],
                                  label: .init(name: "diabetes", condition: .init(codes: ["44054006"])), maxMissingPerRow: 1)
        let result = try FHIRDataset.load(bundle, options: .init(mapping: mapping, testFraction: 0.3, validationFraction: 0.2,
                                                                 standardizes: false, seed: 7))
        let table = FHIRTable(bundle: bundle, mapping: mapping)
        let glucose = Dictionary(uniqueKeysWithValues: zip(table.patients, table.rows.map { $0[1] }))
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let train = result.splitPatients["train"]!
        let trainMedian = median(train.compactMap { glucose[$0]! })
        let allMedian = median(table.patients.compactMap { glucose[$0]! })
        #expect(trainMedian != allMedian)
        #expect(result.imputer.medians[1] == trainMedian)
        // Every gap in every split holds the train median; every other cell its own value.
        var checked = 0
        for (name, data) in [("train", result.splits.train), ("validation", result.splits.validation!), ("test", result.splits.test!)] {
            for (row, patient) in result.splitPatients[name]!.enumerated() {
                #expect(Double(data.features.storage[row * 2 + 1]) == glucose[patient]! ?? trainMedian)
                if glucose[patient]! == nil { checked += 1 }
            }
        }
        #expect(checked == 6 && result.report.imputedCells == [0, 6])   // i = 3, 10, 17, 24, 31, 38
        #expect(result.splitPatients.values.map(\.count).reduce(0, +) == 40)
    }

    @Test func anObservationLabelIsBinnedByThresholdsAndUnlabelledRowsAreDropped() throws {
        let mapping = FHIRMapping(columns: [.init(name: "heart_rate", code: "8867-4")],
                                  label: .init(name: "glucose_band", observation: .init(code: "2339-0", unit: "mg/dL",
                                                                                        convert: ["mmol/L": 18], thresholds: [99, 126]),
                                               classes: ["normal", "raised", "high"]),
                                  maxMissingPerRow: 0)
        let result = try FHIRDataset.load(contentsOf: Fixtures.path("fhir_small_bundle.json"),
                                          options: .init(mapping: mapping, testFraction: 0, validationFraction: 0, standardizes: false))
        // Glucose p1 100 → raised (99 ≤ 100), p2 99 → raised, p4 150 → high, p6 90 → normal;
        // p3 and p5 have none, so no label.
        #expect(result.report.unlabelledRows == 2)
        #expect(result.splitPatients["train"] == ["p1", "p2", "p4", "p6"])
        #expect(result.splits.train.labels == [1, 1, 2, 0])
        #expect(result.splits.train.features.storage == [80, 65, 75, 66])
    }

    @Test func lenientImportSkipsProblemResourcesAndCountsThem() throws {
        let result = try FHIRDataset.load(contentsOf: Fixtures.path("fhir_malformed_bundle.json"),
                                          options: .init(mapping: Self.malformedMapping, testFraction: 0, validationFraction: 0,
                                                         standardizes: false))
        // The bundle's 8 issues plus two the mapping finds: m5's unit g/L (glucose wants
        // mg/dL) and m6's valueString for heart rate.
        #expect(result.report.issues.count == 10 && result.report.skippedResources == 10)
        let mappingIssues = result.report.issues.filter { $0.entryIndex == 6 || $0.entryIndex == 10 }
        #expect(mappingIssues.map(\.description) == [
            "Observation/m5 at Bundle.entry[6].resource.valueQuantity.code: unit 'g/L' is not 'mg/dL', which column 'glucose' expects; add \"convert\": {\"g/L\": factor} to the mapping to accept it",
            "Observation/m6 at Bundle.entry[10].resource.valueString: code 8867-4 fills column 'heart_rate', which needs a valueQuantity, not valueString",
        ])
        #expect(mappingIssues.map(\.kind) == [.unitMismatch, .malformed])
        // q1 keeps m4 (70), the first of the two m4s; its glucose gap takes q2's 100.
        #expect(result.splits.train.features.storage == [70, 100, 75, 100])
        #expect(result.splits.train.labels == [0, 1])
    }

    @Test func strictImportRejectsTheWholeBundleNamingTheProblems() {
        do {
            _ = try FHIRDataset.load(contentsOf: Fixtures.path("fhir_malformed_bundle.json"),
                                     options: .init(mapping: Self.malformedMapping, strict: true))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .malformedFHIR)
            #expect(error.description == Fixtures.path("fhir_malformed_bundle.json")
                + ": 10 problems in the bundle, so --strict rejects it (without --strict the resources are skipped): "
                + "Patient/bad id! at Bundle.entry[1].resource.id: \"bad id!\" is not a FHIR id (1–64 of A–Z a–z 0–9 - .); "
                + "Observation/m1 at Bundle.entry[2].resource.valueQuantity.value: \"high\" is not a number; "
                + "Observation/m2 at Bundle.entry[3].resource.subject.reference: 'Patient/nobody' names no Patient in the bundle; "
                + "and 7 more")
        }
    }

    @Test func aCleanBundleImportsTheSameStrictOrNot() throws {
        let path = Fixtures.path("fhir_small_bundle.json")
        let lenient = try FHIRDataset.load(contentsOf: path, options: .init(mapping: try smallMapping()))
        let strict = try FHIRDataset.load(contentsOf: path, options: .init(mapping: try smallMapping(), strict: true))
        #expect(lenient.splits.train == strict.splits.train && lenient.report == strict.report)
        #expect(lenient.splits.standardizer != nil)
    }

    @Test func aColumnWithNoTrainValueIsAnError() {
        let mapping = FHIRMapping(columns: [.init(name: "heart_rate", code: "8867-4"), .init(name: "hba1c", code: "4548-4")],
                                  label: .init(name: "diabetes", condition: .init(codes: ["44054006"])), maxMissingPerRow: 1)
        #expect(throws: DataSetError(.invalidValue, file: Fixtures.path("fhir_small_bundle.json"),
                                     "column 'hba1c' has no value in any train row, so its gaps cannot be imputed; check its code and unit in the mapping or remove it")) {
            try FHIRDataset.load(contentsOf: Fixtures.path("fhir_small_bundle.json"), options: .init(mapping: mapping))
        }
    }

    /// Counts from an independent Python mapping of the same files:
    /// `cd Tests/DataSetsTests/Inputs && python3 fhir_example_reference.py` printed
    /// resources {'Patient': 200, 'Encounter': 394, 'Observation': 1639, 'Condition': 128};
    /// observations with a result 1628, without 11, matched 1628;
    /// kept 190, dropped 10, label counts [133, 57], missing cells per column [2, 1, 1, 3, 22, 32].
    @Test func theShippedExampleBundleMatchesAnIndependentReference() throws {
        let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Data").standardized
        let mapping = try FHIRMapping.load(contentsOf: data.appendingPathComponent("fhir-example-mapping.json").path)
        let result = try FHIRDataset.load(contentsOf: data.appendingPathComponent("fhir-example-bundle.json").path,
                                          options: .init(mapping: mapping, strict: true))
        let report = result.report
        #expect(report.patients == 200 && report.otherResources == ["Encounter": 394] && report.conditions == 128)
        #expect(report.observations == 1628 && report.observationsWithoutResult == 11 && report.matchedObservations == 1628)
        #expect(report.droppedRows == 10 && report.unlabelledRows == 0 && report.issues.isEmpty)
        #expect(report.imputedCells == [2, 1, 1, 3, 22, 32])
        let splits = result.splits
        let counts = [splits.train, splits.validation!, splits.test!].map(\.labelCounts)
        #expect(counts.reduce([0, 0]) { [$0[0] + $1[0], $0[1] + $1[1]] } == [133, 57])
        #expect(splits.classNames == ["no-diabetes", "diabetes"])
    }

    static let malformedMapping = FHIRMapping(
        columns: [.init(name: "heart_rate", code: "8867-4", unit: "/min"), .init(name: "glucose", code: "2339-0", unit: "mg/dL")],
        label: .init(name: "diabetes", condition: .init(codes: ["44054006"])), maxMissingPerRow: 1)

    static func observation(_ id: String, patient: String, code: String, value: Double, unit: String) -> String {
        #"{"resource": {"resourceType": "Observation", "id": "\#(id)", "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "\#(code)"}]}, "subject": {"reference": "Patient/\#(patient)"}, "valueQuantity": {"value": \#(value), "code": "\#(unit)"}}}"#
    }
}
