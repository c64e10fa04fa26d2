import Tensor

/// Views each example as a vector in C, H, W order (PyTorch `nn.Flatten`). Data are not moved:
/// an NCHW batch is already laid out as `[N, C·H·W]`.
public final class Flatten: Layer {
    public let inputShape: [Int]
    public var outputShape: [Int] { [inputCount] }
    public var parameters: [Parameter] { [] }

    public init(shape: [Int]) { inputShape = shape }

    public func makeScratch(batch: Int) -> LayerScratch { scratch() }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
                        scratch: LayerScratch, training: Bool) {
        y.update(from: x, count: batch * inputCount)
    }

    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                         _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch) {
        dx?.update(from: dy, count: batch * inputCount)
    }
}
