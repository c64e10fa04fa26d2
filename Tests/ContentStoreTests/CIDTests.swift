import Testing
@testable import ContentStore

struct CIDTests {
    static let helloV0 = "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD"
    static let helloV1 = "bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa"

    @Test func v0ParsesToADagPBSha256CIDAndPrintsTheSame() throws {
        let cid = try CID(parsing: Self.helloV0)
        #expect(cid.version == .v0)
        #expect(cid.codec == .dagPB)
        #expect(cid.multihash.code == 0x12)
        #expect(cid.multihash.digest.count == 32)
        #expect(cid.bytes.count == 34)
        #expect(cid.description == Self.helloV0)
    }

    /// The v1 string of the same block, as `ipfs cid base32 Qmf412…` prints it (and as
    /// Debian's `ipfs_cid` prints for `hello world`).
    @Test func convertingBetweenVersionsKeepsTheMultihash() throws {
        let v0 = try CID(parsing: Self.helloV0)
        let v1 = try #require(v0.converted(to: .v1))
        #expect(v1.description == Self.helloV1)
        #expect(v1.bytes == [0x01, 0x70] + v0.bytes)
        #expect(v1.converted(to: .v0) == v0)
        let raw = CID(v1: .raw, multihash: v0.multihash)
        #expect(raw.converted(to: .v0) == nil)
    }

    @Test func v1ParsesInEveryMultibaseAndRoundTripsThroughBytes() throws {
        let cid = try CID(parsing: Self.helloV1)
        #expect(try CID(parsing: cid.string(in: .base58btc)) == cid)
        #expect(try CID(parsing: cid.string(in: .base32Upper)) == cid)
        #expect(cid.string(in: .base32Upper).hasPrefix("BAFYBEI"))
        #expect(try CID(bytes: cid.bytes) == cid)
        #expect(CID(Self.helloV1) == cid)
        #expect(CID("not a cid") == nil)
    }

    @Test func rawCIDOfTheEmptyStringIsTheWellKnownOne() {
        let cid = CID(v1: .raw, multihash: .sha2_256([UInt8]()))
        #expect(cid.description == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
    }

    @Test(arguments: [
        ("", CIDError.empty),
        ("Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyf0",
         .multibase(.invalidCharacter("0", position: 45, base: "base58btc"))),
        ("xafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa",
         .multibase(.unsupportedPrefix("x"))),
        // Two characters short: a valid base32 length, one digest byte missing.
        ("bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5",
         .digestLength(declared: 32, available: 31)),
        ("bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5w",
         .multibase(.invalidLength(57, base: "base32"))),
        ("Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyf", .invalidV0Length(45)),
        ("Qmbad", .invalidV0Length(5)),
        // Version 2 (byte 0x02) in base32: "bai…".
        ("baiaqeaq", .unsupportedVersion(2)),
        // The v0 multihash wrapped in base32.
        ("bciqlfuuocemuyoe6sv6dtmr5j6m6lsjotagbvz4bhtq7ap3jy5iglmi", .v0InMultibase),
    ])
    func malformedStringsGiveSpecificErrors(_ text: String, _ expected: CIDError) {
        #expect(throws: expected) { try CID(parsing: text) }
    }

    @Test func trailingBytesAndHugeDigestLengthsAreRejected() {
        let bytes = try! CID(parsing: Self.helloV1).bytes
        #expect(throws: CIDError.trailingBytes(1)) { try CID(bytes: bytes + [0]) }
        #expect(throws: CIDError.digestLength(declared: 127, available: 1)) {
            try CID(bytes: hex("01 55 12 7f 00"))
        }
        #expect(throws: CIDError.varint(.truncated(offset: 1))) { try CID(bytes: hex("01 80")) }
    }

    @Test func errorMessagesSayWhatIsWrong() {
        #expect(CIDError.multibase(.unsupportedPrefix("x")).description
            == "malformed CID: unsupported multibase prefix 'x' (use 'b' base32 or 'z' base58btc)")
        #expect(CIDError.unsupportedHash(code: 0x1b, length: 32).description.contains("only sha2-256"))
    }
}
