import Synchronization

/// The names and shapes of a spec's parameter tensors, in `state_dict` order: what a flat
/// parameter vector means, without building (and randomly initialising) the network.
struct ParameterLayout: Sendable {
    struct Tensor: Sendable {
        var name: String
        var shape: [Int]
        var count: Int
    }

    var tensors: [Tensor]
    var count: Int { tensors.reduce(0) { $0 + $1.count } }

    /// Layouts already derived, by canonical spec JSON.
    private static let cache = Mutex<[String: ParameterLayout]>([:])

    static func of(_ spec: ModelSpec) throws -> ParameterLayout {
        let key = String(decoding: spec.canonicalJSON(), as: UTF8.self)
        if let known = cache.withLock({ $0[key] }) { return known }
        let model = try Sequential(spec: spec, seed: 0, workerCount: 1)
        let layout = ParameterLayout(tensors: model.namedParameters.map {
            Tensor(name: $0.name, shape: $0.parameter.shape, count: $0.parameter.count)
        })
        cache.withLock { $0[key] = layout }
        return layout
    }
}
