import Foundation
import Paillier

/// A vector of packed Paillier ciphertexts as a content-store blob.
///
/// ```
/// "MCEV" magic, u8 version = 1, u32 value count, u32 value bits, u32 parties,
/// u32 ciphertext count, u32 bytes per ciphertext (2 × key bytes), then the ciphertexts as
/// big-endian integers of that fixed width
/// ```
/// The encoding is deterministic, so equal ciphertext vectors have equal CIDs: a validator
/// re-multiplies the updates' ciphertexts and compares the product with the master's blob.
public struct EncryptedVector: Sendable, Equatable {
    /// How many values are packed.
    public var count: Int
    public var scheme: PackingScheme
    public var ciphertexts: [PaillierCiphertext]

    static let magic: [UInt8] = Array("MCEV".utf8)

    public func encoded(keyBits: Int) -> [UInt8] {
        let width = 2 * ((keyBits + 7) / 8)
        var out = Self.magic + [1]
        for v in [count, scheme.valueBits, scheme.parties, ciphertexts.count, width] {
            withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) }
        }
        out.reserveCapacity(out.count + ciphertexts.count * width)
        for c in ciphertexts {
            let bytes = c.value.bigEndianBytes
            out.append(contentsOf: [UInt8](repeating: 0, count: width - bytes.count))
            out.append(contentsOf: bytes)
        }
        return out
    }

    public init(count: Int, scheme: PackingScheme, ciphertexts: [PaillierCiphertext]) {
        self.count = count
        self.scheme = scheme
        self.ciphertexts = ciphertexts
    }

    /// Parses a blob; every ciphertext is checked to lie in Z*_{n²} of `publicKey`.
    public init(decoding bytes: [UInt8], publicKey: PaillierPublicKey) throws(FederationError) {
        guard bytes.count >= 25, Array(bytes[0..<4]) == Self.magic, bytes[4] == 1 else {
            throw FederationError("not an encrypted-vector blob")
        }
        func u32(_ at: Int) -> Int {
            Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
        }
        let count = u32(5), valueBits = u32(9), parties = u32(13), n = u32(17), width = u32(21)
        guard width == 2 * ((publicKey.bits + 7) / 8), bytes.count == 25 + n * width else {
            throw FederationError("encrypted-vector blob has the wrong size for its key")
        }
        let scheme: PackingScheme
        do { scheme = try PackingScheme(valueBits: valueBits, parties: parties, publicKey: publicKey) } catch {
            throw FederationError("encrypted-vector blob: \(error)")
        }
        guard scheme.plaintextCount(forValues: count) == n else {
            throw FederationError("encrypted-vector blob holds \(n) ciphertexts for \(count) values")
        }
        let values = (0..<n).map { k in GMPInteger(bigEndian: bytes[(25 + k * width)..<(25 + (k + 1) * width)]) }
        // One batched unit check for the whole vector (a gcd per ciphertext cost more than the
        // homomorphic sum itself).
        let ciphertexts: [PaillierCiphertext]
        do { ciphertexts = try publicKey.ciphertexts(values) } catch {
            throw FederationError("encrypted-vector blob: \(error)")
        }
        self.init(count: count, scheme: scheme, ciphertexts: ciphertexts)
    }
}
