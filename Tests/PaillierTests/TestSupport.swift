import Foundation
@testable import Paillier

/// Keys shared by the suite: generating them once keeps the tests fast.
enum TestKeys {
    static let k512 = PaillierPrivateKey.generate(bits: 512)
    static let k1024 = PaillierPrivateKey.generate(bits: 1024)
    static let encryptor1024 = PaillierEncryptor(publicKey: k1024.publicKey)
}

/// Fixture files under Tests/PaillierTests/Inputs.
enum Fixtures {
    static func url(_ path: String) -> URL {
        Bundle.module.url(forResource: "Inputs", withExtension: nil)!.appendingPathComponent(path)
    }

    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: url(path))
    }

    /// Rows of a tab-separated file with a header line, as dictionaries.
    static func table(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOf: url(path), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, cells))
        }
    }
}
