import Foundation
import Testing
@testable import Learning

struct SafetensorsTests {
    @Test func savingALoadedModelGivesIdenticalBytes() throws {
        let model = try Sequential(spec: .referenceCNN(), seed: 3)
        let bytes = ModelFile.encode(model, metadata: ["medchain.threshold": "0.42"])
        let (loaded, metadata) = try ModelFile.decode(bytes, file: "model.safetensors")
        #expect(metadata["medchain.threshold"] == "0.42")
        #expect(loaded.flatParameters().map(\.bitPattern) == model.flatParameters().map(\.bitPattern))
        #expect(ModelFile.encode(loaded, metadata: ["medchain.threshold": "0.42"]) == bytes)
    }

    // Layout written by hand from the format description: u64 LE header length, JSON, data.
    @Test func headerFollowsTheSafetensorsLayout() throws {
        let data = Safetensors.encode([.init(name: "w", shape: [2], values: [1, -2])], metadata: ["k": "v\"q"])
        let n = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        #expect(n % 8 == 0)
        let header = String(decoding: data[8..<(8 + n)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        #expect(header == #"{"__metadata__":{"k":"v\"q"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#)
        #expect(Array(data.suffix(8)) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
    }

    @Test func aFileWhoseShapesDoNotFitTheSpecIsRejectedByName() throws {
        let model = try Sequential(spec: .logistic(features: 3))
        var entries = model.namedParameters.map { Safetensors.Entry(name: $0.name, shape: $0.parameter.shape, values: $0.parameter.value) }
        entries[0] = .init(name: "0.weight", shape: [3, 2], values: entries[0].values)
        let bad = Safetensors.encode(entries, metadata: [ModelFile.specKey: String(decoding: model.spec.canonicalJSON(), as: UTF8.self)])
        #expect {
            try ModelFile.decode(bad, file: "bad.safetensors")
        } throws: { error in
            "\(error)".contains("bad.safetensors") && "\(error)".contains("0.weight") && "\(error)".contains("[3, 2]")
        }
    }

    @Test func truncatedFilesAreRejected() throws {
        let model = try Sequential(spec: .logistic(features: 3))
        let bytes = ModelFile.encode(model)
        for cut in [0, 5, 20, bytes.count - 1] {
            #expect(throws: ModelError.self) { try ModelFile.decode(bytes.prefix(cut), file: "cut.safetensors") }
        }
    }

    @Test func encodingFlatParametersGivesTheSameBytesAsEncodingTheModel() throws {
        let model = try Sequential(spec: .referenceCNN(), seed: 5)
        let metadata = ["medchain.round": "7"]
        let direct = try ModelFile.encode(spec: model.spec, parameters: model.flatParameters(), metadata: metadata)
        #expect(direct == ModelFile.encode(model, metadata: metadata))
        #expect(throws: ModelError.self) {
            try ModelFile.encode(spec: model.spec, parameters: Array(model.flatParameters().dropLast()))
        }
    }
}
