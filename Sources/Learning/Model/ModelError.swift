/// What can go wrong building, loading or saving a model.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// The architecture does not describe a valid network (shapes do not chain, sizes ≤ 0 …).
    case invalidSpec(String)
    /// A parameter file does not fit the model (missing tensor, wrong shape or dtype, bad header).
    case incompatibleParameters(file: String, reason: String)
    /// A file is not a well-formed safetensors file.
    case malformedFile(file: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidSpec(reason): "invalid model spec: \(reason)"
        case let .incompatibleParameters(file, reason): "\(file): parameters do not fit the model: \(reason)"
        case let .malformedFile(file, reason): "\(file): not a valid safetensors file: \(reason)"
        }
    }
}
