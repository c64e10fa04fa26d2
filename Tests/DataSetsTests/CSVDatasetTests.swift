import Testing
import Foundation
import Tensor
@testable import DataSets

struct CSVDatasetTests {
    @Test func splitColumnAssignsRowsAndStandardisationUsesTrainStatisticsOnly() throws {
        let splits = try loadDataset(path: Fixtures.path("with_split.csv"))  // label column "label"
        // `ID` is dropped (any case), `split` is not a feature.
        #expect(splits.featureNames == ["a", "b"])
        #expect(splits.classNames == ["B", "M"])
        #expect(splits.train.labels == [0, 1, 0, 1])
        #expect(splits.validation?.labels == [1])
        #expect(splits.test?.labels == [0])
        // By hand: train a = 1, 2, 3, 4 has mean 2.5 and population deviation √1.25; b is
        // constant 5, so its scale is 1 and it standardises to 0.
        let deviation = 1.25.squareRoot()
        #expect(splits.standardizer == Standardizer(means: [2.5, 5], scales: [deviation, 1]))
        #expect(splits.train.features.storage == [
            Float(-1.5 / deviation), 0, Float(-0.5 / deviation), 0,
            Float(0.5 / deviation), 0, Float(1.5 / deviation), 0,
        ])
        #expect(splits.test?.features.storage == [Float(7.5 / deviation), 0])  // 6.7082039…
        #expect(splits.validation?.features.storage == [Float(-4.5 / deviation), 0])
    }

    @Test func quotedHeaderAndCellsParseAndListedColumnsAreDropped() throws {
        let splits = try CSVDataset.load(
            contentsOf: Fixtures.path("small.csv"),
            options: .init(labelColumn: "diagnosis", dropColumns: ["notes"], validationFraction: 0, standardizes: false))
        #expect(splits.featureNames == ["radius, mean", "texture"])
        #expect(splits.classNames == ["B", "M"])
        #expect(splits.standardizer == nil)
        // Two rows per class; round(2 × 0.2) = 0 of each class is held out, so all rows train.
        #expect(splits.test == nil && splits.validation == nil)
        #expect(splits.train.labels == [1, 0, 0, 1])
        #expect(splits.train.features.storage == [1, 10, 2, 20, 3, 30, 4, 40])
    }

    @Test func missingLabelColumnNamesTheFileAndListsTheColumns() {
        let path = Fixtures.path("small.csv")
        let error = #expect(throws: DataSetError.self) { try loadDataset(path: path, labelColumn: "outcome") }
        #expect(error?.code == .missingColumn)
        #expect(error?.description == "\(path): no label column 'outcome'; the columns are: id, radius, mean, texture, notes, diagnosis")
        let unnamed = #expect(throws: DataSetError.self) { try loadDataset(path: path) }
        #expect(unnamed?.description.contains("no label column was named and there is no column 'label'") == true)
    }

    @Test(arguments: [
        ("nan.csv", "line 3, column 'x': 'NaN' is not a finite number (impute or drop the row first)"),
        ("non_numeric.csv", "line 4, column 'y': 'abc' is not a number"),
        ("empty_cell.csv", "line 3, column 'x': the cell is empty; every feature needs a number (impute or drop the row first)"),
    ])
    func badFeatureCellsAreErrorsNamingFileLineAndColumn(file: String, problem: String) {
        let path = Fixtures.path(file)
        let error = #expect(throws: DataSetError.self) { try loadDataset(path: path, labelColumn: "diagnosis") }
        #expect(error?.code == .invalidValue)
        #expect(error?.description == "\(path): \(problem)")
    }

    @Test func droppingAColumnThatDoesNotExistIsAnError() {
        let error = #expect(throws: DataSetError.self) {
            try CSVDataset.load(contentsOf: Fixtures.path("small.csv"), options: .init(labelColumn: "diagnosis", dropColumns: ["age"]))
        }
        #expect(error?.code == .missingColumn)
    }

    @Test func numericClassNamesSortByValue() {
        #expect(CSVDataset.sortedClassNames(["10", "2", "1"]) == ["1", "2", "10"])
        #expect(CSVDataset.sortedClassNames(["M", "B"]) == ["B", "M"])
        #expect(CSVDataset.sortedClassNames(["10", "b"]) == ["10", "b"])
    }

    @Test func unknownExtensionAskForAFormat() {
        let error = #expect(throws: DataSetError.self) { try loadDataset(path: "table.txt") }
        #expect(error?.code == .unknownFormat)
        #expect(DatasetFormat(path: "a/b.NPZ") == .npz)
        #expect(DatasetFormat(path: "dir.csv/file") == nil)
    }

    static let wdbcPath = #filePath.replacingOccurrences(of: "Tests/DataSetsTests/CSVDatasetTests.swift", with: "Data/wdbc.csv")

    /// The bundled Wisconsin table (357 B, 212 M): 20 % of each class to test, then 10 % of
    /// each class of the rest to validation, rounding to nearest: B 71 / 29 / 257, M 42 / 17 / 153.
    @Test func bundledWDBCSplitsStratifiedAndStandardised() throws {
        let splits = try loadDataset(path: Self.wdbcPath, labelColumn: "diagnosis", seed: 7)
        #expect(splits.classNames == ["B", "M"])
        #expect(splits.featureNames?.count == 30)
        #expect(splits.featureNames?.first == "mean_radius")
        #expect(splits.test?.labelCounts == [71, 42])
        #expect(splits.validation?.labelCounts == [29, 17])
        #expect(splits.train.labelCounts == [257, 153])
        // Train columns now have mean 0 and deviation 1 (to Float rounding).
        let refit = Standardizer(fitting: splits.train.features)
        #expect(refit.means.allSatisfy { abs($0) < 1e-5 })
        #expect(refit.scales.allSatisfy { abs($0 - 1) < 1e-5 })
        // The standardizer holds the raw statistics: mean radius of the train rows is in the
        // published range of the data set (6.98 to 28.11).
        #expect((10...20).contains(splits.standardizer!.means[0]))
    }

    @Test func sameSeedGivesTheSameSplitAndAnotherSeedAnother() throws {
        let a = try loadDataset(path: Self.wdbcPath, labelColumn: "diagnosis", seed: 1)
        let b = try loadDataset(path: Self.wdbcPath, labelColumn: "diagnosis", seed: 1)
        let c = try loadDataset(path: Self.wdbcPath, labelColumn: "diagnosis", seed: 2)
        #expect(a.test?.features == b.test?.features)
        #expect(a.standardizer == b.standardizer)
        #expect(a.test?.features != c.test?.features)
    }
}

