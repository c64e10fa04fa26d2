import Testing
@testable import Paillier

struct PaillierEncryptionTests {
    let key = TestKeys.k1024
    var publicKey: PaillierPublicKey { key.publicKey }
    var encryptor: PaillierEncryptor { TestKeys.encryptor1024 }

    var edgePlaintexts: [GMPInteger] {
        let n = publicKey.n
        return [GMPInteger(0), GMPInteger(1), GMPInteger(2), n - 1, n - 2, publicKey.maxInt,
                n - publicKey.maxInt, n.floorDivided(by: GMPInteger(2)), GMPInteger.random(below: n)]
    }

    @Test func rawDecryptionInvertsTextbookEncryptionAtTheEdges() throws {
        for m in edgePlaintexts {
            #expect(key.decrypt(raw: try publicKey.encrypt(raw: m)) == m)
        }
    }

    @Test func rawDecryptionInvertsFastEncryptionAtTheEdges() throws {
        for m in edgePlaintexts {
            #expect(key.decrypt(raw: try encryptor.encrypt(raw: m)) == m)
        }
    }

    @Test func plaintextsOutsideZeroToNAreRefused() {
        #expect(throws: PaillierError.self) { try publicKey.encrypt(raw: publicKey.n) }
        #expect(throws: PaillierError.self) { try encryptor.encrypt(raw: GMPInteger(-1)) }
    }

    @Test func crtDecryptionAgreesWithTheTextbookLambdaFormula() throws {
        // m = L(c^λ mod n²) · μ mod n with λ = lcm(p−1, q−1), μ = L(g^λ mod n²)⁻¹ (Paillier 1999).
        let n = publicKey.n, n2 = publicKey.nSquared
        let pm1 = key.p - 1, qm1 = key.q - 1
        let lambda = (pm1 * qm1).floorDivided(by: pm1.gcd(qm1))
        func l(_ x: GMPInteger) -> GMPInteger { (x - 1).floorDivided(by: n) }
        let mu = l(publicKey.g.power(lambda, modulo: n2)).inverse(modulo: n)!
        for m in edgePlaintexts {
            let c = try encryptor.encrypt(raw: m)
            #expect((l(c.value.power(lambda, modulo: n2)) * mu).modulo(n) == m)
            #expect(key.decrypt(raw: c) == m)
        }
    }

    @Test func encryptionIsRandomised() throws {
        let a = try encryptor.encrypt(raw: GMPInteger(42))
        let b = try encryptor.encrypt(raw: GMPInteger(42))
        let c = try publicKey.encrypt(raw: GMPInteger(42))
        #expect(a != b && a != c)
        #expect(publicKey.rerandomized(a) != a)
        #expect(key.decrypt(raw: publicKey.rerandomized(a)) == GMPInteger(42))
        #expect(key.decrypt(raw: encryptor.rerandomized(c)) == GMPInteger(42))
    }

    @Test func theFixedBaseIsAnEncryptionOfZeroAndTheTableMatchesPlainExponentiation() {
        // The default (2κ = 160-bit exponent for a 1024-bit key, 12-bit windows), DJN's ⌈k/2⌉,
        // and windows that do not divide the exponent length.
        let encryptors = [encryptor, PaillierEncryptor(publicKey: publicKey, exponent: .halfModulus),
                          PaillierEncryptor(publicKey: publicKey, exponent: .bits(100), windowBits: 7)]
        #expect(encryptors.map(\.exponentBits) == [160, 512, 100])
        #expect(encryptors.map(\.windowCount) == [14, 64, 15])
        for e in encryptors {
            // hₛ = h^n is an n-th residue: it decrypts to 0, so masks never disturb the message.
            #expect(key.decrypt(raw: PaillierCiphertext(trusted: e.base)) == GMPInteger(0))
            let count = (e.exponentBits + 63) / 64
            let exponent = GMPInteger.random(bits: e.exponentBits)
            #expect(e.mask(exponentWords: exponent.littleEndianWords(count: count)) == e.base.power(exponent, modulo: publicKey.nSquared))
            // Every digit at its maximum, and the smallest exponents (no multiplication at all).
            let allOnes = GMPInteger(1).shiftedLeft(e.exponentBits) - 1
            for a in [allOnes, GMPInteger(0), GMPInteger(1), GMPInteger(1).shiftedLeft(e.exponentBits - 1)] {
                #expect(e.mask(exponentWords: a.littleEndianWords(count: count)) == e.base.power(a, modulo: publicKey.nSquared))
            }
            let m = GMPInteger.random(below: publicKey.n)
            #expect(key.decrypt(raw: try! e.encrypt(raw: m)) == m)
        }
    }

