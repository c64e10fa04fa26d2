import ContentStore
import DataSets
import Tensor
import Foundation

/// Scratch files and shared inputs for the catalog tests.
enum CatalogFixtures {
    /// A fresh scratch directory.
    static func directory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func store(in directory: URL = directory()) throws -> Blockstore {
        try Blockstore(directory: directory.appendingPathComponent("store"), key: StoreKey.generate())
    }

    /// A file of the repository (relative to its root).
    static func repositoryPath(_ relative: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../" + relative).standardized.path
    }

    /// The FHIR fixtures of DataSetsTests.
    static func dataSetsInput(_ name: String) -> String {
        repositoryPath("Tests/DataSetsTests/Inputs/" + name)
    }

    /// A CSV of 20 patients whose every value is distinctive (7+ significant digits), so that a
    /// search for it in other bytes cannot hit by chance: `id`, three features, `outcome`.
    static func distinctiveCSV() -> (text: String, ids: [String], values: [Double]) {
        var generator = SeededGenerator(seed: 42)
        var lines = ["id,alpha,beta,gamma,outcome"]
        var ids: [String] = [], values: [Double] = []
        for i in 0..<20 {
            let id = "PT-\(700_001 + i * 37)"
            let row = (0..<3).map { _ in (Double(generator.integer(below: 90_000_000)) + 10_000_000) / 10_000 }
            ids.append(id)
            values += row
            lines.append("\(id),\(row.map { "\($0)" }.joined(separator: ",")),\(i % 3 == 0 ? "yes" : "no")")
        }
        return (lines.joined(separator: "\n") + "\n", ids, values)
    }

    static func write(_ text: String, to name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Whether `needle` occurs in `haystack` (Foundation's search, fast even in debug builds).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        !needle.isEmpty && Data(haystack).range(of: Data(needle)) != nil
    }
}
