/// A cheap, reproducible byte stream of any length, for tests and benchmarks.
///
/// The stream repeats a 65,521-byte pattern (a prime length, so consecutive 256 KiB chunks
/// start at different pattern offsets and all differ, up to 16 GiB) filled with SplitMix64
/// outputs in little-endian order. Reading is a `memcpy`, so the generator costs far less than
/// the hashing it feeds. `Tests/ContentStoreTests/Inputs/golden_cids.py` writes the same bytes
/// in Python for reference implementations.
public struct DeterministicBytes: ByteSource, Sendable {
    public static let patternLength = 65_521

    public let count: Int
    private let pattern: [UInt8]
    private var offset = 0

    /// A stream of `count` bytes determined by `seed`.
    public init(seed: UInt64, count: Int) {
        self.count = count
        var pattern = [UInt8]()
        pattern.reserveCapacity(Self.patternLength + 8)
        var state = seed
        while pattern.count < Self.patternLength {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            withUnsafeBytes(of: z.littleEndian) { pattern += $0 }
        }
        self.pattern = Array(pattern.prefix(Self.patternLength))
    }

    /// All the bytes at once (for small streams in tests).
    public var allBytes: [UInt8] {
        var copy = self
        copy.offset = 0
        var bytes = [UInt8](repeating: 0, count: count)
        _ = bytes.withUnsafeMutableBytes { try! copy.read(into: $0) }
        return bytes
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let total = min(buffer.count, count - offset)
        var written = 0
        pattern.withUnsafeBytes { source in
            while written < total {
                let start = (offset + written) % Self.patternLength
                let run = min(total - written, Self.patternLength - start)
                (buffer.baseAddress! + written).copyMemory(
                    from: source.baseAddress! + start, byteCount: run)
                written += run
            }
        }
        offset += total
        return total
    }
}
