import Foundation
import Testing
@testable import Learning

struct ModelSpecTests {
    @Test func referenceCNNHasThePyTorchStateDictLayout() throws {
        let model = try Sequential(spec: .referenceCNN())
        #expect(model.parameterCount == 205_890)
        let layout = model.namedParameters.map { "\($0.name)\($0.parameter.shape)" }
        #expect(layout == ["0.weight[16, 1, 3, 3]", "0.bias[16]", "3.weight[32, 16, 3, 3]", "3.bias[32]",
                           "7.weight[128, 1568]", "7.bias[128]", "9.weight[2, 128]", "9.bias[2]"])
    }

    @Test func specJSONRoundTripsAndIsCanonical() throws {
        let spec = ModelSpec.referenceCNN()
        let json = spec.canonicalJSON()
        #expect(try ModelSpec.decode(json: json) == spec)
        #expect(String(decoding: json, as: UTF8.self).hasPrefix(
            #"{"architecture":"cnn","class_count":2,"input_shape":[1,28,28],"layers":[{"kernel_size":3,"out_channels":16,"padding":1,"stride":1,"type":"conv2d"}"#))
    }

    @Test func specsWhoseShapesDoNotChainAreRejected() {
        #expect(throws: ModelError.self) {
            try Sequential(spec: ModelSpec(architecture: "custom", inputShape: [1, 4, 4], classCount: 2,
                                           layers: [.linear(outFeatures: 2)]))
        }
        #expect(throws: ModelError.self) {
            try Sequential(spec: ModelSpec(architecture: "custom", inputShape: [3], classCount: 2,
                                           layers: [.linear(outFeatures: 3)]))
        }
        #expect(throws: ModelError.self) {
            try Sequential(spec: ModelSpec(architecture: "custom", inputShape: [1, 2, 2], classCount: 2,
                                           layers: [.conv2d(outChannels: 1, kernelSize: 5, stride: 1, padding: 0)]))
        }
    }

    @Test func flatParametersRoundTripInStateDictOrder() throws {
        let model = try Sequential(spec: .mlp(features: 3, hidden: 2), seed: 5)
        let flat = model.flatParameters()
        #expect(flat.count == 3 * 2 + 2 + 2 * 2 + 2)
        #expect(Array(flat[0..<6]) == model.namedParameters[0].parameter.value)
        let other = try Sequential(spec: .mlp(features: 3, hidden: 2), seed: 6)
        try other.loadFlatParameters(flat)
        #expect(other.flatParameters() == flat)
        #expect(throws: ModelError.self) { try other.loadFlatParameters([1, 2]) }
    }
}
