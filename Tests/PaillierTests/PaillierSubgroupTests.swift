import Foundation
import Testing
@testable import Paillier

/// Subgroup keys: masks of order αp·αq, decryption with short exponents, the published base.
struct PaillierSubgroupTests {
    /// 512-bit n with 64-bit subgroup orders: small enough for debug builds.
    static let key = PaillierPrivateKey.generate(bits: 512, subgroupBits: 64)
    static let encryptor = PaillierEncryptor(publicKey: key.publicKey)
    /// The same p and q as a standard key: the reference λ-path decryption.
    static let standard = try! PaillierPrivateKey(publicKey: key.publicKey.withoutMaskBase, p: key.p, q: key.q)

    static func randomPlaintext(below bound: GMPInteger = key.publicKey.n) -> GMPInteger {
        GMPInteger.random(below: bound)
    }

    // MARK: Key structure

    @Test(arguments: [(512, 64), (1024, 128), (2048, nil)] as [(Int, Int?)])
    func generatedKeysHaveTheSubgroupStructure(bits: Int, subgroupBits: Int?) throws {
        let key = bits == 512 && subgroupBits == 64 ? Self.key : PaillierPrivateKey.generate(bits: bits, subgroupBits: subgroupBits)
        let t = subgroupBits ?? 256
        let subgroup = try #require(key.subgroup)
        let base = try #require(key.publicKey.maskBase)
        #expect(key.publicKey.n.bitWidth == bits)
        #expect(key.p.bitWidth == bits / 2 && key.q.bitWidth == bits / 2 && key.p < key.q)
        #expect((key.q - key.p).bitWidth > bits / 2 - 100)
        #expect(subgroup.alphaP.bitWidth == t && subgroup.alphaQ.bitWidth == t)
        #expect(subgroup.alphaP.isProbablePrime() && subgroup.alphaQ.isProbablePrime())
        #expect((key.p - 1).modulo(subgroup.alphaP).signum == 0)
        #expect((key.q - 1).modulo(subgroup.alphaQ).signum == 0)
        // The identity decryption rests on: hₛ^αp ≡ 1 (mod p²), hₛ^αq ≡ 1 (mod q²) …
        let pSquared = key.p * key.p, qSquared = key.q * key.q
        #expect(base.power(subgroup.alphaP, modulo: pSquared) == GMPInteger(1))
        #expect(base.power(subgroup.alphaQ, modulo: qSquared) == GMPInteger(1))
        // … and the order is exactly αp·αq, not a divisor (αp, αq are prime).
        #expect(base.modulo(pSquared) != GMPInteger(1) && base.modulo(qSquared) != GMPInteger(1))
        #expect(base.power(subgroup.alphaP, modulo: qSquared) != GMPInteger(1))
        #expect(base.power(subgroup.alphaQ, modulo: pSquared) != GMPInteger(1))
    }

    @Test func defaultSubgroupSizeIsTwiceTheSecurityLevelInWholeWords() {
        #expect(PaillierSubgroup.defaultBits(modulusBits: 1024) == 192)
        #expect(PaillierSubgroup.defaultBits(modulusBits: 2048) == 256)
        #expect(PaillierSubgroup.defaultBits(modulusBits: 3072) == 256)
        #expect(PaillierSubgroup.defaultBits(modulusBits: 4096) == 320)
    }

    @Test func standardKeysHaveNoSubgroupAndTheEncryptorPicksItsOwnBase() throws {
        let key = TestKeys.k512
        #expect(key.subgroup == nil && key.publicKey.maskBase == nil)
        let c = try PaillierEncryptor(publicKey: key.publicKey).encrypt(raw: GMPInteger(42))
        #expect(key.decryptInSubgroup(raw: c) == nil)
        #expect(key.decrypt(raw: c) == GMPInteger(42))
    }

    // MARK: Round trips

    @Test func theEncryptorUsesThePublishedBase() {
        #expect(Self.encryptor.base == Self.key.publicKey.maskBase)
    }

    @Test func singleValuesDecryptInTheSubgroupAndMatchTheStandardPath() throws {
        let key = Self.key
        let n = key.publicKey.n
        for m in [GMPInteger(0), GMPInteger(1), n - 1, key.p, key.q] + (0..<20).map({ _ in Self.randomPlaintext() }) {
            let c = try Self.encryptor.encrypt(raw: m)
            #expect(key.decryptInSubgroup(raw: c) == m)
            #expect(key.decrypt(raw: c) == m)
            #expect(key.decryptStandard(raw: c) == m)
            #expect(Self.standard.decrypt(raw: c) == m)
        }
    }

