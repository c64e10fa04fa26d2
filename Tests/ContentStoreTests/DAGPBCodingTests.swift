import Testing
@testable import ContentStore

/// The dag-pb and UnixFS codecs on their own, against the dag-pb specification's rules
/// (github.com/ipld/specs, block-layer/codecs/dag-pb.md).
struct DAGPBCodingTests {
    static let leafCID = CID(v1: .raw, multihash: .sha2_256(Array("x".utf8)))

    @Test func nodesRoundTripWithLinksBeforeData() throws {
        let node = DAGPBNode(
            links: [
                DAGPBLink(cid: Self.leafCID, name: "", totalSize: 1),
                DAGPBLink(cid: Self.leafCID, name: nil, totalSize: nil),
            ],
            data: [8, 2])
        let bytes = node.encoded()
        #expect(bytes.first == 0x12)  // field 2 (Links) first, although Data is field 1
        #expect(Array(bytes.suffix(4)) == [0x0a, 0x02, 0x08, 0x02])
        #expect(try DAGPBNode(decoding: bytes) == node)
        #expect(try DAGPBNode(decoding: []) == DAGPBNode())
    }

    @Test func dataBeforeALinkIsRejected() throws {
        let link = DAGPBNode(links: [DAGPBLink(cid: Self.leafCID, totalSize: 1)]).encoded()
        let data = DAGPBNode(data: [1]).encoded()
        #expect(throws: DAGPBError.malformed("PBNode: a link follows the data")) {
            try DAGPBNode(decoding: data + link)
        }
        #expect(throws: DAGPBError.malformed("PBNode: data appears twice")) {
            try DAGPBNode(decoding: data + data)
        }
    }

    @Test func unknownFieldsTruncationAndBadLinksAreRejected() {
        #expect(throws: DAGPBError.malformed("PBNode: unknown field 3")) { try DAGPBNode(decoding: [0x1a, 0x00]) }
        #expect(throws: DAGPBError.malformed("PBNode: field 1 has wire type 0, expected 2")) {
            try DAGPBNode(decoding: [0x08, 0x01])
        }
        #expect(throws: DAGPBError.malformed("PBNode: field of 5 bytes runs past the end")) {
            try DAGPBNode(decoding: [0x0a, 0x05, 0x01])
        }
        // A link without Hash, and one whose fields are out of order (Tsize before Hash).
        #expect(throws: DAGPBError.malformed("PBLink: missing Hash")) { try DAGPBNode(decoding: [0x12, 0x02, 0x18, 0x01]) }
        let hash = [0x0a, UInt8(Self.leafCID.bytes.count)] + Self.leafCID.bytes
        #expect(throws: DAGPBError.malformed("PBLink: field 1 out of order or repeated")) {
            let link: [UInt8] = [0x18, 0x01] + hash
            _ = try DAGPBNode(decoding: [0x12, UInt8(link.count)] + link)
        }
    }

    @Test func unixFSDataRoundTripsAndReadsPackedBlockSizes() throws {
        let data = UnixFSData(type: .file, fileSize: 300, blockSizes: [100, 200])
        #expect(data.encoded() == hex("08 02 18 ac 02 20 64 20 c8 01"))
        #expect(try UnixFSData(decoding: data.encoded()[...]) == data)
        // blocksizes packed (field 4, wire type 2), as some writers emit them.
        #expect(try UnixFSData(decoding: hex("08 02 18 ac 02 22 03 64 c8 01")[...]) == data)
        #expect(throws: DAGPBError.malformed("UnixFS Data: missing Type")) {
            try UnixFSData(decoding: hex("18 01")[...])
        }
        #expect(throws: DAGPBError.malformed("UnixFS Data: unknown Type 9")) {
            try UnixFSData(decoding: hex("08 09")[...])
        }
    }

    @Test(arguments: [1, 127, 128, 1000, 262_144])
    func leafFramingAroundAChunkEqualsTheEncodedLeaf(_ count: Int) {
        let chunk = [UInt8](repeating: 0xAB, count: count)
        let (prefix, suffix) = UnixFSData.leafFraming(chunkCount: count)
        let leaf = DAGPBNode(data: UnixFSData(type: .file, data: chunk, fileSize: UInt64(count)).encoded())
        #expect(prefix + chunk + suffix == leaf.encoded())
    }

    /// `ipfs add --raw-leaves` without `--cid-version`: raw leaves (CIDv1, since v0 cannot
    /// name raw blocks), dag-pb inner nodes as CIDv0.
    @Test func rawLeavesWithVersion0GiveV1LeavesUnderAV0Root() throws {
        let options = ImportOptions(cidVersion: .v0, rawLeaves: true)
        let single = try importCollecting(MemoryByteSource(Array("hello world".utf8)), options: options)
        #expect(single.result.root.description == "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")
        let bytes = DeterministicBytes(seed: 1, count: 2 * 262_144).allBytes
        let (result, blocks) = try importCollecting(MemoryByteSource(bytes), options: options)
        #expect(result.root.version == .v0)
        let links = try DAGPBNode(decoding: try #require(blocks[result.root])).links
        let v1 = try importCollecting(MemoryByteSource(bytes), options: ImportOptions(cidVersion: .v1))
        let v1Links = try DAGPBNode(decoding: try #require(v1.blocks[v1.result.root])).links
        #expect(links.map(\.cid) == v1Links.map(\.cid))
        #expect(links.allSatisfy { $0.cid.codec == .raw && $0.cid.version == .v1 })
    }
}
