import Tensor

/// A trainable tensor: its values and the gradient of the loss with respect to them.
///
/// `@unchecked Sendable`: values are written only by the optimiser between steps, never while
/// workers run forward or backward, which only read them.
public final class Parameter: @unchecked Sendable {
    /// The PyTorch `state_dict` suffix: `"weight"` or `"bias"`.
    public let role: String
    public let shape: [Int]
    public var value: [Float]
    public var gradient: [Float]

    public init(role: String, shape: [Int], value: [Float]) {
        precondition(value.count == Tensor.count(of: shape))
        self.role = role
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
    }

    public var count: Int { value.count }
}

/// One worker's private memory for one layer: buffers kept from forward for backward, the
/// worker's share of each parameter gradient, and its random stream.
///
/// `@unchecked Sendable`: each scratch belongs to exactly one worker during a step.
public final class LayerScratch: @unchecked Sendable {
    /// Float buffers the layer asked for (im2col matrices, dropout masks …).
    public var buffers: [[Float]]
    /// Index buffers (max-pooling winners).
    public var indices: [Int32]
    /// This worker's gradient for each parameter, in `Layer.parameters` order.
    public var gradients: [[Float]]
    public var rng = SeededGenerator(seed: 0)
    public let gemm = GemmWorkspace()

    public init(buffers: [[Float]] = [], indices: [Int32] = [], gradients: [[Float]] = []) {
        self.buffers = buffers
        self.indices = indices
        self.gradients = gradients
    }
}

/// A differentiable layer acting on a batch of examples stored contiguously.
///
/// Inputs and outputs are row-major batches: example `i` occupies `inputCount` (or
/// `outputCount`) consecutive floats. Layers hold parameters but no batch state; everything a
/// backward pass needs from the forward pass lives in the worker's `LayerScratch`, so several
/// workers can run one model concurrently on different slices of a batch.
public protocol Layer: AnyObject, Sendable {
    /// Parameters in PyTorch `state_dict` order (weight, then bias).
    var parameters: [Parameter] { get }
    /// Per-example input shape, e.g. `[1, 28, 28]`.
    var inputShape: [Int] { get }
    /// Per-example output shape.
    var outputShape: [Int] { get }
    /// Allocates one worker's scratch for batches of up to `batch` examples.
    func makeScratch(batch: Int) -> LayerScratch
    /// Computes `y` from `x` for `batch` examples.
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
                 scratch: LayerScratch, training: Bool)
    /// Writes this worker's parameter gradients into `scratch.gradients` (overwriting) and,
    /// when `dx` is not nil, the input gradient.
    func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch)
    /// The first pass of per-example clipping (DP-SGD): propagates `dx` exactly as `backward`
    /// does and adds each example's squared L2 norm of this layer's parameter gradients to
    /// `squaredNorms[i]`, without writing `scratch.gradients`.
    ///
    /// `dy` row i must be the gradient of example i's own loss, so that the norms are those of
    /// per-example gradients. Layers without parameters only propagate (the default).
    func backwardPerExampleNorms(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                 _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                                 squaredNorms: UnsafeMutablePointer<Double>)
}

extension Layer {
    public var inputCount: Int { Tensor.count(of: inputShape) }
    public var outputCount: Int { Tensor.count(of: outputShape) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Layers without parameters contribute nothing to the norms: they only propagate.
    public func backwardPerExampleNorms(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                        _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                                        squaredNorms: UnsafeMutablePointer<Double>) {
        precondition(parameters.isEmpty, "\(Self.self) has parameters and must implement backwardPerExampleNorms")
        backward(x, y, dy, dx, batch: batch, scratch: scratch)
    }

    /// A scratch holding a zeroed gradient buffer per parameter and the given buffers.
    func scratch(buffers: [[Float]] = [], indices: [Int32] = []) -> LayerScratch {
        LayerScratch(buffers: buffers, indices: indices,
                     gradients: parameters.map { [Float](repeating: 0, count: $0.count) })
    }
}

/// Σ pᵢ² over `n` floats, accumulated in Double (per-example gradient norms decide clipping).
@inline(__always)
func squaredNorm(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
    var acc = SIMD4<Double>()
    var j = 0
    while j + 4 <= n {
        let v = SIMD4<Double>(Double(p[j]), Double(p[j + 1]), Double(p[j + 2]), Double(p[j + 3]))
        acc += v * v
        j += 4
    }
    var s = acc.sum()
    while j < n { s += Double(p[j]) * Double(p[j]); j += 1 }
    return s
}

/// PyTorch's default initialisation for convolution and linear layers: weights and biases
/// uniform in ±1/√fan_in (kaiming_uniform with a = √5 reduces to this bound).
func uniformInitialisation(count: Int, fanIn: Int, rng: inout SeededGenerator) -> [Float] {
    let bound = 1 / Double(fanIn).squareRoot()
    return (0..<count).map { _ in Float((rng.uniform() * 2 - 1) * bound) }
}
