import Tensor

/// Max pooling with a square window (PyTorch `MaxPool2d(kernel, stride)`, no padding).
public final class MaxPool2d: Layer {
    public let geometry: ConvolutionGeometry
    public var parameters: [Parameter] { [] }
    public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
    public var outputShape: [Int] { [geometry.channels, geometry.outputHeight, geometry.outputWidth] }

    public init(geometry: ConvolutionGeometry) { self.geometry = geometry }

    public func makeScratch(batch: Int) -> LayerScratch {
        scratch(indices: [Int32](repeating: 0, count: batch * outputCount))
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
                        scratch: LayerScratch, training: Bool) {
        let inCount = inputCount, outCount = outputCount
        scratch.indices.withUnsafeMutableBufferPointer { argmax in
            for i in 0..<batch {
                MaxPooling.forward(geometry, image: x + i * inCount, output: y + i * outCount,
                                   argmax: argmax.baseAddress! + i * outCount)
            }
        }
    }

    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                         _ dx: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch) {
        guard let dx else { return }
        let inCount = inputCount, outCount = outputCount
        scratch.indices.withUnsafeBufferPointer { argmax in
            for i in 0..<batch {
                MaxPooling.backward(geometry, outputGradient: dy + i * outCount,
                                    argmax: argmax.baseAddress! + i * outCount, inputGradient: dx + i * inCount)
            }
        }
    }
}