struct StratifiedSplitTests {
    @Test func eachClassKeepsItsProportionAndThePartsCoverEveryIndexOnce() {
        let labels = Array(repeating: 0, count: 100) + Array(repeating: 1, count: 50) + [2]
        var generator = SeededGenerator(seed: 3)
        let split = StratifiedSplit(labels: labels, classCount: 3, heldOutFraction: 0.2, generator: &generator)
        #expect(split.heldOut.filter { labels[$0] == 0 }.count == 20)
        #expect(split.heldOut.filter { labels[$0] == 1 }.count == 10)
        // A single-example class stays in the kept part.
        #expect(split.kept.contains(150))
        #expect((split.kept + split.heldOut).sorted() == Array(0..<151))
        #expect(split.kept == split.kept.sorted() && split.heldOut == split.heldOut.sorted())
    }

    @Test func splitIsDeterminedBySeed() {
        let labels = (0..<200).map { $0 % 2 }
        func heldOut(_ seed: UInt64) -> [Int] {
            var generator = SeededGenerator(seed: seed)
            return StratifiedSplit(labels: labels, classCount: 2, heldOutFraction: 0.3, generator: &generator).heldOut
        }
        #expect(heldOut(5) == heldOut(5))
        #expect(heldOut(5) != heldOut(6))
    }
}

struct StandardizerTests {
    @Test func fittedValuesMatchHandComputation() {
        // Column 0: 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and population deviation 2.
        let features = Tensor(shape: [8, 2], storage: [2, 1, 4, 1, 4, 1, 4, 1, 5, 1, 5, 1, 7, 1, 9, 1])
        let standardizer = Standardizer(fitting: features)
        #expect(standardizer.means == [5, 1])
        #expect(standardizer.scales == [2, 1])
        let z = standardizer.transform(Tensor(shape: [2, 2], storage: [9, 1, 0, 3]))
        #expect(z.storage == [2, 0, -2.5, 2])
    }

    @Test func constantColumnWithRoundingNoiseStandardisesToZero() {
        let features = Tensor(shape: [3, 1], storage: [0.1, 0.1, 0.1])
        let standardizer = Standardizer(fitting: features)
        #expect(standardizer.scales == [1])
        #expect(standardizer.transform(features).storage.allSatisfy { abs($0) < 1e-7 })
    }

    @Test func codableRoundTripKeepsEveryValue() throws {
        let standardizer = Standardizer(means: [0.1, -3], scales: [1.5, 1])
        let data = try JSONEncoder().encode(standardizer)
        #expect(try JSONDecoder().decode(Standardizer.self, from: data) == standardizer)
    }
}
