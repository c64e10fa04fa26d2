import Foundation
import Tensor

/// A model architecture as data: what a task publishes on the ledger and what a safetensors
/// file carries in its metadata, so any node can rebuild the exact network.
///
/// Layers are listed in `nn.Sequential` order; layer `i`'s parameters are named `"i.weight"`
/// and `"i.bias"`, exactly as in the PyTorch `state_dict` of the same stack. Input sizes of each
/// layer are inferred from `inputShape`, so the spec cannot contradict itself.
///
/// ```json
/// {"architecture":"cnn","input_shape":[1,28,28],"class_count":2,
///  "layers":[{"type":"conv2d","out_channels":16,"kernel_size":3,"stride":1,"padding":1}, …]}
/// ```
public struct ModelSpec: Codable, Sendable, Equatable {
    /// A short name for people and the CLI: `cnn`, `mlp`, `logistic` or `custom`.
    public var architecture: String
    /// Per-example input shape: `[C, H, W]` for images, `[F]` for tables.
    public var inputShape: [Int]
    public var classCount: Int
    public var layers: [LayerSpec]

    public init(architecture: String, inputShape: [Int], classCount: Int, layers: [LayerSpec]) {
        self.architecture = architecture
        self.inputShape = inputShape
        self.classCount = classCount
        self.layers = layers
    }

    enum CodingKeys: String, CodingKey {
        case architecture
        case inputShape = "input_shape"
        case classCount = "class_count"
        case layers
    }

    /// The reference CNN of the chest X-ray task: two 3×3 conv/ReLU/max-pool stages (16 and 32
    /// channels), then 128 hidden units. 205,890 parameters for 1×28×28 inputs and 2 classes.
    public static func referenceCNN(inputShape: [Int] = [1, 28, 28], classCount: Int = 2) -> ModelSpec {
        ModelSpec(architecture: "cnn", inputShape: inputShape, classCount: classCount, layers: [
            .conv2d(outChannels: 16, kernelSize: 3, stride: 1, padding: 1), .relu, .maxPool2d(kernelSize: 2, stride: 2),
            .conv2d(outChannels: 32, kernelSize: 3, stride: 1, padding: 1), .relu, .maxPool2d(kernelSize: 2, stride: 2),
            .flatten, .linear(outFeatures: 128), .relu, .linear(outFeatures: classCount),
        ])
    }

    /// A one-hidden-layer perceptron for tables.
    public static func mlp(features: Int, hidden: Int = 32, classCount: Int = 2) -> ModelSpec {
        ModelSpec(architecture: "mlp", inputShape: [features], classCount: classCount,
                  layers: [.linear(outFeatures: hidden), .relu, .linear(outFeatures: classCount)])
    }

    /// Multinomial logistic regression (a single linear layer under softmax cross-entropy; for
    /// two classes it is ordinary logistic regression on the logit difference).
    public static func logistic(features: Int, classCount: Int = 2) -> ModelSpec {
        ModelSpec(architecture: "logistic", inputShape: [features], classCount: classCount,
                  layers: [.linear(outFeatures: classCount)])
    }

    /// The canonical JSON: keys sorted, no whitespace, so equal specs give equal bytes.
    public func canonicalJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(self)
    }

    public static func decode(json: Data) throws -> ModelSpec {
        do {
            return try JSONDecoder().decode(ModelSpec.self, from: json)
        } catch {
            throw ModelError.invalidSpec("cannot decode model spec JSON: \(error)")
        }
    }
}

/// One layer of a `ModelSpec`.
public enum LayerSpec: Codable, Sendable, Equatable {
    case conv2d(outChannels: Int, kernelSize: Int, stride: Int, padding: Int)
    case relu
    case maxPool2d(kernelSize: Int, stride: Int)
    case flatten
    case linear(outFeatures: Int)
    case dropout(probability: Float)

    enum CodingKeys: String, CodingKey {
        case type
        case outChannels = "out_channels"
        case kernelSize = "kernel_size"
        case stride, padding
        case outFeatures = "out_features"
        case probability = "p"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "conv2d":
            self = .conv2d(outChannels: try c.decode(Int.self, forKey: .outChannels),
                           kernelSize: try c.decode(Int.self, forKey: .kernelSize),
                           stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? 1,
                           padding: try c.decodeIfPresent(Int.self, forKey: .padding) ?? 0)
        case "relu": self = .relu
        case "maxpool2d":
            let k = try c.decode(Int.self, forKey: .kernelSize)
            self = .maxPool2d(kernelSize: k, stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? k)
        case "flatten": self = .flatten
        case "linear": self = .linear(outFeatures: try c.decode(Int.self, forKey: .outFeatures))
        case "dropout": self = .dropout(probability: try c.decode(Float.self, forKey: .probability))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                debugDescription: "unknown layer type '\(type)' (expected conv2d, relu, maxpool2d, flatten, linear, dropout)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .conv2d(out, k, s, p):
            try c.encode("conv2d", forKey: .type)
            try c.encode(out, forKey: .outChannels)
            try c.encode(k, forKey: .kernelSize)
            try c.encode(s, forKey: .stride)
            try c.encode(p, forKey: .padding)
        case .relu: try c.encode("relu", forKey: .type)
        case let .maxPool2d(k, s):
            try c.encode("maxpool2d", forKey: .type)
            try c.encode(k, forKey: .kernelSize)
            try c.encode(s, forKey: .stride)
        case .flatten: try c.encode("flatten", forKey: .type)
        case let .linear(out):
            try c.encode("linear", forKey: .type)
            try c.encode(out, forKey: .outFeatures)
        case let .dropout(p):
            try c.encode("dropout", forKey: .type)
            try c.encode(p, forKey: .probability)
        }
    }
}
