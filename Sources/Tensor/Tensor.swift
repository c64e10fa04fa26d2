/// A dense, row-major array of `Float` values with a shape.
///
/// Images use NCHW order (batch, channel, height, width), matching PyTorch, so weights and
/// activations can be exchanged with it without transposition.
public struct Tensor: Sendable, Equatable {
    /// The size of each dimension, outermost first.
    public var shape: [Int]
    /// The elements in row-major order; `storage.count == shape.reduce(1, *)`.
    public var storage: [Float]

    /// Creates a tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.storage = [Float](repeating: 0, count: Tensor.count(of: shape))
    }

    /// Creates a tensor from existing values.
    /// - Precondition: `storage.count` equals the product of `shape`.
    public init(shape: [Int], storage: [Float]) {
        precondition(storage.count == Tensor.count(of: shape), "storage does not fit shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    /// The number of elements.
    public var count: Int { storage.count }

    /// The number of elements a tensor of `shape` holds.
    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }
}
