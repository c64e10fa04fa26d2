import ArgumentParser
import Foundation
import Ledger

/// `--home DIR [--chain ID]`, shared by the ledger commands.
struct LedgerHomeOptions: ParsableArguments {
    @Option(help: "The node's home directory (made by `medchain init`).")
    var home: String

    @Option(help: "Chain ID (default: the home's default chain from config.json).")
    var chain: String?

    var nodeHome: NodeHome { NodeHome(home) }
}

/// A command-line failure: printed as one line, exit status 1.
struct LedgerCLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
    init(_ error: any Error) { self.description = "\(error)" }
}

enum LedgerOutput {
    /// Pretty JSON with sorted keys on stdout.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// `2026-01-01T00:00:01.000Z (1767225601000)`.
    static func time(_ milliseconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return "\(formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))) (\(milliseconds))"
    }

    static func table(_ rows: [(String, String)]) {
        let width = rows.map(\.0.count).max() ?? 0
        for (key, value) in rows { print(key.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value) }
    }

    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
