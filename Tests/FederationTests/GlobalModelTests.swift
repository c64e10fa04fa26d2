import Learning
import Tensor
import Testing
@testable import Federation

/// A model's CID, hashed from the header and the parameters' own memory, is the CID of the
/// blob the master stores.
struct GlobalModelTests {
    static func model(_ spec: ModelSpec, round: Int) throws -> GlobalModel {
        var model = try GlobalModel.initial(FederatedTaskConfig(modelSpec: spec))
        var rng = SeededGenerator(seed: 3)
        model.parameters = model.parameters.map { _ in Float(rng.uniform()) - 0.5 }
        model.round = round
        return model
    }

    /// The reference CNN spans four chunks; the metadata (as a homomorphic round writes it)
    /// lengthens the header, which moves every chunk boundary within the parameters.
    @Test(arguments: [[:], [GlobalModel.encryptedSumKey: "QmSum", GlobalModel.decryptedSumsKey: "QmSums"]])
    func cidWithoutTheBlobIsTheBlobsCID(metadata: [String: String]) throws {
        let spec = ModelSpec.referenceCNN()
        let model = try Self.model(spec, round: 7)
        let blob = try model.blob(spec: spec, metadata: metadata)
        #expect(blob.count > 3 * 262_144)
        #expect(try model.cid(spec: spec, metadata: metadata) == GlobalModel.cid(ofBlob: blob))
    }

    /// A model smaller than one chunk is hashed from its blob.
    @Test func aModelWithinOneChunkGetsItsBlobsCID() throws {
        let spec = ModelSpec.logistic(features: 30)
        let model = try Self.model(spec, round: 2)
        #expect(try model.cid(spec: spec) == GlobalModel.cid(ofBlob: model.blob(spec: spec)))
    }
}
