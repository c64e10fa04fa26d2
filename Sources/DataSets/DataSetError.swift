import Foundation

/// Why a dataset could not be read, split or partitioned.
///
/// Every loader in this module throws only this type. Its `description` is one line that names
/// the file (and, where it helps, the archive member, line or column) and says what was wrong,
/// so the CLI can print it unchanged and exit non-zero.
public struct DataSetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem, for callers that want to branch on it.
    public enum Code: String, Sendable, Equatable {
        /// The file is missing or cannot be read.
        case unreadableFile
        /// The file's extension does not say which loader to use.
        case unknownFormat
        /// The ZIP structure is cut short or inconsistent.
        case corruptArchive
        /// A ZIP member uses a feature this reader does not implement (encryption, a method
        /// other than stored or deflate, multi-disk archives).
        case unsupportedArchive
        /// A required member is absent from an `.npz`.
        case missingMember
        /// An `.npy` member's header or data is malformed.
        case malformedArray
        /// An `.npy` dtype this reader does not handle (structured, complex, strings, ...).
        case unsupportedDType
        /// The dtype is valid but not the one the dataset format requires.
        case wrongDType
        /// Arrays or rows whose sizes do not agree.
        case shapeMismatch
        /// A CSV file breaks RFC 4180 (unterminated quote, wrong field count, ...).
        case malformedCSV
        /// A named column is absent.
        case missingColumn
        /// A cell or label that is not a usable value (NaN, empty, not a number, negative).
        case invalidValue
        /// A file that is not a FHIR R4 `Bundle`, or (with `strict`) a bundle with malformed
        /// resources or broken references.
        case malformedFHIR
        /// A FHIR mapping file that is not valid JSON or breaks the mapping rules.
        case invalidMapping
        /// Arguments that cannot be satisfied (no institutions, α ≤ 0, too few examples).
        case invalidArgument
    }

    public var code: Code
    /// The file the problem is in, as the caller named it; `nil` for in-memory operations.
    public var file: String?
    /// What was wrong and, where possible, what to do about it.
    public var message: String

    public init(_ code: Code, file: String?, _ message: String) {
        self.code = code
        self.file = file
        self.message = message
    }

    public var description: String {
        if let file { return "\(file): \(message)" }
        return message
    }
}

// `localizedDescription` (which Foundation callers print) shows the same one-line message.
extension DataSetError: LocalizedError {
    public var errorDescription: String? { description }
}
