/// Why a privacy computation or policy was refused. Messages name the parameter and the fix.
public struct PrivacyError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// A parameter is outside its domain (q ∉ [0, 1], σ < 0, δ ∉ (0, 1), C ≤ 0, …).
        case invalidParameter
        /// The target ε cannot be reached with any noise multiplier up to the search limit.
        case unreachableTarget
        /// A policy is inconsistent (neither σ nor a target ε, or both; mode none with noise).
        case invalidPolicy
        /// Sparse updates disagree in dimension or carry out-of-range or repeated indices.
        case invalidSparseUpdate
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
