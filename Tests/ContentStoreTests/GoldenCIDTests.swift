import Testing
@testable import ContentStore

/// CIDs that `ipfs add` prints, from published examples and from two independent
/// implementations run once on the same bytes.
///
/// The table below is the output of
///
///     python3 -m venv /tmp/cidvenv && /tmp/cidvenv/bin/pip install aleph-cid==0.1.0
///     apt-get install ipfs-cid     # Debian 0.0~git20200813.59cf068-1+b4, binary ipfs_cid
///     /tmp/cidvenv/bin/python Tests/ContentStoreTests/Inputs/golden_cids.py
///
/// where the v0 column is the CID both aleph-cid (`CidHasher.for_ipfs`) and Debian's `ipfs_cid`
/// printed (the script stops if they disagree), v1 raw is aleph-cid's
/// `CidHasher.for_ipfs_v1_raw_leaves` (`ipfs add --cid-version=1`), and v1 dag-pb is
/// `ipfs_cid`'s CIDv1, which equals `ipfs add --cid-version=1 --raw-leaves=false` only for
/// single-block files: `ipfs_cid` re-encodes the v0 root, whose links stay v0, while Kubo
/// links v1 CIDs. Multi-block v1 dag-pb DAGs are checked against the v0 goldens instead, in
/// `DAGStructureTests`. The contents are `DeterministicBytes(seed: 1, count: size)`.
struct GoldenCIDTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let size: Int
        let v0: String
        let v1Raw: String
        let v1DagPB: String?
        var testDescription: String { "\(size) bytes" }
    }

    static let chunk = 262_144

    static let vectors: [Vector] = [
        Vector(size: 0, v0: "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
               v1Raw: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
               v1DagPB: "bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y"),
        Vector(size: 1, v0: "QmXEbKxz33Vef346duiFgZyu3NdULKxmNwehuoT9BiY5Ly",
               v1Raw: "bafkreigrxpltxmersc73rayfm5y6eluzova62iahs6j36m4xl7qwkrmbym",
               v1DagPB: "bafybeieefpp23jysofyd4lid4vrqofvj55gyfos2vuuu2voxzmmvkdxuxy"),
        Vector(size: 2, v0: "QmeDNwyNaAaNEAPkdjWWibkbrgaDUVknwpeM1yJ8bxJNFk",
               v1Raw: "bafkreiabnutzkqynnqukq7fucxh3n2x45pg5ayh226v3lu4743hyl6zmam",
               v1DagPB: "bafybeihl3ynk4evl3duz2trwq55scy733772vawzt7et7yvcuciyky474m"),
        Vector(size: 1000, v0: "QmaGe2L5VWZJbDV5FMHQcumPV3uzatHVHd6d6tiaceRvhV",
               v1Raw: "bafkreigaxff7toaan3qkez6sj26kica46na5mtvuke7ty7vbmtziddjcte",
               v1DagPB: "bafybeifriusptgntg5q77ceuqp5pxsvgpwqfitxggdmvbwrrumzkcukxka"),
        Vector(size: chunk - 1, v0: "QmU3Rhmtj7RV9XYinopQzrZNRKtiQo1fBERaDxdTNvQy8z",
               v1Raw: "bafkreier4tlcfat6hoeewrhafmedveyfog4hxw56a4cl2kz6i2bgzp34dq",
               v1DagPB: "bafybeicuxsfmzvqcakqkxij3nuae5odim2o5yw6hcsnk2zyoxbsimvrvg4"),
        Vector(size: chunk, v0: "QmTEjskWMuRRgqzmR7fRUUofBWQ2GHfCCVZe51Vu6Wamxz",
               v1Raw: "bafkreiecjbynpntlxpu65kgdp3tv5ol5rgchflbmrhs7zodb3ifm6k2gdu",
               v1DagPB: "bafybeiciy3fjgq5dszkqacbxl5c4lk2z4ewqoppjm6lkclwnur7vanm364"),
        Vector(size: chunk + 1, v0: "QmcDkbCY9wUwniaupBADwcmqnCsgnbroqrv8Zr9kCSfRM9",
               v1Raw: "bafybeidfbaehxceqzghyblk2nqfftoct5rp4iylphmdsule66ccumyhtdy",
               v1DagPB: nil),
        Vector(size: 2 * chunk, v0: "QmZUS1WuPFL8tJXxpPe9zgr4mJZfhrqGQKH2KW1E3sGtc4",
               v1Raw: "bafybeicqsir6cpzza6js6hazgfc6mnyivvof5relp676wxae4iurcsdvum",
               v1DagPB: nil),
        Vector(size: 10 * chunk + 12345, v0: "QmVnApcCaD6BtMxbSLtGEbg74chKZabyVcf9bb9f2gZjme",
               v1Raw: "bafybeifuqw7zj3ykfzfm5bq2voq5krzqbfrw7l7mcrczgz7sllnlksqjem",
               v1DagPB: nil),
        Vector(size: 174 * chunk - 1, v0: "Qme46F2Zv4QU84kYrZ36XXxh4SH5VpQVUeLRgcg25g6fpf",
               v1Raw: "bafybeig5qgwkhtcmwfhdwfkalir6upn7gwdzqu3n24edt2dmpfef4unlnu",
               v1DagPB: nil),
        Vector(size: 174 * chunk, v0: "QmQ7JQB6sagJhm4MR1XD7pCFqcnzfcHAwwZNeedfpBsaR8",
               v1Raw: "bafybeidss7rcu7d56akf5lxtdte475qq5y5daghkzyhot3lnsr7hkiklge",
               v1DagPB: nil),
        Vector(size: 174 * chunk + 1, v0: "QmPpkKE249jjumKx8FGdeyL1GWcypoMcY6rYx3GPzrjmwf",
               v1Raw: "bafybeiaua4gksaorimgdipsfwjimyun6w3rxt66yk7nqnhv4k4x2czzl4q",
               v1DagPB: nil),
        Vector(size: 175 * chunk, v0: "QmTS3mAiKYbMBBwBo6W6abYFbmSCHQEDyFUS2sH7gCoAyS",
               v1Raw: "bafybeiewss6swtl6h3hojly3odwyjzyl55fvtdncul6b4o63anslfoum3u",
               v1DagPB: nil),
        Vector(size: 100_000_000, v0: "QmVTSsuXjmA3vZXpjbt3rrYbCKxKqTvt1Ap8CD7GBuznWT",
               v1Raw: "bafybeigog6ljlab3q6attedcd45cocyctg7llwonutn5rmihydhopjveca",
               v1DagPB: nil),
    ]

    static func cid(_ bytes: [UInt8], _ options: ImportOptions) throws -> String {
        var source = MemoryByteSource(bytes)
        return try UnixFSImporter(options: options).cid(of: &source).description
    }

    static func cid(size: Int, _ options: ImportOptions) throws -> String {
        var source = DeterministicBytes(seed: 1, count: size)
        return try UnixFSImporter(options: options).cid(of: &source).description
    }

    @Test func helloWorldHasTheCIDFromTheIPFSDocs() throws {
        let bytes = Array("hello world".utf8)
        #expect(try Self.cid(bytes, .kuboDefault) == "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD")
        #expect(try Self.cid(bytes, ImportOptions(cidVersion: .v1))
            == "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")
        #expect(try Self.cid(bytes, ImportOptions(cidVersion: .v1, rawLeaves: false))
            == "bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa")
    }

    @Test(arguments: vectors)
    func defaultCIDv0MatchesKubo(_ vector: Vector) throws {
        #expect(try Self.cid(size: vector.size, .kuboDefault) == vector.v0)
    }

    @Test(arguments: vectors)
    func cidVersion1UsesRawLeavesLikeKubo(_ vector: Vector) throws {
        #expect(try Self.cid(size: vector.size, ImportOptions(cidVersion: .v1)) == vector.v1Raw)
    }

    @Test(arguments: vectors.filter { $0.v1DagPB != nil })
    func cidVersion1WithoutRawLeavesMatchesKubo(_ vector: Vector) throws {
        let options = ImportOptions(cidVersion: .v1, rawLeaves: false)
        #expect(try Self.cid(size: vector.size, options) == vector.v1DagPB)
    }

    /// Bytes already in memory are hashed where they lie; the CIDs are still Kubo's (sizes up
    /// to 10 chunks and a bit, which spans more than one batch of leaves).
    @Test(arguments: vectors.filter { $0.size <= 10 * chunk + 12345 })
    func inMemoryBytesGetKubosCIDs(_ vector: Vector) throws {
        var source = DeterministicBytes(seed: 1, count: vector.size)
        var bytes = [UInt8](repeating: 0, count: vector.size)
        #expect(try bytes.withUnsafeMutableBytes { try source.readFully(into: $0) } == vector.size)
        for (options, expected) in [(ImportOptions.kuboDefault, vector.v0), (ImportOptions(cidVersion: .v1), vector.v1Raw)] {
            #expect(try bytes.withUnsafeBytes { try UnixFSImporter(options: options).cid(ofBytes: $0) }.description == expected)
        }
    }

    /// A file held as separate buffers (whole chunks, then the rest) gets Kubo's CID, from
    /// one piece, from a one-chunk head and the rest, or from several pieces and empty ones.
    @Test(arguments: vectors.filter { $0.size > chunk && $0.size <= 10 * chunk + 12345 })
    func piecesGetTheCIDOfTheirConcatenation(_ vector: Vector) throws {
        var source = DeterministicBytes(seed: 1, count: vector.size)
        var bytes = [UInt8](repeating: 0, count: vector.size)
        _ = try bytes.withUnsafeMutableBytes { try source.readFully(into: $0) }
        let splits: [[Int]] = [[], [Self.chunk], [0, Self.chunk, 3 * Self.chunk].filter { $0 < vector.size }]
        for cuts in splits {
            let cid = try bytes.withUnsafeBytes { raw in
                let bounds = cuts + [vector.size]
                let pieces = zip([0] + cuts, bounds).map { UnsafeRawBufferPointer(rebasing: raw[$0..<$1]) }
                return try UnixFSImporter().cid(ofPieces: pieces)
            }
            #expect(cid.description == vector.v0, "cut at \(cuts)")
        }
    }

    @Test func inMemoryImportStoresTheBlocksAStreamImportStores() throws {
        let size = 10 * Self.chunk + 12345
        var source = DeterministicBytes(seed: 1, count: size)
        var bytes = [UInt8](repeating: 0, count: size)
        _ = try bytes.withUnsafeMutableBytes { try source.readFully(into: $0) }
        for options in [ImportOptions.kuboDefault, ImportOptions(cidVersion: .v1)] {
            let streamed = try importCollecting(MemoryByteSource(bytes), options: options)
            let sink = CollectingSink()
            let result = try bytes.withUnsafeBytes { try UnixFSImporter(options: options).importBytes($0, into: sink) }
            #expect(result == streamed.result)
            #expect(sink.blocks == streamed.blocks)
        }
    }

    @Test func oneWorkerAndManyWorkersGiveTheSameCID() throws {
        let size = 40 * Self.chunk + 7
        for workers in [1, 3] {
            var source = DeterministicBytes(seed: 1, count: size)
            let cid = try UnixFSImporter(options: .kuboDefault, workerCount: workers).cid(of: &source)
            var reference = DeterministicBytes(seed: 1, count: size)
            #expect(cid == (try UnixFSImporter().cid(of: &reference)))
        }
    }
}
