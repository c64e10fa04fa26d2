import Tensor

/// Rectified linear unit, `max(x, 0)` element-wise.
public final class ReLU: Layer {
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    public var parameters: [Parameter] { [] }

    public init(shape: [Int]) { inputShape = shape }

    public func makeScratch(batch: Int) -> LayerScratch { scratch() }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
                        scratch: LayerScratch, training: Bool) {
        let n = batch * inputCount
        let zero = SIMD8<Float>()
        var i = 0
        let src = UnsafeRawPointer(x), dst = UnsafeMutableRawPointer(y)
        while i + 8 <= n {
            let v = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            dst.storeBytes(of: v.replacing(with: zero, where: v .< zero), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] = max(x[i], 0); i += 1 }
    }

    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                         _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch) {
        guard let dx else { return }
        let n = batch * inputCount
        let zero = SIMD8<Float>()
        var i = 0
        let xs = UnsafeRawPointer(x), ds = UnsafeRawPointer(dy), out = UnsafeMutableRawPointer(dx)
        while i + 8 <= n {
            let v = xs.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let d = ds.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            out.storeBytes(of: zero.replacing(with: d, where: v .> zero), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { dx[i] = x[i] > 0 ? dy[i] : 0; i += 1 }
    }
}
