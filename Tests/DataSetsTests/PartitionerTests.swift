import Testing
import Tensor
@testable import DataSets

struct PartitionerTests {
    /// 1,000 examples, 100 of each of 10 classes, in class order.
    static let labels = (0..<1000).map { $0 / 100 }

    static func schemes(_ seed: UInt64) throws -> [[[Int]]] {
        [
            try Partitioner.iid(count: 1000, institutions: 5, seed: seed),
            try Partitioner.dirichletLabelSkew(labels: labels, classCount: 10, institutions: 5, alpha: 0.5, seed: seed),
            try Partitioner.quantitySkew(count: 1000, institutions: 5, alpha: 0.5, seed: seed),
        ]
    }

    @Test func everySchemeCoversEveryIndexExactlyOnce() throws {
        for parts in try Self.schemes(1) {
            #expect(parts.count == 5)
            #expect(parts.flatMap { $0 }.sorted() == Array(0..<1000))
        }
    }

    @Test func sameSeedGivesTheSameListsAndAnotherSeedOthers() throws {
        let first = try Self.schemes(42), again = try Self.schemes(42), other = try Self.schemes(43)
        for i in 0..<3 {
            #expect(first[i] == again[i])
            #expect(first[i] != other[i])
        }
    }

    @Test func iidSharesDifferInSizeByAtMostOne() throws {
        let parts = try Partitioner.iid(count: 103, institutions: 4, seed: 0)
        #expect(parts.map(\.count) == [25, 26, 26, 26])
    }

    /// Total variation distance between each institution's label distribution and the
    /// uniform global one: 0 for IID, up to 0.9 for one class only.
    static func labelSkew(_ parts: [[Int]]) -> [Double] {
        parts.filter { !$0.isEmpty }.map { part in
            var counts = [Double](repeating: 0, count: 10)
            for index in part { counts[labels[index]] += 1 }
            return counts.reduce(0) { $0 + abs($1 / Double(part.count) - 0.1) } / 2
        }
    }

    @Test func smallAlphaSkewsLabelsAndLargeAlphaIsNearlyUniform() throws {
        let skewed = try Partitioner.dirichletLabelSkew(labels: Self.labels, classCount: 10, institutions: 5, alpha: 0.05, seed: 3)
        let even = try Partitioner.dirichletLabelSkew(labels: Self.labels, classCount: 10, institutions: 5, alpha: 1000, seed: 3)
        let skewedTV = Self.labelSkew(skewed), evenTV = Self.labelSkew(even)
        #expect(skewedTV.reduce(0, +) / Double(skewedTV.count) > 0.4)
        #expect(evenTV.allSatisfy { $0 < 0.05 })
        #expect(even.allSatisfy { abs($0.count - 200) <= 20 })
    }

    @Test func quantitySkewVariesSizesButNotLabels() throws {
        let skewed = try Partitioner.quantitySkew(count: 1000, institutions: 5, alpha: 0.1, seed: 3)
        let even = try Partitioner.quantitySkew(count: 1000, institutions: 5, alpha: 1000, seed: 3)
        #expect(skewed.map(\.count).max()! > 500)
        #expect(even.allSatisfy { abs($0.count - 200) <= 20 })
        // Drawn from one permutation, every large share keeps roughly the global label mix.
        #expect(Self.labelSkew(even).allSatisfy { $0 < 0.15 })
    }

    @Test func minimumSizeRedrawsUntilEveryInstitutionHasEnough() throws {
        for seed: UInt64 in 0..<5 {
            let parts = try Partitioner.dirichletLabelSkew(
                labels: Self.labels, classCount: 10, institutions: 10, alpha: 0.1, seed: seed, minimumSize: 10)
            #expect(parts.allSatisfy { $0.count >= 10 })
            #expect(parts.flatMap { $0 }.sorted() == Array(0..<1000))
        }
        // Dirichlet(0.3) over 5 institutions often gives one a share under 1/1000, so some
        // seeds leave an institution empty; the minimum prevents it for every seed.
        var emptied = 0
        for seed: UInt64 in 0..<20 {
            let raw = try Partitioner.quantitySkew(count: 1000, institutions: 5, alpha: 0.3, seed: seed)
            if raw.contains(where: \.isEmpty) { emptied += 1 }
            let fixed = try Partitioner.quantitySkew(count: 1000, institutions: 5, alpha: 0.3, seed: seed, minimumSize: 1)
            #expect(fixed.allSatisfy { !$0.isEmpty })
        }
        #expect(emptied > 0)
    }

    @Test func impossibleRequestsAreErrors() {
        #expect(throws: DataSetError.self) { try Partitioner.iid(count: 10, institutions: 0, seed: 0) }
        #expect(throws: DataSetError.self) {
            try Partitioner.quantitySkew(count: 10, institutions: 2, alpha: 0, seed: 0)
        }
        let error = #expect(throws: DataSetError.self) {
            try Partitioner.quantitySkew(count: 10, institutions: 3, alpha: 1, seed: 0, minimumSize: 4)
        }
        #expect(error?.description == "cannot give each of 3 institutions at least 4 of 10 examples")
    }

    /// Reference: `(np.cumsum(p) * n).astype(int)[:-1]` then `np.split`, run in Python 3 with
    /// numpy 2.4.6, gives run lengths [121, 243, 364, 486], [3, 4], [0, 5, 0] and [3, 3, 4].
    @Test func cutPointsTruncateCumulativeProportionsAsNumPyDoes() {
        func lengths(_ proportions: [Double], _ n: Int) -> [Int] {
            Partitioner.cut(Array(0..<n), proportions: proportions).map(\.count)
        }
        #expect(lengths([0.1, 0.2, 0.3, 0.4], 1214) == [121, 243, 364, 486])
        #expect(lengths([0.5, 0.5], 7) == [3, 4])
        #expect(lengths([0, 1, 0], 5) == [0, 5, 0])
        #expect(lengths([0.3333333333333333, 0.3333333333333333, 0.3333333333333334], 10) == [3, 3, 4])
    }

    @Test func keepingAQuarterWithAMinimumOfTwentyMatchesTheDemoRule() throws {
        let parts = [Array(0..<100), Array(100..<150), Array(150..<160), []]
        let kept = try Partitioner.keepingFraction(parts, fraction: 0.25, minimum: 20, seed: 8)
        #expect(kept.map(\.count) == [25, 20, 10, 0])
        for (share, original) in zip(kept, parts) {
            #expect(Set(share).isSubset(of: original) && Set(share).count == share.count)
        }
        #expect(try Partitioner.keepingFraction(parts, seed: 8) == kept)
        #expect(try Partitioner.keepingFraction(parts, seed: 9) != kept)
    }

    @Test func schemesParseFromTheirDescriptions() throws {
        #expect(PartitionScheme("iid") == .iid)
        #expect(PartitionScheme("dirichlet:0.5") == .dirichletLabelSkew(alpha: 0.5))
        #expect(PartitionScheme("quantity:2") == .quantitySkew(alpha: 2))
        #expect(PartitionScheme("dirichlet:-1") == nil)
        #expect(PartitionScheme("dirichlet") == nil)
        #expect(PartitionScheme(PartitionScheme.dirichletLabelSkew(alpha: 0.5).description) == .dirichletLabelSkew(alpha: 0.5))
        let data = LabeledData(features: Tensor(zeros: [1000, 1]), labels: Self.labels, classCount: 10)
        let parts = try PartitionScheme.dirichletLabelSkew(alpha: 0.5).partition(data, institutions: 5, seed: 42)
        #expect(parts == (try Self.schemes(42))[1])
    }
}
