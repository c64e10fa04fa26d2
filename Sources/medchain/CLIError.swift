import ArgumentParser
import Foundation

/// Turns module errors into one clear line on standard error and a non-zero exit.
enum CLIError {
    /// Runs `body`; on failure prints `error: <description>` and exits with status 1.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Writes `value` as pretty, key-sorted JSON to `path` (`-` for standard output).
func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    if path == "-" {
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    } else {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// A failure the CLI reports as one line on standard error before exiting with status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
