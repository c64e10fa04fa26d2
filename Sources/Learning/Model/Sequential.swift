import Tensor

/// A feed-forward stack of layers built from a `ModelSpec`, trained data-parallel on all cores.
///
/// A batch is split into contiguous slices, one per worker; each worker runs forward, loss and
/// backward for its slice with its own buffers; the per-worker gradients are then summed in
/// worker order. For a fixed worker count every result is bit-for-bit reproducible.
///
/// The flat parameter vector (`flatParameters()`) concatenates every parameter in `state_dict`
/// order: layer by layer, weight (row-major, PyTorch layout) then bias. Federated averaging and
/// update encoding work on this vector.
///
/// `@unchecked Sendable`: a model is used by one training loop at a time; the loop's workers
/// touch only their own `Worker` state and read parameters.
public final class Sequential: @unchecked Sendable {
    public let spec: ModelSpec
    public let layers: [any Layer]
    /// `(name, parameter)` in `state_dict` order, e.g. `("0.weight", …)`.
    public let namedParameters: [(name: String, parameter: Parameter)]
    /// How many workers split each batch (default: the number of cores).
    public var workerCount: Int
    var workers: [Worker] = []
    private(set) var capacity = 0

    public var parameters: [Parameter] { namedParameters.map(\.parameter) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    public var inputCount: Int { Tensor.count(of: spec.inputShape) }
    public var classCount: Int { spec.classCount }

    /// Builds the network and initialises its parameters from `seed` (PyTorch's default
    /// uniform ±1/√fan_in scheme).
    public init(spec: ModelSpec, seed: UInt64 = 0, workerCount: Int = Parallel.coreCount) throws {
        self.spec = spec
        self.workerCount = max(1, workerCount)
        var rng = SeededGenerator(seed: seed)
        var shape = spec.inputShape
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw ModelError.invalidSpec("input shape \(shape) must be non-empty and positive")
        }
        guard spec.classCount >= 2 else { throw ModelError.invalidSpec("class count must be at least 2") }
        var layers: [any Layer] = []
        var named: [(String, Parameter)] = []
        for (index, layerSpec) in spec.layers.enumerated() {
            let layer: any Layer
            switch layerSpec {
            case let .conv2d(out, k, s, p):
                guard shape.count == 3 else {
                    throw ModelError.invalidSpec("layer \(index) conv2d needs a [C, H, W] input, got \(shape)")
                }
                let g = ConvolutionGeometry(channels: shape[0], height: shape[1], width: shape[2],
                                            kernelHeight: k, kernelWidth: k, stride: s, padding: p)
                guard out > 0, g.isValid else {
                    throw ModelError.invalidSpec("layer \(index) conv2d(out \(out), k \(k), s \(s), p \(p)) does not fit input \(shape)")
                }
                layer = Conv2d(geometry: g, outChannels: out, rng: &rng)
            case .relu:
                layer = ReLU(shape: shape)
            case let .maxPool2d(k, s):
                guard shape.count == 3 else {
                    throw ModelError.invalidSpec("layer \(index) maxpool2d needs a [C, H, W] input, got \(shape)")
                }
                let g = ConvolutionGeometry(channels: shape[0], height: shape[1], width: shape[2],
                                            kernelHeight: k, kernelWidth: k, stride: s, padding: 0)
                guard g.isValid else {
                    throw ModelError.invalidSpec("layer \(index) maxpool2d(k \(k), s \(s)) does not fit input \(shape)")
                }
                layer = MaxPool2d(geometry: g)
            case .flatten:
                layer = Flatten(shape: shape)
            case let .linear(out):
                guard shape.count == 1 else {
                    throw ModelError.invalidSpec("layer \(index) linear needs a flat input, got \(shape); add a flatten layer")
                }
                guard out > 0 else { throw ModelError.invalidSpec("layer \(index) linear needs out_features > 0") }
                layer = Linear(inFeatures: shape[0], outFeatures: out, rng: &rng)
            case let .dropout(p):
                guard p >= 0 && p < 1 else { throw ModelError.invalidSpec("layer \(index) dropout p must be in [0, 1)") }
                layer = Dropout(shape: shape, probability: p)
            }
            for parameter in layer.parameters { named.append(("\(index).\(parameter.role)", parameter)) }
            layers.append(layer)
            shape = layer.outputShape
        }
        guard shape == [spec.classCount] else {
            throw ModelError.invalidSpec("the last layer outputs \(shape), expected [\(spec.classCount)] class scores")
        }
        self.layers = layers
        self.namedParameters = named
    }

