import Testing
@testable import ContentStore

/// The shape and bytes of UnixFS DAGs, checked by hand computation and against the v0 goldens.
struct DAGStructureTests {
    @Test func helloWorldLeafIsTheUnixFSFileNodeByteForByte() throws {
        let (result, blocks) = try importCollecting(
            MemoryByteSource(Array("hello world".utf8)), options: .kuboDefault)
        // PBNode{Data: UnixFS{Type: File(2), Data: "hello world", filesize: 11}}
        #expect(blocks[result.root] == hex("0a 11 08 02 12 0b 68656c6c6f20776f726c64 18 0b"))
        #expect(result.blockCount == 1)
        #expect(result.dagSize == 19)
    }

    @Test func emptyFileIsAFileNodeWithoutDataField() throws {
        let (result, blocks) = try importCollecting(MemoryByteSource([]), options: .kuboDefault)
        #expect(blocks[result.root] == hex("0a 04 08 02 18 00"))
        let (raw, rawBlocks) = try importCollecting(
            MemoryByteSource([]), options: ImportOptions(cidVersion: .v1))
        #expect(raw.root.codec == .raw)
        #expect(rawBlocks[raw.root] == [])
    }

    @Test func twoChunkRootLinksBothLeavesWithEmptyNamesAndBlockSizes() throws {
        let chunk = ImportOptions.defaultChunkSize
        let (result, blocks) = try importCollecting(
            DeterministicBytes(seed: 1, count: 2 * chunk), options: .kuboDefault)
        #expect(result.blockCount == 3)
        let leaves = blocks.keys.filter { $0 != result.root }.sorted { $0.description < $1.description }
        #expect(leaves.count == 2)
        // A full dag-pb leaf: 0a <262154 as varint> 08 02 12 <262144> chunk 18 <262144>.
        let leafSize = 1 + 3 + (2 + 1 + 3 + chunk + 1 + 3)
        #expect(leaves.allSatisfy { blocks[$0]!.count == leafSize })
        // The first link is the leaf holding the first chunk (at byte 10 of the leaf).
        let first = DeterministicBytes(seed: 1, count: chunk).allBytes
        let ordered = leaves.filter { Array(blocks[$0]![10..<10 + chunk]) == first }
            + leaves.filter { Array(blocks[$0]![10..<10 + chunk]) != first }
        var expected: [UInt8] = []
        for leaf in ordered {
            // PBLink{Hash: 34-byte v0 CID, Name: "", Tsize: 262158}: 0a 22 … 12 00 18 8e 80 10
            expected += hex("12 2a 0a 22") + leaf.bytes + hex("12 00 18 8e 80 10")
        }
        // UnixFS{Type: File, filesize: 524288, blocksizes: [262144, 262144]}
        expected += hex("0a 0e 08 02 18 80 80 20 20 80 80 10 20 80 80 10")
        #expect(blocks[result.root] == expected)
        #expect(result.dagSize == UInt64(expected.count + 2 * leafSize))
    }

    /// Renders a DAG as nested parentheses around its leaves' bytes (as letters).
    static func shape(_ cid: CID, _ blocks: [CID: [UInt8]]) throws -> String {
        let block = try #require(blocks[cid])
        if cid.codec == .raw { return String(decoding: block, as: UTF8.self) }
        let node = try DAGPBNode(decoding: block)
        if node.links.isEmpty {
            let data = try UnixFSData(decoding: (node.data ?? [])[...])
            return String(decoding: data.data ?? [], as: UTF8.self)
        }
        return "(" + (try node.links.map { try shape($0.cid, blocks) }.joined()) + ")"
    }

    /// Kubo's `balanced.Layout` with 1-byte chunks and 2 links per node, worked by hand: the
    /// root deepens only when the tree is full and more data follows, and every node on the
    /// right edge exists even with one child.
    @Test(arguments: [
        ("a", "a"),
        ("ab", "(ab)"),
        ("abc", "((ab)(c))"),
        ("abcd", "((ab)(cd))"),
        ("abcde", "(((ab)(cd))((e)))"),
        ("abcdefgh", "(((ab)(cd))((ef)(gh)))"),
        ("abcdefghi", "((((ab)(cd))((ef)(gh)))(((i))))"),
    ])
    func balancedLayoutDeepensOnlyWhenFull(_ text: String, _ expected: String) throws {
        for rawLeaves in [false, true] {
            let options = ImportOptions(cidVersion: .v1, rawLeaves: rawLeaves, chunkSize: 1, maxLinks: 2)
            let (result, blocks) = try importCollecting(MemoryByteSource(Array(text.utf8)), options: options)
            #expect(try Self.shape(result.root, blocks) == expected)
            #expect(result.fileSize == UInt64(text.utf8.count))
        }
    }

    /// Re-encodes a v1 dag-pb DAG with every link turned into v0 (and every `Tsize` recomputed,
    /// as v0 CIDs are two bytes shorter) and returns the new root CID and total size.
    static func v0Equivalent(
        _ cid: CID, _ blocks: [CID: [UInt8]]
    ) throws -> (cid: CID, totalSize: UInt64) {
        var node = try DAGPBNode(decoding: try #require(blocks[cid]))
        var below: UInt64 = 0
        for index in node.links.indices {
            let child = try v0Equivalent(node.links[index].cid, blocks)
            node.links[index].cid = child.cid
            node.links[index].totalSize = child.totalSize
            below += child.totalSize
        }
        let block = node.encoded()
        return (CID(v0: .sha2_256(block)), UInt64(block.count) + below)
    }

    /// Kubo's `--cid-version=1 --raw-leaves=false` builds the v0 DAG with v1 CIDs in every
    /// link, so turning those back into v0 must give the golden v0 root.
    @Test(arguments: GoldenCIDTests.vectors.filter { $0.size > 262_144 && $0.size < 50_000_000 })
    func cidVersion1DagPBIsTheV0DAGWithV1Links(_ vector: GoldenCIDTests.Vector) throws {
        let (result, blocks) = try importCollecting(
            DeterministicBytes(seed: 1, count: vector.size),
            options: ImportOptions(cidVersion: .v1, rawLeaves: false))
        #expect(result.root.version == .v1)
        #expect(blocks.keys.allSatisfy { $0.version == .v1 && $0.codec == .dagPB })
        #expect(try Self.v0Equivalent(result.root, blocks).cid.description == vector.v0)
    }

    @Test func dagSizeAndBlockCountCoverEveryBlock() throws {
        for options in [ImportOptions.kuboDefault, ImportOptions(cidVersion: .v1)] {
            let (result, blocks) = try importCollecting(
                DeterministicBytes(seed: 2, count: 175 * 262_144 + 3), options: options)
            #expect(result.blockCount == blocks.count)
            #expect(result.dagSize == blocks.values.reduce(0) { $0 + UInt64($1.count) })
            // 176 leaves, a full node of 174, a node of 2 leaves, the root.
            #expect(blocks.count == 176 + 3)
        }
    }
}