    @Test func homomorphicResultsStayInTheSubgroup() throws {
        let key = Self.key, pk = key.publicKey, n = pk.n
        let a = Self.randomPlaintext(), b = Self.randomPlaintext(), k = Self.randomPlaintext(), s = Self.randomPlaintext()
        let ca = try Self.encryptor.encrypt(raw: a), cb = try Self.encryptor.encrypt(raw: b)
        let results: [(PaillierCiphertext, GMPInteger)] = [
            (pk.add(ca, cb), (a + b).modulo(n)),
            (try pk.add(ca, plaintext: s), (a + s).modulo(n)),
            (pk.multiply(ca, by: k), (a * k).modulo(n)),
            (pk.multiply(ca, by: GMPInteger(-3)), (a * GMPInteger(-3)).modulo(n)),
            (Self.encryptor.rerandomized(cb), b),
            (pk.sum([[ca], [cb], [ca]])[0], (a + b + a).modulo(n)),
        ]
        for (c, expected) in results {
            #expect(key.decryptInSubgroup(raw: c) == expected)
            #expect(Self.standard.decrypt(raw: c) == expected)
        }
    }

    @Test func packedSumsOfSeveralPartiesDecryptExactly() throws {
        let key = Self.key
        let scheme = try PackingScheme(valueBits: 16, parties: 5, publicKey: key.publicKey)
        let count = 3 * scheme.slotsPerPlaintext + 7
        var generator = SystemRandomNumberGenerator()
        let updates = (0..<5).map { _ in (0..<count).map { _ in UInt64.random(in: 0...scheme.maxValue, using: &generator) } }
        var expected = [UInt64](repeating: 0, count: count)
        for update in updates { for (i, v) in update.enumerated() { expected[i] += v } }
        let sum = key.publicKey.sum(try updates.map { try Self.encryptor.encrypt(packing: $0, scheme: scheme) })
        #expect(sum.allSatisfy { key.decryptInSubgroup(raw: $0) != nil })
        #expect(try key.decrypt(packed: sum, scheme: scheme, count: count) == expected)
        #expect(try Self.standard.decrypt(packed: sum, scheme: scheme, count: count) == expected)
    }

    // MARK: Ciphertexts not masked with the published base

    @Test func foreignCiphertextsAreRecognisedAndDecryptTheStandardWay() throws {
        let key = Self.key, subgroup = try #require(key.subgroup)
        let m = Self.randomPlaintext()
        let foreign = [
            try key.publicKey.encrypt(raw: m),                                        // textbook r^n (python-paillier)
            try PaillierEncryptor(publicKey: key.publicKey.withoutMaskBase).encrypt(raw: m),  // DJN, own base
            key.publicKey.rerandomized(try Self.encryptor.encrypt(raw: m)),           // subgroup × r^n
        ]
        let pSquared = key.p * key.p
        for c in foreign {
            // Without the check the short exponent would be wrong: c^αp is not 1 mod p.
            #expect(c.value.power(subgroup.alphaP, modulo: pSquared).modulo(key.p) != GMPInteger(1))
            #expect(key.decryptInSubgroup(raw: c) == nil)
            #expect(key.decrypt(raw: c) == m)
        }
        // A sum with one foreign term leaves the subgroup too, and still decrypts.
        let mixed = key.publicKey.add(foreign[0], try Self.encryptor.encrypt(raw: GMPInteger(5)))
        #expect(key.decryptInSubgroup(raw: mixed) == nil)
        #expect(key.decrypt(raw: mixed) == (m + 5).modulo(key.publicKey.n))
    }

    // MARK: JWK

    static func publicJWK(n: GMPInteger, hs: String?) -> Data {
        var text = "{\"kty\": \"DAJ\", \"alg\": \"PAI-GN1\", \"key_ops\": [\"encrypt\"], \"n\": \"\(PaillierJWK.base64URLEncode(n.bigEndianBytes))\""
        if let hs { text += ", \"medchain_hs\": \"\(hs)\"" }
        return Data((text + ", \"kid\": \"test\"}").utf8)
    }

    @Test func publicJWKCarriesTheBaseAndReadsBackWithIt() throws {
        let pk = Self.key.publicKey
        let json = PaillierJWK.encode(publicKey: pk, kid: "office")
        let b64 = PaillierJWK.base64URLEncode(pk.maskBase!.bigEndianBytes)
        #expect(json.contains("\"n\": \"\(PaillierJWK.base64URLEncode(pk.n.bigEndianBytes))\", \"medchain_hs\": \"\(b64)\", \"kid\": \"office\""))
        let read = try PaillierJWK.publicKey(from: Data(json.utf8))
        #expect(read == pk && read.maskBase == pk.maskBase)
        // An encryptor built from the published JWK makes ciphertexts the key decrypts fast.
        let c = try PaillierEncryptor(publicKey: read).encrypt(raw: GMPInteger(77))
        #expect(Self.key.decryptInSubgroup(raw: c) == GMPInteger(77))
    }

