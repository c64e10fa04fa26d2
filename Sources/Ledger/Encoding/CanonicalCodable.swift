import Foundation

/// A value with one canonical byte encoding (see `CanonicalWriter`).
public protocol CanonicalEncodable {
    func encode(to writer: inout CanonicalWriter)
}

/// A value that can be read back from its canonical encoding.
public protocol CanonicalDecodable {
    init(from reader: inout CanonicalReader) throws(EncodingError)
}

public typealias CanonicalCodable = CanonicalEncodable & CanonicalDecodable

extension CanonicalEncodable {
    /// The canonical bytes of this value alone.
    public var canonicalBytes: [UInt8] {
        var writer = CanonicalWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

extension CanonicalDecodable {
    /// Decodes a complete value, rejecting trailing bytes.
    public init(canonicalBytes: some Collection<UInt8>, context: String) throws(EncodingError) {
        var reader = CanonicalReader(bytes: Array(canonicalBytes), context: context)
        self = try Self(from: &reader)
        try reader.finish()
    }
}

/// Malformed canonical bytes: where, in what, and why.
public struct EncodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public var context: String
    public var offset: Int
    public var message: String

    public init(context: String, offset: Int, message: String) {
        self.context = context
        self.offset = offset
        self.message = message
    }

    public var description: String { "malformed \(context) at byte \(offset): \(message)" }
}
