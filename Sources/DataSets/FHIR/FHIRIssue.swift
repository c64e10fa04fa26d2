/// A problem with one resource of a FHIR bundle: which resource (type and `id`), where in the
/// JSON (a path such as `Bundle.entry[12].resource.valueQuantity.value`) and what is wrong.
///
/// A resource with an issue is skipped as a whole; with `strict` the whole bundle is rejected.
public struct FHIRIssue: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Kind: String, Sendable, Equatable, Codable {
        /// A field the importer needs is missing or has the wrong type or format.
        case malformed
        /// A `subject.reference` that names no Patient in the bundle.
        case brokenReference
        /// A second resource with the same type and `id`.
        case duplicate
        /// A quantity in a unit the mapping neither expects nor converts.
        case unitMismatch
    }

    public var kind: Kind
    /// The resource type, when the entry has one.
    public var resourceType: String?
    /// The resource's `id` (or its entry's `fullUrl` when it has none), when known.
    public var id: String?
    /// The JSON path of the offending value, from `Bundle`.
    public var path: String
    public var message: String

    public init(_ kind: Kind, resourceType: String?, id: String?, path: String, _ message: String) {
        self.kind = kind
        self.resourceType = resourceType
        self.id = id
        self.path = path
        self.message = message
    }

    /// The entry index the path starts with (`Bundle.entry[12]…` gives 12).
    var entryIndex: Int? {
        guard path.hasPrefix("Bundle.entry["), let close = path.firstIndex(of: "]") else { return nil }
        return Int(path[path.index(path.startIndex, offsetBy: 13)..<close])
    }

    /// `Observation/obs-7 at Bundle.entry[12].resource.valueQuantity.value: "high" is not a number`.
    public var description: String {
        let resource = (resourceType ?? "resource") + (id.map { "/\($0)" } ?? " without id")
        return "\(resource) at \(path): \(message)"
    }
}
