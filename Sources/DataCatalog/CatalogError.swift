/// A dataset that cannot be imported or stored, with the reason in one line that names the
/// file and says what to do.
public struct CatalogError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
