import Foundation

/// An Ed25519 signature: 64 bytes, R then S (RFC 8032 §5.1.6).
public struct Signature: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 64 else { return nil }
        self.bytes = Array(bytes)
    }

    public init?(hex: String) {
        guard let raw = [UInt8](hex: hex) else { return nil }
        self.init(bytes: raw)
    }

    public var hex: String { bytes.hexString }
    public var description: String { hex }
}

extension Signature: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) { writer.write(raw: bytes) }
    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        bytes = try reader.readRaw(count: 64, "signature")
    }
}

extension Signature: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Signature(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected 128 hex digits, got \"\(text)\"")
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