    // MARK: Flat parameter vector

    /// All parameters as one vector in `state_dict` order.
    public func flatParameters() -> [Float] {
        var flat = [Float]()
        flat.reserveCapacity(parameterCount)
        for p in parameters { flat.append(contentsOf: p.value) }
        return flat
    }

    /// Replaces all parameters from a vector in `state_dict` order.
    public func loadFlatParameters(_ flat: [Float]) throws {
        guard flat.count == parameterCount else {
            throw ModelError.invalidSpec("flat parameter vector has \(flat.count) values, the model has \(parameterCount)")
        }
        var offset = 0
        for p in parameters {
            p.value.withUnsafeMutableBufferPointer { dst in
                flat.withUnsafeBufferPointer { src in
                    dst.baseAddress!.update(from: src.baseAddress! + offset, count: p.count)
                }
            }
            offset += p.count
        }
    }

    /// All gradients as one vector in `state_dict` order.
    public func flatGradients() -> [Float] {
        var flat = [Float]()
        flat.reserveCapacity(parameterCount)
        for p in parameters { flat.append(contentsOf: p.gradient) }
        return flat
    }

    // MARK: Forward and backward

    /// Computes the gradient of the mean softmax cross-entropy over `count` examples into every
    /// `Parameter.gradient`, and returns the summed loss and the number of correct argmax
    /// predictions.
    ///
    /// - Parameters:
    ///   - inputs: `count` examples, `inputCount` floats each.
    ///   - labels: `count` class indices.
    @discardableResult
    public func computeGradients(inputs: UnsafePointer<Float>, labels: UnsafePointer<Int>, count: Int,
                                 rngSeed: UInt64 = 0) -> (lossSum: Double, correct: Int) {
        precondition(count > 0)
        let slices = Parallel.ranges(count, parts: min(workerCount, count))
        prepare(capacity: slices.map(\.count).max()!, workers: slices.count)
        let scale = 1 / Float(count)
        var results = [(Double, Int)](repeating: (0, 0), count: slices.count)
        results.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(slices.count) { w in
                let r = slices[w]
                out[w] = workers[w].step(layers: layers, inputs: inputs + r.lowerBound * inputCount,
                                         labels: labels + r.lowerBound, count: r.count, scale: scale,
                                         classes: classCount, seed: rngSeed &+ UInt64(w))
            }
        }
        reduceGradients(workers: slices.count)
        return results.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
    }

    /// Class probabilities (`count × classCount`, row-major) in inference mode.
    public func probabilities(inputs: UnsafePointer<Float>, count: Int) -> [Float] {
        var probabilities = [Float](repeating: 0, count: count * classCount)
        // Chunks that fit the workers a training step already sized, so evaluating a trained
        // model does not replace them with larger ones (each worker holds every layer's
        // activations and gradients for its slice: tens of MB at 128 examples).
        let chunk = capacity > 0 ? capacity * workerCount : 256
        probabilities.withUnsafeMutableBufferPointer { out in
            var start = 0
            while start < count {
                let n = min(chunk, count - start)
                let slices = Parallel.ranges(n, parts: min(workerCount, n))
                prepare(capacity: slices.map(\.count).max()!, workers: slices.count)
                let base = out.baseAddress! + start * classCount
                Parallel.forEach(slices.count) { w in
                    let r = slices[w]
                    workers[w].infer(layers: layers, inputs: inputs + (start + r.lowerBound) * inputCount,
                                     count: r.count, classes: classCount,
                                     into: base + r.lowerBound * classCount)
                }
                start += n
            }
        }
        return probabilities
    }

    /// Class probabilities for a tensor whose first dimension indexes examples.
    public func probabilities(_ inputs: Tensor) -> [Float] {
        inputs.storage.withUnsafeBufferPointer { probabilities(inputs: $0.baseAddress!, count: inputs.shape[0]) }
    }

    func prepare(capacity needed: Int, workers neededWorkers: Int) {
        if needed > capacity {
            capacity = needed
            workers = []
        }
        while workers.count < neededWorkers {
            workers.append(Worker(layers: layers, capacity: capacity))
        }
    }

    /// Sums the workers' gradients into the parameters, in worker order.
    func reduceGradients(workers used: Int) {
        var index = 0
        for (l, layer) in layers.enumerated() {
            for (j, parameter) in layer.parameters.enumerated() {
                parameter.gradient.withUnsafeMutableBufferPointer { dst in
                    workers[0].scratches[l].gradients[j].withUnsafeBufferPointer { src in
                        dst.baseAddress!.update(from: src.baseAddress!, count: dst.count)
                    }
                    for w in 1..<max(used, 1) {
                        workers[w].scratches[l].gradients[j].withUnsafeBufferPointer { src in
                            for i in 0..<dst.count { dst[i] += src[i] }
                        }
                    }
                }
                index += 1
            }
        }
    }
}

