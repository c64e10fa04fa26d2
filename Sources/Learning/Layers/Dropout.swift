import Tensor

/// Inverted dropout: in training each element is zeroed with probability `p` and the survivors
/// are scaled by `1/(1−p)`; at inference it is the identity.
public final class Dropout: Layer {
    public let inputShape: [Int]
    public let probability: Float
    public var outputShape: [Int] { inputShape }
    public var parameters: [Parameter] { [] }

    public init(shape: [Int], probability: Float) {
        precondition(probability >= 0 && probability < 1, "dropout probability in [0, 1)")
        inputShape = shape
        self.probability = probability
    }

    public func makeScratch(batch: Int) -> LayerScratch {
        scratch(buffers: [[Float](repeating: 0, count: batch * inputCount)])
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
                        scratch: LayerScratch, training: Bool) {
        let n = batch * inputCount
        guard training && probability > 0 else {
            y.update(from: x, count: n)
            return
        }
        let keep = 1 - probability
        let scale = 1 / keep
        scratch.buffers[0].withUnsafeMutableBufferPointer { mask in
            for i in 0..<n {
                let m: Float = Float(scratch.rng.uniform()) < keep ? scale : 0
                mask[i] = m
                y[i] = x[i] * m
            }
        }
    }

    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                         _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch) {
        guard let dx else { return }
        let n = batch * inputCount
        if probability == 0 {
            dx.update(from: dy, count: n)
            return
        }
        scratch.buffers[0].withUnsafeBufferPointer { mask in
            for i in 0..<n { dx[i] = dy[i] * mask[i] }
        }
    }
}
