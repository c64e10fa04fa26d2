/// A dag-pb node: an ordered list of links and an optional data payload.
///
/// ```protobuf
/// message PBLink { optional bytes Hash = 1; optional string Name = 2; optional uint64 Tsize = 3; }
/// message PBNode { repeated PBLink Links = 2; optional bytes Data = 1; }
/// ```
///
/// The dag-pb specification fixes the byte layout so that a node has one encoding: links are
/// written *before* data although data has the lower field number, link fields go in
/// field order, and decoders reject anything else. Kubo writes `Name` even when it is empty,
/// so UnixFS file nodes carry `12 00` in every link; `DAGPBLink.name` keeps that distinction.
public struct DAGPBNode: Equatable, Sendable {
    public var links: [DAGPBLink]
    public var data: [UInt8]?

    public init(links: [DAGPBLink] = [], data: [UInt8]? = nil) {
        self.links = links
        self.data = data
    }

    /// The canonical dag-pb bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        for link in links {
            ProtobufWire.appendBytesField(2, link.encoded(), to: &bytes)
        }
        if let data { ProtobufWire.appendBytesField(1, data, to: &bytes) }
        return bytes
    }

    /// Decodes a dag-pb block, enforcing the specification's strict field order.
    ///
    /// - Throws: `DAGPBError.malformed` naming the rule that was broken.
    public init(decoding bytes: [UInt8]) throws(DAGPBError) {
        var reader = ProtobufWire.Reader(bytes[...], what: "PBNode")
        var links: [DAGPBLink] = []
        var data: [UInt8]?
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            guard wireType == ProtobufWire.lengthDelimited else {
                throw .malformed("PBNode: field \(field) has wire type \(wireType), expected 2")
            }
            switch field {
            case 2:
                guard data == nil else { throw .malformed("PBNode: a link follows the data") }
                links.append(try DAGPBLink(decoding: try reader.readBytes()))
            case 1:
                guard data == nil else { throw .malformed("PBNode: data appears twice") }
                data = Array(try reader.readBytes())
            default:
                throw .malformed("PBNode: unknown field \(field)")
            }
        }
        self.init(links: links, data: data)
    }
}

/// A named, sized pointer from one dag-pb node to another block.
public struct DAGPBLink: Equatable, Sendable {
    /// The CID of the target block.
    public var cid: CID
    /// The link name; `""` (present but empty) in UnixFS file nodes, nil when absent.
    public var name: String?
    /// The total size of the target block and everything below it.
    public var totalSize: UInt64?

    public init(cid: CID, name: String? = "", totalSize: UInt64?) {
        self.cid = cid
        self.name = name
        self.totalSize = totalSize
    }

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufWire.appendBytesField(1, cid.bytes, to: &bytes)
        if let name { ProtobufWire.appendBytesField(2, Array(name.utf8), to: &bytes) }
        if let totalSize { ProtobufWire.appendVarintField(3, totalSize, to: &bytes) }
        return bytes
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(DAGPBError) {
        var reader = ProtobufWire.Reader(bytes, what: "PBLink")
        var cid: CID?
        var name: String?
        var totalSize: UInt64?
        var lastField: UInt64 = 0
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            guard field > lastField else {
                throw .malformed("PBLink: field \(field) out of order or repeated")
            }
            lastField = field
            switch (field, wireType) {
            case (1, ProtobufWire.lengthDelimited):
                let raw = try reader.readBytes()
                do {
                    cid = try CID(bytes: Array(raw))
                } catch {
                    throw .malformed("PBLink: Hash is not a CID (\(error))")
                }
            case (2, ProtobufWire.lengthDelimited):
                let raw = try reader.readBytes()
                guard let text = String(validating: raw, as: UTF8.self) else {
                    throw .malformed("PBLink: Name is not UTF-8")
                }
                name = text
            case (3, ProtobufWire.varint):
                totalSize = try reader.readVarint()
            default:
                throw .malformed("PBLink: unexpected field \(field) with wire type \(wireType)")
            }
        }
        guard let cid else { throw .malformed("PBLink: missing Hash") }
        self.init(cid: cid, name: name, totalSize: totalSize)
    }
}
