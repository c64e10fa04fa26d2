import Testing
@testable import ContentStore

/// Vectors from the multiformats unsigned-varint specification
/// (github.com/multiformats/unsigned-varint, README "Examples") and its 9-byte limit.
struct VarintTests {
    @Test(arguments: [
        (UInt64(0), "00"),
        (1, "01"),
        (127, "7f"),
        (128, "80 01"),
        (255, "ff 01"),
        (300, "ac 02"),
        (16_384, "80 80 01"),
        (UInt64(1) << 56 - 1, "ff ff ff ff ff ff ff 7f"),
        (UInt64(1) << 63 - 1, "ff ff ff ff ff ff ff ff 7f"),
    ])
    func encodesSpecificationExamplesAndRoundTrips(_ value: UInt64, _ encoding: String) throws {
        #expect(Varint.encode(value) == hex(encoding))
        #expect(Varint.encodedLength(value) == hex(encoding).count)
        var offset = 0
        #expect(try Varint.decode(hex(encoding), at: &offset) == value)
        #expect(offset == hex(encoding).count)
    }

    @Test func valuesFrom2To63NeedTenBytesAndAreRejected() throws {
        let encoded = Varint.encode(UInt64(1) << 63)
        #expect(encoded == hex("80 80 80 80 80 80 80 80 80 01"))
        var offset = 0
        #expect(throws: VarintError.tooLong(offset: 0)) { try Varint.decode(encoded, at: &offset) }
        offset = 0
        #expect(throws: VarintError.tooLong(offset: 0)) {
            try Varint.decode(Varint.encode(.max), at: &offset)
        }
    }

    @Test func paddedEncodingsAreRejectedAsNotMinimal() {
        for padded in ["80 00", "81 00", "ff 80 00"] {
            var offset = 0
            #expect(throws: VarintError.notMinimal(offset: 0)) { try Varint.decode(hex(padded), at: &offset) }
        }
    }

    @Test func inputEndingInsideAVarintIsTruncated() {
        var offset = 1
        #expect(throws: VarintError.truncated(offset: 1)) { try Varint.decode(hex("00 80 80"), at: &offset) }
        offset = 0
        #expect(throws: VarintError.truncated(offset: 0)) { try Varint.decode([UInt8](), at: &offset) }
    }

    @Test func decodingContinuesFromTheOffset() throws {
        let bytes = hex("ac 02 7f 80 01")
        var offset = 0
        #expect(try Varint.decode(bytes, at: &offset) == 300)
        #expect(try Varint.decode(bytes, at: &offset) == 127)
        #expect(try Varint.decode(bytes, at: &offset) == 128)
        #expect(offset == 5)
    }
}
