/// The UnixFS `Data` message carried in the data field of a dag-pb file node.
///
/// ```protobuf
/// message Data {
///   required DataType Type = 1;   // Raw 0, Directory 1, File 2, Metadata 3, Symlink 4, HAMTShard 5
///   optional bytes Data = 2;
///   optional uint64 filesize = 3;
///   repeated uint64 blocksizes = 4;
///   // hashType 5, fanout 6, mode 7, mtime 8: not written by `ipfs add` defaults; ignored
/// }
/// ```
///
/// Kubo's balanced importer writes every node as Type = File: a leaf carries its chunk in
/// `Data` and `filesize` = chunk length; an inner node has no `Data`, `filesize` = bytes below
/// it, and one `blocksizes` entry per link (the file bytes under that link).
public struct UnixFSData: Equatable, Sendable {
    public enum DataType: UInt64, Sendable {
        case raw = 0, directory = 1, file = 2, metadata = 3, symlink = 4, hamtShard = 5
    }

    public var type: DataType
    public var data: [UInt8]?
    public var fileSize: UInt64?
    public var blockSizes: [UInt64]

    public init(type: DataType, data: [UInt8]? = nil, fileSize: UInt64? = nil, blockSizes: [UInt64] = []) {
        self.type = type
        self.data = data
        self.fileSize = fileSize
        self.blockSizes = blockSizes
    }

    /// The protobuf bytes, fields in number order as Go's protobuf writes them.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufWire.appendVarintField(1, type.rawValue, to: &bytes)
        if let data { ProtobufWire.appendBytesField(2, data, to: &bytes) }
        if let fileSize { ProtobufWire.appendVarintField(3, fileSize, to: &bytes) }
        for size in blockSizes { ProtobufWire.appendVarintField(4, size, to: &bytes) }
        return bytes
    }

    /// Decodes UnixFS data; fields 5–8 and unknown fields are skipped.
    public init(decoding bytes: ArraySlice<UInt8>) throws(DAGPBError) {
        var reader = ProtobufWire.Reader(bytes, what: "UnixFS Data")
        var type: DataType?
        var data: [UInt8]?
        var fileSize: UInt64?
        var blockSizes: [UInt64] = []
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            switch (field, wireType) {
            case (1, ProtobufWire.varint):
                let value = try reader.readVarint()
                guard let known = DataType(rawValue: value) else {
                    throw .malformed("UnixFS Data: unknown Type \(value)")
                }
                type = known
            case (2, ProtobufWire.lengthDelimited):
                data = Array(try reader.readBytes())
            case (3, ProtobufWire.varint):
                fileSize = try reader.readVarint()
            case (4, ProtobufWire.varint):
                blockSizes.append(try reader.readVarint())
            case (4, ProtobufWire.lengthDelimited):
                // Packed encoding, which other writers may use.
                var packed = ProtobufWire.Reader(try reader.readBytes(), what: "UnixFS blocksizes")
                while !packed.isAtEnd { blockSizes.append(try packed.readVarint()) }
            default:
                try reader.skip(wireType: wireType)
            }
        }
        guard let type else { throw .malformed("UnixFS Data: missing Type") }
        self.init(type: type, data: data, fileSize: fileSize, blockSizes: blockSizes)
    }

    /// The bytes around a chunk in a dag-pb leaf, so the leaf can be hashed without copying
    /// the chunk: `prefix + chunk + suffix` is the whole block.
    ///
    /// The block is `PBNode{Data: UnixFS{Type: File, Data: chunk, filesize: n}}`.
    /// - Precondition: `count > 0` (the empty file's leaf has no `Data` field at all).
    static func leafFraming(chunkCount count: Int) -> (prefix: [UInt8], suffix: [UInt8]) {
        precondition(count > 0)
        let n = UInt64(count)
        var suffix: [UInt8] = [ProtobufWire.tag(field: 3, wireType: ProtobufWire.varint)]
        Varint.encode(n, into: &suffix)
        var inner: [UInt8] = [ProtobufWire.tag(field: 1, wireType: ProtobufWire.varint), 2]
        inner.append(ProtobufWire.tag(field: 2, wireType: ProtobufWire.lengthDelimited))
        Varint.encode(n, into: &inner)
        let unixFSLength = UInt64(inner.count + count + suffix.count)
        var prefix: [UInt8] = [ProtobufWire.tag(field: 1, wireType: ProtobufWire.lengthDelimited)]
        Varint.encode(unixFSLength, into: &prefix)
        return (prefix + inner, suffix)
    }
}
