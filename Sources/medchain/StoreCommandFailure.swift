/// A content-store command failure, reported as one line on standard error (exit status 1).
struct StoreCommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