/// One worker's activations, activation gradients and layer scratch.
///
/// Activations live in manually allocated buffers so that pointers to them stay valid for the
/// whole step (backward reads the forward outputs of every layer).
///
/// `@unchecked Sendable`: owned by exactly one worker during a step.
final class Worker: @unchecked Sendable {
    let scratches: [LayerScratch]
    /// `activations[l]` is the output of layer `l`.
    let activations: [UnsafeMutablePointer<Float>]
    /// `gradients[l]` is the loss gradient with respect to the output of layer `l`.
    let gradients: [UnsafeMutablePointer<Float>]

    init(layers: [any Layer], capacity: Int) {
        scratches = layers.map { $0.makeScratch(batch: capacity) }
        activations = layers.map { Worker.allocate(capacity * $0.outputCount) }
        gradients = layers.map { Worker.allocate(capacity * $0.outputCount) }
    }

    deinit {
        for p in activations { p.deallocate() }
        for p in gradients { p.deallocate() }
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
        return p
    }

    func forward(layers: [any Layer], inputs: UnsafePointer<Float>, count: Int, training: Bool) {
        var x = inputs
        for l in layers.indices {
            layers[l].forward(x, activations[l], batch: count, scratch: scratches[l], training: training)
            x = UnsafePointer(activations[l])
        }
    }

    func step(layers: [any Layer], inputs: UnsafePointer<Float>, labels: UnsafePointer<Int>, count: Int,
              scale: Float, classes: Int, seed: UInt64) -> (Double, Int) {
        for (l, s) in scratches.enumerated() { s.rng = SeededGenerator(seed: seed).derived(UInt64(l)) }
        forward(layers: layers, inputs: inputs, count: count, training: true)
        let last = layers.count - 1
        let z = activations[last]
        let loss = SoftmaxCrossEntropy.lossAndGradient(
            logits: z, labels: labels, count: count, classes: classes, scale: scale, gradient: gradients[last])
        var correct = 0
        for i in 0..<count {
            var best = 0
            for j in 1..<classes where z[i * classes + j] > z[i * classes + best] { best = j }
            if best == labels[i] { correct += 1 }
        }
        for l in stride(from: last, through: 0, by: -1) {
            let x = l == 0 ? inputs : UnsafePointer(activations[l - 1])
            // The first layer's input gradient is never needed: skip it (saves a GEMM + col2im).
            layers[l].backward(x, activations[l], gradients[l], l == 0 ? nil : gradients[l - 1],
                               batch: count, scratch: scratches[l])
        }
        return (loss, correct)
    }

    func infer(layers: [any Layer], inputs: UnsafePointer<Float>, count: Int, classes: Int,
               into probabilities: UnsafeMutablePointer<Float>) {
        forward(layers: layers, inputs: inputs, count: count, training: false)
        SoftmaxCrossEntropy.probabilities(logits: activations[layers.count - 1], count: count,
                                          classes: classes, into: probabilities)
    }
}
