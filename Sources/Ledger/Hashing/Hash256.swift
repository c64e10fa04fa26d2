import Crypto
import Foundation

/// A SHA-256 digest: transaction hashes, block IDs, Merkle and state roots.
///
/// Stored as four words so it hashes and compares quickly as a dictionary key.
public struct Hash256: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = Hash256(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Takes exactly 32 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        if let value = bytes.withContiguousStorageIfAvailable({ Hash256(raw: UnsafeRawBufferPointer($0)) }) {
            self = value
            return
        }
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, byte) in bytes.enumerated() { words[i / 8] = words[i / 8] << 8 | UInt64(byte) }
        self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// From `Data` without a per-byte iterator.
    public init?(bytes data: Data) {
        guard data.count == 32 else { return nil }
        self = data.withUnsafeBytes { Hash256(raw: $0) }
    }

    private init(raw: UnsafeRawBufferPointer) {
        self.init(w0: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                  w1: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  w2: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                  w3: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    public init?(hex: String) {
        guard let bytes = [UInt8](hex: hex), let value = Hash256(bytes: bytes) else { return nil }
        self = value
    }

    init(_ digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { raw in
            Hash256(w0: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    w1: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                    w2: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                    w3: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
        }
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: some DataProtocol) -> Hash256 { Hash256(SHA256.hash(data: bytes)) }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for (i, word) in [w0, w1, w2, w3].enumerated() {
            for j in 0..<8 { out[i * 8 + j] = UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * j)) }
        }
        return out
    }

    public var hex: String { bytes.hexString }
    public var description: String { hex }

    public static func < (a: Hash256, b: Hash256) -> Bool {
        (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
    }

    /// SHA-256 of `prefix ‖ hashes…` from one contiguous buffer: a single call into
    /// BoringSSL instead of one per hash (each incremental `update` has a fixed cost).
    static func sha256<C: Collection>(prefix: UInt8, _ hashes: C) -> Hash256 where C.Element == Hash256 {
        let count = 1 + 32 * hashes.count
        return withUnsafeTemporaryAllocation(byteCount: count, alignment: 8) { buffer in
            buffer[0] = prefix
            var offset = 1
            for hash in hashes {
                buffer.storeBytes(of: hash.w0.bigEndian, toByteOffset: offset, as: UInt64.self)
                buffer.storeBytes(of: hash.w1.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
                buffer.storeBytes(of: hash.w2.bigEndian, toByteOffset: offset + 16, as: UInt64.self)
                buffer.storeBytes(of: hash.w3.bigEndian, toByteOffset: offset + 24, as: UInt64.self)
                offset += 32
            }
            return Hash256(SHA256.hash(data: UnsafeRawBufferPointer(buffer)))
        }
    }

    /// Feeds the 32 bytes into a running SHA-256 without allocating.
    func update(_ hasher: inout SHA256) {
        var words = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        withUnsafeBytes(of: &words) { hasher.update(bufferPointer: $0) }
    }
}

extension Hash256: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(w0); writer.write(w1); writer.write(w2); writer.write(w3)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        self.init(w0: try reader.readUInt64("hash"), w1: try reader.readUInt64("hash"),
                  w2: try reader.readUInt64("hash"), w3: try reader.readUInt64("hash"))
    }
}

extension Hash256: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Hash256(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected 64 hex digits, got \"\(text)\"")
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

extension Collection<UInt8> {
    /// Lower-case hexadecimal.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Parses hexadecimal (either case); nil on odd length or a non-hex character.
    public init?(hex: String) {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        self = out
    }
}
