import Crypto
import Foundation

/// A self-describing hash: the hash function's multicodec code, the digest length, the digest.
///
/// MedChain creates only sha2-256 multihashes (code `0x12`, 32 bytes), as `ipfs add` does, and
/// verifies only those; other codes can be parsed and printed.
public struct Multihash: Hashable, Sendable {
    /// The multicodec code of sha2-256.
    public static let sha2_256Code: UInt64 = 0x12

    /// The hash function's multicodec code.
    public let code: UInt64
    /// The digest itself.
    public let digest: [UInt8]

    /// Wraps an existing digest.
    public init(code: UInt64, digest: [UInt8]) {
        self.code = code
        self.digest = digest
    }

    /// The sha2-256 multihash of `bytes`.
    public static func sha2_256(_ bytes: some DataProtocol) -> Multihash {
        Multihash(code: sha2_256Code, digest: Array(SHA256.hash(data: bytes)))
    }

    /// The sha2-256 multihash of the bytes in `buffer`.
    public static func sha2_256(bufferPointer buffer: UnsafeRawBufferPointer) -> Multihash {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        return Multihash(code: sha2_256Code, digest: Array(hasher.finalize()))
    }

    /// The binary form: varint code, varint digest length, digest.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digest.count + 4)
        Varint.encode(code, into: &bytes)
        Varint.encode(UInt64(digest.count), into: &bytes)
        bytes += digest
        return bytes
    }

    /// Whether `bytes` hash to this multihash.
    ///
    /// - Throws: `CIDError.unsupportedHash` for a hash function MedChain cannot compute.
    public func matches(_ bytes: some DataProtocol) throws(CIDError) -> Bool {
        guard code == Self.sha2_256Code, digest.count == SHA256.byteCount else {
            throw .unsupportedHash(code: code, length: digest.count)
        }
        return SHA256.hash(data: bytes) == digest
    }

    /// Reads a binary multihash at `offset` in `bytes`, advancing `offset` past it.
    static func decode(_ bytes: [UInt8], at offset: inout Int) throws(CIDError) -> Multihash {
        let code: UInt64
        let length: UInt64
        do {
            code = try Varint.decode(bytes, at: &offset)
            length = try Varint.decode(bytes, at: &offset)
        } catch {
            throw CIDError.varint(error)
        }
        guard length <= UInt64(bytes.count - offset) else {
            throw .digestLength(declared: Int(clamping: length), available: bytes.count - offset)
        }
        let digest = Array(bytes[offset..<offset + Int(length)])
        offset += Int(length)
        return Multihash(code: code, digest: digest)
    }
}
