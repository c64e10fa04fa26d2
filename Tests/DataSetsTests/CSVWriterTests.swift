import Foundation
import Testing
import Tensor
@testable import DataSets

struct CSVWriterTests {
    @Test func fieldsAreQuotedOnlyWhenTheyMustBe() {
        let bytes = CSVWriter.csv(header: ["a", "b,c"], rows: [["x \"y\"", "line\nbreak"], ["1", ""]])
        // Python's csv.writer gives the same bytes:
        // 'a,"b,c"\r\n"x ""y""","line\nbreak"\r\n1,\r\n'
        #expect(String(decoding: bytes, as: UTF8.self) == "a,\"b,c\"\r\n\"x \"\"y\"\"\",\"line\nbreak\"\r\n1,\r\n")
        let table = try? CSVTable(bytes: bytes, file: "t.csv")
        #expect(table?.columns == ["a", "b,c"] && table?.rows == [["x \"y\"", "line\nbreak"], ["1", ""]])
    }

    @Test func labelledTablesReloadBitForBit() throws {
        let values: [Float] = [0.1, -2.5e-7, 123_456.79, 1 / 3, .ulpOfOne, -0.0, 7, Float.greatestFiniteMagnitude]
        let data = LabeledData(features: Tensor(shape: [4, 2], storage: values), labels: [1, 0, 1, 1], classCount: 2)
        let bytes = CSVWriter.csv(data, featureNames: ["f1", "f 2"], labelName: "outcome", classNames: ["benign", "malignant"])
        let path = Fixtures.temporaryPath("table.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reloaded = try CSVDataset.load(contentsOf: path, options: .init(labelColumn: "outcome", testFraction: 0,
                                                                            validationFraction: 0, standardizes: false))
        #expect(reloaded.featureNames == ["f1", "f 2"] && reloaded.classNames == ["benign", "malignant"])
        #expect(reloaded.train.features.storage.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(reloaded.train.labels == [1, 0, 1, 1])
    }

    @Test func theImputerTakesNumPysMedian() {
        // numpy.median([3, 1, 2]) = 2.0, numpy.median([4, 1, 3, 2]) = 2.5.
        let rows: [[Double?]] = [[3, 4, nil], [1, 1, nil], [nil, 3, nil], [2, 2, nil]]
        #expect(MedianImputer.columnMedians(rows, columns: 3) == [2, 2.5, nil])
        #expect(MedianImputer(medians: [2, 2.5, 0]).impute([nil, 9, nil]) == [2, 9, 0])
    }
}
