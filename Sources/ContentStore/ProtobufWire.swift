/// The few pieces of the protobuf wire format that dag-pb and UnixFS need.
///
/// Both schemas are tiny and fixed, and byte-exact output matters (the bytes are hashed into
/// CIDs), so they are encoded by hand rather than through generated code.
enum ProtobufWire {
    /// Wire type 0: a varint.
    static let varint: UInt8 = 0
    /// Wire type 2: a length-delimited byte string.
    static let lengthDelimited: UInt8 = 2

    static func tag(field: UInt8, wireType: UInt8) -> UInt8 { field << 3 | wireType }

    static func appendVarintField(_ field: UInt8, _ value: UInt64, to bytes: inout [UInt8]) {
        bytes.append(tag(field: field, wireType: varint))
        Varint.encode(value, into: &bytes)
    }

    static func appendBytesField(
        _ field: UInt8, _ value: some Collection<UInt8>, to bytes: inout [UInt8]
    ) {
        bytes.append(tag(field: field, wireType: lengthDelimited))
        Varint.encode(UInt64(value.count), into: &bytes)
        bytes += value
    }

    /// Reads protobuf fields one at a time from a byte slice.
    struct Reader {
        let bytes: ArraySlice<UInt8>
        var offset: Int
        let what: String

        init(_ bytes: ArraySlice<UInt8>, what: String) {
            self.bytes = bytes
            offset = bytes.startIndex
            self.what = what
        }

        var isAtEnd: Bool { offset == bytes.endIndex }

        /// The next field number and wire type.
        mutating func readTag() throws(DAGPBError) -> (field: UInt64, wireType: UInt8) {
            let key = try readVarint()
            return (key >> 3, UInt8(key & 7))
        }

        /// Protobuf varints may be ten bytes long (unlike multiformats varints).
        mutating func readVarint() throws(DAGPBError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.endIndex && shift < 70 {
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            throw .malformed("\(what): truncated or overlong varint at byte \(offset)")
        }

        mutating func readBytes() throws(DAGPBError) -> ArraySlice<UInt8> {
            let length = try readVarint()
            guard length <= UInt64(bytes.endIndex - offset) else {
                throw .malformed("\(what): field of \(length) bytes runs past the end")
            }
            let value = bytes[offset..<offset + Int(length)]
            offset += Int(length)
            return value
        }

        /// Skips a field of a known but ignored kind.
        mutating func skip(wireType: UInt8) throws(DAGPBError) {
            switch wireType {
            case ProtobufWire.varint: _ = try readVarint()
            case ProtobufWire.lengthDelimited: _ = try readBytes()
            case 1: try advance(8)
            case 5: try advance(4)
            default: throw .malformed("\(what): unsupported wire type \(wireType)")
            }
        }

        private mutating func advance(_ count: Int) throws(DAGPBError) {
            guard bytes.endIndex - offset >= count else {
                throw .malformed("\(what): fixed-width field runs past the end")
            }
            offset += count
        }
    }
}

/// Why a block is not the dag-pb or UnixFS node it should be.
public enum DAGPBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes break the protobuf or dag-pb rules; the message says where.
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed dag-pb block: \(reason)"
        }
    }
}
