import ContentStore
import Foundation
import Paillier
import Testing
@testable import Federation

/// The office's homomorphic key is a subgroup key: its published JWK carries the mask base,
/// hospitals' encryptors built from that JWK use it, and the summed updates decrypt with the
/// short exponents to the exact integer sums.
struct HomomorphicSubgroupKeyTests {
    /// A small consortium (single validator) in a fresh folder, removed by the caller.
    static func consortium() throws -> (dir: URL, consortium: FederatedConsortium) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("he-key-\(UUID().uuidString)")
        let consortium = try FederatedConsortium(directory: dir, shares: ConsortiumTests.shares().shares,
                                                 spec: ConsortiumTests.config().modelSpec, seed: 1, ordering: .single)
        return (dir, consortium)
    }

    @Test func thePublishedKeyMakesSumsThatDecryptInTheSubgroup() throws {
        let (dir, consortium) = try Self.consortium()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cid = try consortium.makeHomomorphicKey(bits: 1024)
        let key = try #require(consortium.homomorphicKey)
        #expect(key.subgroup != nil)

        // What a hospital or validator reads from the office's store.
        let jwk = try consortium.officeStore.bytes(of: try #require(CID(cid)))
        let publicKey = try PaillierJWK.publicKey(from: Data(jwk))
        #expect(publicKey == key.publicKey && publicKey.maskBase == key.publicKey.maskBase && publicKey.maskBase != nil)

        let codec = FixedPointCodec()
        let weights = [40, 30, 50]
        let he = try HomomorphicAggregation(publicKey: publicKey, codec: codec, weightBound: 50, parties: weights.count)
        let count = 500
        var generator = SystemRandomNumberGenerator()
        let levels = Int32(codec.maxLevel)
        let updates = weights.map { _ in
            ModelUpdate(codec: codec, parameterCount: count,
                        values: (0..<count).map { _ in Int32.random(in: -levels...levels, using: &generator) })
        }
        let vectors = try zip(updates, weights).map { update, weight in
            try he.encrypt(update, weight: weight, encryptor: PaillierEncryptor(publicKey: publicKey))
        }
        let sum = try he.sum(vectors)
        #expect(sum.ciphertexts.allSatisfy { key.decryptInSubgroup(raw: $0) != nil })
        let sums = try he.decryptSums(sum, totalWeight: weights.reduce(0, +), key: key)
        let expected = (0..<count).map { i in zip(updates, weights).reduce(Int64(0)) { $0 + Int64($1.1) * Int64($1.0.values[i]) } }
        #expect(sums == expected)
    }

    @Test func aStandardKeyCanStillBeAskedFor() throws {
        let (dir, consortium) = try Self.consortium()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cid = try consortium.makeHomomorphicKey(bits: 1024, subgroup: false)
        #expect(consortium.homomorphicKey?.subgroup == nil)
        let jwk = try consortium.officeStore.bytes(of: try #require(CID(cid)))
        #expect(!String(decoding: jwk, as: UTF8.self).contains("medchain_hs"))
    }
}
