import Paillier

/// Sample-weighted FedAvg under packed Paillier encryption, producing exactly the integer sums
/// of the plaintext path.
///
/// A hospital with `n` samples encrypts, for each coordinate, `n · (q + offset)` where `q` is its
/// quantised value and `offset = 2^(b−1) − 1` makes it non-negative. Each such value is below
/// `2^(b + w)` where `w` is the bit width of the largest sample count (`weightBound`); summed
/// over at most `parties` hospitals this is `Σ n_k q_k + offset · Σ n_k`, and the slots carry
/// `⌈log₂ parties⌉` padding bits (BatchCrypt-style), so no slot can overflow into its neighbour. The key holder decrypts only the sum and
/// subtracts the offset; the numerators are then averaged by `Aggregator.mean`, the same code
/// the plaintext path uses, so the model is identical bit for bit.
public struct HomomorphicAggregation: Sendable {
    public let publicKey: PaillierPublicKey
    public let scheme: PackingScheme
    public let codec: FixedPointCodec

    public init(publicKey: PaillierPublicKey, codec: FixedPointCodec, weightBound: Int, parties: Int) throws {
        self.publicKey = publicKey
        self.codec = codec
        let weightBits = Int.bitWidth - max(weightBound, 1).leadingZeroBitCount
        scheme = try PackingScheme(valueBits: codec.bits + weightBits, parties: max(parties, 2), publicKey: publicKey)
    }

    var offset: Int64 { Int64(codec.maxLevel) }

    /// A hospital's encrypted contribution.
    public func encrypt(_ update: ModelUpdate, weight: Int, encryptor: PaillierEncryptor) throws -> EncryptedVector {
        guard update.indices == nil else { throw FederationError("homomorphic aggregation needs dense updates (no partial sharing)") }
        let w = UInt64(weight)
        let values = update.values.map { w * UInt64(Int64($0) + offset) }
        return EncryptedVector(count: values.count, scheme: scheme,
                               ciphertexts: try encryptor.encrypt(packing: values, scheme: scheme))
    }

    /// The master's encrypted sum (ciphertext products, slot by slot).
    public func sum(_ vectors: [EncryptedVector]) throws -> EncryptedVector {
        guard let first = vectors.first, vectors.allSatisfy({ $0.count == first.count && $0.scheme == scheme }) else {
            throw FederationError("encrypted updates disagree on their packing")
        }
        return EncryptedVector(count: first.count, scheme: scheme, ciphertexts: publicKey.sum(vectors.map(\.ciphertexts)))
    }

    /// What the key holder's exponentiations run on: crypto_mb (AVX-512 IFMA, eight at a time)
    /// when it is installed and loads, else GMP (docs/paillier.md). Reports name it.
    public static var decryptionEngine: String {
        MultiBufferExponentiator.shared != nil ? "crypto_mb (AVX-512 IFMA)" : "GMP"
    }

    /// The key holder's decryption: Σ n_k q_k per coordinate, given Σ n_k.
    public func decryptSums(_ sum: EncryptedVector, totalWeight: Int, key: PaillierPrivateKey) throws -> [Int64] {
        let raw = try key.decrypt(packed: sum.ciphertexts, scheme: scheme, count: sum.count)
        let shift = offset * Int64(totalWeight)
        return raw.map { Int64(bitPattern: $0) - shift }
    }
}