    @Test func theShortExponentIsTwiceTheSecurityLevelOfTheModulus() {
        // NIST SP 800-57 Part 1 Rev. 5, Table 2: 1024 → 80, 2048 → 112, 3072 → 128 bits.
        let cases: [(Int, Int, Int)] = [(512, 80, 160), (1024, 80, 160), (2048, 112, 224), (3072, 128, 256),
                                        (4096, 152, 304), (7680, 192, 384), (15360, 256, 512)]
        for (k, level, bits) in cases {
            #expect(PaillierEncryptor.securityLevel(modulusBits: k) == level)
            #expect(PaillierEncryptor.ExponentLength.twiceSecurityLevel.bits(modulusBits: k) == bits)
            #expect(PaillierEncryptor.ExponentLength.halfModulus.bits(modulusBits: k) == k / 2)
        }
        // Never longer than DJN's ⌈k/2⌉ (tiny test keys).
        #expect(PaillierEncryptor.ExponentLength.twiceSecurityLevel.bits(modulusBits: 256) == 128)
    }

    @Test func theConstantTimeExponentiationAgreesWithTheOrdinaryOne() {
        let modulus = key.p * key.p
        for exponent in [GMPInteger(1), GMPInteger(2), key.p - 1, GMPInteger.random(bits: 700) + 1] {
            let base = GMPInteger.random(below: modulus)
            #expect(base.power(secretExponent: exponent, modulo: modulus) == base.power(exponent, modulo: modulus))
        }
    }

    @Test func homomorphicAdditionAddsModuloN() throws {
        let n = publicKey.n
        let pairs: [(GMPInteger, GMPInteger)] = [
            (GMPInteger(3), GMPInteger(4)), (n - 1, GMPInteger(1)), (n - 5, n - 7),
            (GMPInteger.random(below: n), GMPInteger.random(below: n)),
        ]
        for (a, b) in pairs {
            let sum = publicKey.add(try encryptor.encrypt(raw: a), try publicKey.encrypt(raw: b))
            #expect(key.decrypt(raw: sum) == (a + b).modulo(n))
            let plain = try publicKey.add(try encryptor.encrypt(raw: a), plaintext: b)
            #expect(key.decrypt(raw: plain) == (a + b).modulo(n))
        }
    }

    @Test func scalarMultiplicationMultipliesModuloN() throws {
        let n = publicKey.n
        let m = GMPInteger.random(below: n)
        let c = try encryptor.encrypt(raw: m)
        for k in [GMPInteger(0), GMPInteger(1), GMPInteger(7), GMPInteger(-3), n - 1, GMPInteger.random(below: n)] {
            #expect(key.decrypt(raw: publicKey.multiply(c, by: k)) == (m * k).modulo(n))
        }
    }

    @Test func vectorsEncryptAndSumInParallel() throws {
        let values = (0..<37).map { GMPInteger($0 * 1000) }
        let a = try encryptor.encrypt(raw: values)
        let b = try encryptor.encrypt(raw: values)
        let c = try encryptor.encrypt(raw: values)
        let sums = key.decrypt(raw: publicKey.sum([a, b, c]))
        #expect(sums == values.map { $0 * 3 })
    }

    @Test func ciphertextsOutsideTheGroupAreRejectedWithClearErrors() {
        let n = publicKey.n
        do {
            _ = try publicKey.ciphertext(publicKey.nSquared)
            Issue.record("c = n² was accepted")
        } catch {
            #expect(error.code == .invalidCiphertext)
            #expect(error.message.contains("not below n²"))
        }
        #expect(throws: PaillierError.self) { try publicKey.ciphertext(GMPInteger(0)) }
        #expect(throws: PaillierError.self) { try publicKey.ciphertext(n * 5) }
        #expect((try? publicKey.ciphertext(publicKey.nSquared - 1)) != nil)
    }

    /// The batched check (one gcd for a whole vector) accepts exactly what the single check
    /// accepts, and names the first bad index.
    @Test func vectorsOfCiphertextsAreCheckedWithOneGcdAndTheBadIndexIsNamed() throws {
        let n = publicKey.n
        let good = try encryptor.encrypt(raw: (0..<40).map { GMPInteger($0) }).map(\.value)
        #expect(try publicKey.ciphertexts(good).map(\.value) == good)
        #expect(try publicKey.ciphertexts([]).isEmpty)
        let bad: [(GMPInteger, String)] = [(key.p * 7, "shares a factor"), (key.q, "shares a factor"), (n * 3, "shares a factor"),
                                           (GMPInteger(0), "positive"), (publicKey.nSquared, "not below n²"),
                                           (publicKey.nSquared + 5, "not below n²")]
        for (value, reason) in bad {
            for index in [0, 17, 39] {
                var values = good
                values[index] = value
                do {
                    _ = try publicKey.ciphertexts(values)
                    Issue.record("a vector with \(reason) at \(index) was accepted")
                } catch {
                    #expect(error.code == .invalidCiphertext)
                    #expect(error.message.hasPrefix("ciphertext \(index): ") && error.message.contains(reason), "\(error.message)")
                }
            }
        }
    }
}
