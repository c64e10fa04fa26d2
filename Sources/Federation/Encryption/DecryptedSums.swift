import Foundation

/// The key holder's decryption of a round's encrypted sum: Σ n_k q_k per coordinate and Σ n_k.
///
/// Blob: `"MCSU"`, u8 version = 1, u64 total weight, u64 count, then count × i64, little-endian.
public struct DecryptedSums: Sendable, Equatable {
    public var totalWeight: Int64
    public var numerators: [Int64]

    public init(totalWeight: Int64, numerators: [Int64]) {
        self.totalWeight = totalWeight
        self.numerators = numerators
    }

    public func encoded() -> [UInt8] {
        var out = Array("MCSU".utf8) + [1]
        withUnsafeBytes(of: UInt64(totalWeight).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(numerators.count).littleEndian) { out.append(contentsOf: $0) }
        for v in numerators { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    public init(decoding bytes: [UInt8]) throws(FederationError) {
        guard bytes.count >= 21, Array(bytes[0..<4]) == Array("MCSU".utf8), bytes[4] == 1 else {
            throw FederationError("not a decrypted-sums blob")
        }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
        let weight = Int64(bitPattern: u64(5)), count = Int(u64(13))
        guard weight > 0, bytes.count == 21 + 8 * count else { throw FederationError("decrypted-sums blob has a bad size") }
        numerators = (0..<count).map { Int64(bitPattern: u64(21 + 8 * $0)) }
        totalWeight = weight
    }

    /// The averaged delta, through the same division as plaintext FedAvg.
    public func delta(codec: FixedPointCodec) -> [Float] {
        Aggregator.mean(numerator: numerators, denominator: [Int64](repeating: totalWeight, count: numerators.count), codec: codec)
    }
}
