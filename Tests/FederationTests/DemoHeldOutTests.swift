import DataSets
import Foundation
import Tensor
import Testing
@testable import Federation

/// The demo's per-hospital held-out data and their means.
struct DemoHeldOutTests {
    /// `labels.count` examples with one feature each (the feature is the index, to find them).
    static func data(_ labels: [Int]) -> LabeledData {
        LabeledData(features: Tensor(shape: [labels.count, 1], storage: labels.indices.map(Float.init)), labels: labels, classCount: 2)
    }

    @Test func partsAreDisjointCoverTheSplitAndFollowEachHospitalsClassShares() {
        // 10 negatives and 7 positives, interleaved.
        let labels = (0..<17).map { $0 < 14 ? $0 % 2 : 0 }
        #expect(labels.filter { $0 == 0 }.count == 10 && labels.filter { $0 == 1 }.count == 7)
        // Hospitals hold 1, 3 and 6 of the training negatives and 2, 0 and 5 of the positives:
        // negatives cut at ⌊10·1/10⌋ = 1 and ⌊10·4/10⌋ = 4 → 1, 3, 6; positives at ⌊7·2/7⌋ = 2
        // twice → 2, 0, 5.
        var rng = SeededGenerator(seed: 3)
        let parts = ConsortiumDemo.proportionalParts(of: Self.data(labels), classTotals: [[1, 3, 6], [2, 0, 5]], rng: &rng)
        #expect(parts.map { part in part.filter { labels[$0] == 0 }.count } == [1, 3, 6])
        #expect(parts.map { part in part.filter { labels[$0] == 1 }.count } == [2, 0, 5])
        #expect(parts.flatMap { $0 }.sorted() == Array(0..<17))
        #expect(parts.allSatisfy { $0 == $0.sorted() })
        // The same seed draws the same parts.
        var again = SeededGenerator(seed: 3)
        #expect(ConsortiumDemo.proportionalParts(of: Self.data(labels), classTotals: [[1, 3, 6], [2, 0, 5]], rng: &again) == parts)
    }

    @Test func heldOutMeansAverageAccuracyOverAllAndAUCOverHospitalsWhoseDataRank() throws {
        func s(_ a: Double, _ u: Double?) -> DemoReport.HeldOutScore { .init(accuracy: a, auc: u) }
        let parts = [
            DemoReport.OwnHeldOut(labelCounts: [5, 5], local: s(0.6, 0.7), federated: s(0.8, 0.9), personalized: s(0.9, 0.9)),
            DemoReport.OwnHeldOut(labelCounts: [9, 0], local: s(1.0, nil), federated: s(0.7, nil), personalized: s(0.7, nil)),
            DemoReport.OwnHeldOut(labelCounts: [2, 8], local: s(0.8, 0.5), federated: s(0.6, 0.8), personalized: s(0.8, 0.8)),
        ]
        let mean = try #require(ConsortiumDemo.meanOwnHeldOut(parts))
        #expect(mean.aucHospitals == 2)
        #expect(abs(mean.local.accuracy - 0.8) < 1e-12)          // (0.6 + 1.0 + 0.8) / 3
        #expect(abs(mean.federated.accuracy - 0.7) < 1e-12)      // (0.8 + 0.7 + 0.6) / 3
        #expect(abs(mean.personalized.accuracy - 0.8) < 1e-12)   // (0.9 + 0.7 + 0.8) / 3
        #expect(abs(try #require(mean.local.auc) - 0.6) < 1e-12) // (0.7 + 0.5) / 2
        #expect(abs(try #require(mean.federated.auc) - 0.85) < 1e-12)
        #expect(ConsortiumDemo.meanOwnHeldOut([]) == nil)
        // No hospital whose data rank: no AUC mean at all.
        let oneClass = try #require(ConsortiumDemo.meanOwnHeldOut([parts[1]]))
        #expect(oneClass.aucHospitals == 0 && oneClass.local.auc == nil)
    }

    @Test func anUndefinedAUCIsWrittenAsNullAndReadBack() throws {
        let json = try JSONEncoder().encode(DemoReport.HeldOutScore(accuracy: 0.75, auc: nil))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["auc"] is NSNull)
        let back = try JSONDecoder().decode(DemoReport.HeldOutScore.self, from: json)
        #expect(back.accuracy == 0.75 && back.auc == nil)
        let defined = try JSONDecoder().decode(DemoReport.HeldOutScore.self, from: JSONEncoder().encode(DemoReport.HeldOutScore(accuracy: 0.5, auc: 0.9)))
        #expect(defined.auc == 0.9)
    }
}