    @Test func publicJWKWithoutTheFieldIsAStandardKeyAsBefore() throws {
        let read = try PaillierJWK.publicKey(from: Self.publicJWK(n: Self.key.publicKey.n, hs: nil))
        #expect(read.maskBase == nil && read == Self.key.publicKey)
        #expect(!PaillierJWK.encode(publicKey: read, kid: "x").contains("medchain"))
        // Its ciphertexts are not in the subgroup but the subgroup key still decrypts them.
        let encryptor = PaillierEncryptor(publicKey: read)
        #expect(encryptor.base != Self.key.publicKey.maskBase)
        let c = try encryptor.encrypt(raw: GMPInteger(123))
        #expect(Self.key.decrypt(raw: c) == GMPInteger(123))
    }

    @Test func privateJWKRoundTripKeepsTheSubgroup() throws {
        let json = PaillierJWK.encode(privateKey: Self.key, kid: "k", publicKid: "pk")
        #expect(json.contains("\"medchain_alpha_p\"") && json.contains("\"medchain_alpha_q\"") && json.contains("\"medchain_hs\""))
        let read = try PaillierJWK.privateKey(from: Data(json.utf8))
        #expect(read.subgroup?.alphaP == Self.key.subgroup?.alphaP && read.subgroup?.alphaQ == Self.key.subgroup?.alphaQ)
        #expect(read.publicKey.maskBase == Self.key.publicKey.maskBase)
        let c = try Self.encryptor.encrypt(raw: GMPInteger(9))
        #expect(read.decryptInSubgroup(raw: c) == GMPInteger(9))
        let extracted = try PaillierJWK.extractPublic(fromPrivate: Data(json.utf8))
        #expect(try PaillierJWK.publicKey(from: Data(extracted.utf8)).maskBase == Self.key.publicKey.maskBase)
        // Standard keys write no subgroup fields.
        #expect(!PaillierJWK.encode(privateKey: TestKeys.k512, kid: nil, publicKid: nil).contains("medchain"))
    }

    @Test func malformedPublishedBasesAreRejectedWithOneClearError() {
        let pk = Self.key.publicKey, n = pk.n
        let b64 = { (x: GMPInteger) in PaillierJWK.base64URLEncode(x.bigEndianBytes) }
        let cases: [(String, String)] = [
            (b64(GMPInteger(1)), "2 ..< n²"),                 // the unit 1: every mask would be 1
            (b64(pk.nSquared), "2 ..< n²"),                   // too large
            (b64(pk.nSquared * 5 + 3), "2 ..< n²"),           // wrong size
            (b64(Self.key.p * 7), "shares a factor"),          // not a unit
            (b64(n + 1), "±1 modulo n"),                       // (1 + n): would shift plaintexts
            (b64(n - 1), "±1 modulo n"),                       // order 2
            ("", "base64url"),
            ("not base64!", "base64url"),
        ]
        for (field, words) in cases {
            let error = #expect(throws: PaillierError.self) {
                _ = try PaillierJWK.publicKey(from: Self.publicJWK(n: n, hs: field))
            }
            #expect(error?.code == .malformedKey, "\(field)")
            #expect(error?.message.contains("medchain_hs") == true && error?.message.contains(words) == true, "\(error?.message ?? "")")
        }
        #expect(throws: PaillierError.self) { _ = try PaillierPublicKey(n: n, maskBase: GMPInteger(0)) }
    }

    @Test func privateKeysWhoseSubgroupDoesNotFitAreRejected() throws {
        let key = Self.key, subgroup = try #require(key.subgroup)
        let other = PaillierPrivateKey.generate(bits: 512, subgroupBits: 64)
        func code(_ body: () throws(PaillierError) -> Void) -> PaillierError.Code? {
            do { try body(); return nil } catch { return error.code }
        }
        // Orders swapped between p and q: they do not divide p − 1, q − 1.
        #expect(code { () throws(PaillierError) in _ = try PaillierPrivateKey(publicKey: key.publicKey, p: key.p, q: key.q,
                                                  alphaP: subgroup.alphaQ, alphaQ: subgroup.alphaP) } == .invalidFactors)
        // A published base from another subgroup key is not in this key's subgroup.
        let foreignBase = try PaillierPublicKey(n: key.publicKey.n, maskBase: other.publicKey.maskBase!.modulo(key.publicKey.nSquared))
        #expect(code { () throws(PaillierError) in _ = try PaillierPrivateKey(publicKey: foreignBase, p: key.p, q: key.q,
                                                  alphaP: subgroup.alphaP, alphaQ: subgroup.alphaQ) } == .invalidFactors)
        // The orders given in the other order of the factors are paired correctly.
        let swapped = try PaillierPrivateKey(publicKey: key.publicKey, p: key.q, q: key.p,
                                             alphaP: subgroup.alphaQ, alphaQ: subgroup.alphaP)
        #expect(swapped.subgroup?.alphaP == subgroup.alphaP)
        // A private JWK with only one order is malformed.
        let json = PaillierJWK.encode(privateKey: key, kid: nil, publicKid: nil)
            .replacingOccurrences(of: "\"medchain_alpha_q\"", with: "\"unused\"")
        #expect(code { () throws(PaillierError) in _ = try PaillierJWK.privateKey(from: Data(json.utf8)) } == .malformedKey)
    }
}
