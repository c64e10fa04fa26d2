import Foundation

/// Saving and loading models as safetensors files that PyTorch can read.
///
/// Tensor names and layouts are those of the PyTorch `nn.Sequential` `state_dict` for the same
/// stack (`0.weight` `[16,1,3,3]` OIHW, …, `7.weight` `[128,1568]` with C,H,W flatten order), so
/// `model.load_state_dict(safetensors.torch.load_file(path))` works unchanged. The metadata
/// carries the model spec (`medchain.model_spec`) and any extra entries (for example the
/// feature standardiser of a table model or a decision threshold).
public enum ModelFile {
    public static let specKey = "medchain.model_spec"
    /// The binary decision threshold on p(class 1), chosen on validation data at training time.
    public static let thresholdKey = "medchain.threshold"

    /// The safetensors bytes of `model` with its spec and `metadata`.
    public static func encode(_ model: Sequential, metadata: [String: String] = [:]) -> Data {
        var meta = metadata
        meta["format"] = "pt"
        meta[specKey] = String(decoding: model.spec.canonicalJSON(), as: UTF8.self)
        let entries = model.namedParameters.map {
            Safetensors.Entry(name: $0.name, shape: $0.parameter.shape, values: $0.parameter.value)
        }
        return Safetensors.encode(entries, metadata: meta)
    }

    /// The same bytes as `encode(_:metadata:)` for a model of `spec` holding the flat
    /// parameter vector `parameters` (`state_dict` order), without building the network:
    /// validators encode every round's model to compare its CID.
    public static func encode(spec: ModelSpec, parameters: [Float], metadata: [String: String] = [:]) throws -> Data {
        Data(try bytes(spec: spec, parameters: parameters, metadata: metadata))
    }

    /// `encode(spec:parameters:metadata:)` as a byte array, written in one pass.
    public static func bytes(spec: ModelSpec, parameters: [Float], metadata: [String: String] = [:]) throws -> [UInt8] {
        let (tensors, meta) = try contents(spec: spec, parameterCount: parameters.count, metadata: metadata)
        return Safetensors.encode(tensors: tensors, values: parameters, metadata: meta)
    }

    /// The bytes of `bytes(spec:parameters:metadata:)` that precede the parameters, which
    /// follow as little-endian `Float32`s: with the parameters' own memory on a little-endian
    /// machine, the whole file without writing it out (validators only hash it).
    public static func header(spec: ModelSpec, parameterCount: Int, metadata: [String: String] = [:]) throws -> [UInt8] {
        let (tensors, meta) = try contents(spec: spec, parameterCount: parameterCount, metadata: metadata)
        return Safetensors.header(tensors: tensors, metadata: meta)
    }

    /// The tensors the spec implies and the file's metadata (the spec included).
    private static func contents(spec: ModelSpec, parameterCount: Int, metadata: [String: String]) throws
        -> (tensors: [(name: String, shape: [Int])], metadata: [String: String]) {
        let layout = try ParameterLayout.of(spec)
        guard parameterCount == layout.count else {
            throw ModelError.incompatibleParameters(file: "(flat parameters)",
                                                    reason: "\(parameterCount) values, the spec needs \(layout.count)")
        }
        var meta = metadata
        meta["format"] = "pt"
        meta[specKey] = String(decoding: spec.canonicalJSON(), as: UTF8.self)
        return (layout.tensors.map { ($0.name, $0.shape) }, meta)
    }

    public static func save(_ model: Sequential, to path: String, metadata: [String: String] = [:]) throws {
        try encode(model, metadata: metadata).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Rebuilds the model from the spec in the metadata and loads every parameter, checking that
    /// the file has exactly the tensors the spec implies, with the right shapes.
    public static func decode(_ data: Data, file: String) throws -> (model: Sequential, metadata: [String: String]) {
        let (entries, metadata) = try Safetensors.decode(data, file: file)
        guard let specJSON = metadata[specKey] else {
            throw ModelError.incompatibleParameters(file: file, reason: "no '\(specKey)' in __metadata__; not a MedChain model file")
        }
        let spec: ModelSpec
        do { spec = try ModelSpec.decode(json: Data(specJSON.utf8)) } catch {
            throw ModelError.incompatibleParameters(file: file, reason: "\(error)")
        }
        let model: Sequential
        do { model = try Sequential(spec: spec) } catch {
            throw ModelError.incompatibleParameters(file: file, reason: "\(error)")
        }
        var byName: [String: Safetensors.Entry] = [:]
        for e in entries { byName[e.name] = e }
        for (name, parameter) in model.namedParameters {
            guard let e = byName.removeValue(forKey: name) else {
                throw ModelError.incompatibleParameters(file: file, reason: "tensor '\(name)' is missing")
            }
            guard e.shape == parameter.shape else {
                throw ModelError.incompatibleParameters(
                    file: file, reason: "tensor '\(name)' has shape \(e.shape), the spec needs \(parameter.shape)")
            }
            parameter.value = e.values
        }
        if let extra = byName.keys.sorted().first {
            throw ModelError.incompatibleParameters(file: file, reason: "unexpected tensor '\(extra)' not in the spec")
        }
        return (model, metadata)
    }

    public static func load(path: String) throws -> (model: Sequential, metadata: [String: String]) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelError.malformedFile(file: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, file: path)
    }
}
