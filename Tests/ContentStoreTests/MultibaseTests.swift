import Testing
@testable import ContentStore

/// Vectors from the multibase specification's test suite (github.com/multiformats/multibase,
/// tests/basic.csv, leading_zero.csv, two_leading_zeros.csv), RFC 4648 §10 (base32) and the
/// base58 IETF draft (draft-msporny-base58, §5).
struct MultibaseTests {
    @Test(arguments: [
        ("yes mani !", "bpfsxgidnmfxgsibb", "z7paNL19xttacUY"),
        ("\0yes mani !", "bab4wk4zanvqw42jaee", "z17paNL19xttacUY"),
        ("\0\0yes mani !", "baaahszltebwwc3tjeaqq", "z117paNL19xttacUY"),
    ])
    func multibaseSpecificationVectors(_ text: String, _ base32: String, _ base58: String) throws {
        let bytes = Array(text.utf8)
        #expect(Multibase.base32.encode(bytes) == base32)
        #expect(Multibase.base58btc.encode(bytes) == base58)
        #expect(Multibase.base32Upper.encode(bytes) == "B" + base32.dropFirst().uppercased())
        #expect(try Multibase.decode(base32) == bytes)
        #expect(try Multibase.decode(base58) == bytes)
        #expect(try Multibase.decode("B" + base32.dropFirst().uppercased()) == bytes)
    }

    @Test(arguments: [
        ("", ""), ("f", "my"), ("fo", "mzxq"), ("foo", "mzxw6"), ("foob", "mzxw6yq"),
        ("fooba", "mzxw6ytb"), ("foobar", "mzxw6ytboi"),
    ])
    func rfc4648Base32VectorsWithoutPadding(_ text: String, _ encoded: String) throws {
        #expect(Base32.encode(Array(text.utf8)) == encoded)
        #expect(try Base32.decode(encoded) == Array(text.utf8))
    }

    @Test(arguments: [
        ("Hello World!", "2NEpo7TZRRrLZSi2U"),
        ("The quick brown fox jumps over the lazy dog.",
         "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"),
    ])
    func base58DraftVectors(_ text: String, _ encoded: String) throws {
        #expect(Base58.encode(Array(text.utf8)) == encoded)
        #expect(try Base58.decode(encoded) == Array(text.utf8))
    }

    @Test func base58KeepsLeadingZerosAsOnes() throws {
        #expect(Base58.encode(hex("00 00 28 7f b4 cd")) == "11233QC4")
        #expect(try Base58.decode("11233QC4") == hex("00 00 28 7f b4 cd"))
        #expect(Base58.encode([]) == "")
        #expect(Base58.encode([0]) == "1")
    }

    @Test func randomBytesRoundTripThroughBothEncodings() throws {
        var generator = DeterministicBytes(seed: 7, count: 4096).allBytes.makeIterator()
        for length in 0..<70 {
            var bytes = (0..<length).map { _ in generator.next()! }
            if length % 5 == 0 && length > 0 { bytes[0] = 0 }
            #expect(try Base32.decode(Base32.encode(bytes)) == bytes)
            #expect(try Base58.decode(Base58.encode(bytes)) == bytes)
        }
    }

    @Test func malformedStringsNameTheProblem() {
        #expect(throws: MultibaseError.invalidCharacter("0", position: 2, base: "base58btc")) {
            try Base58.decode("ab0c")
        }
        #expect(throws: MultibaseError.invalidCharacter("1", position: 1, base: "base32")) {
            try Base32.decode("a1")
        }
        #expect(throws: MultibaseError.invalidCharacter("A", position: 0, base: "base32")) {
            try Base32.decode("Ab")
        }
        #expect(throws: MultibaseError.invalidLength(3, base: "base32")) { try Base32.decode("aaa") }
        // "mz" would carry a non-zero bit after the single byte "f" ("my").
        #expect(throws: MultibaseError.nonZeroPadding(base: "base32")) { try Base32.decode("mz") }
        #expect(throws: MultibaseError.unsupportedPrefix("f")) { try Multibase.decode("f00") }
        #expect(throws: MultibaseError.empty) { try Multibase.decode("") }
    }
}
