import Crypto
import Foundation

/// An Ed25519 public key (32 bytes, RFC 8032 encoding): a member's identity on the ledger.
///
/// Kept as four words (like `Hash256`) so it is cheap to hash and compare as a dictionary key.
/// Keys order by their bytes, which is the order of sorted validator lists and certificates.
public struct PublicKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    let words: Hash256

    public init?(bytes: some Collection<UInt8>) {
        guard let words = Hash256(bytes: bytes) else { return nil }
        self.words = words
    }

    public init?(bytes data: Data) {
        guard let words = Hash256(bytes: data) else { return nil }
        self.words = words
    }

    public init?(hex: String) {
        guard let words = Hash256(hex: hex) else { return nil }
        self.words = words
    }

    public var bytes: [UInt8] { words.bytes }
    public var hex: String { words.hex }
    /// The first 8 hex digits, for logs and tables.
    public var shortHex: String { String(hex.prefix(8)) }
    public var description: String { hex }

    public static func < (a: PublicKey, b: PublicKey) -> Bool { a.words < b.words }

    /// Checks an Ed25519 signature (RFC 8032 §5.1.7, as BoringSSL implements it: S must be
    /// below the group order, so signatures are not malleable).
    public func isValidSignature(_ signature: Signature, for message: some DataProtocol) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else { return false }
        return key.isValidSignature(signature.bytes, for: message)
    }
}

extension PublicKey: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) { words.encode(to: &writer) }
    public init(from reader: inout CanonicalReader) throws(EncodingError) { words = try Hash256(from: &reader) }
}

extension PublicKey: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let key = PublicKey(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a 64-hex-digit Ed25519 public key, got \"\(text)\"")
        }
        self = key
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
