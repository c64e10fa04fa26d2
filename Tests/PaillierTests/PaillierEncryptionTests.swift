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
        // hₛ = h^n is an n-th residue: it decrypts to 0, so masks never disturb the message.
        #expect(key.decrypt(raw: PaillierCiphertext(trusted: encryptor.base)) == GMPInteger(0))
        let exponent = GMPInteger.random(bits: encryptor.exponentBits)
        let words = exponent.littleEndianWords(count: (encryptor.exponentBits + 63) / 64)
        #expect(encryptor.mask(exponentWords: words) == encryptor.base.power(exponent, modulo: publicKey.nSquared))
        let allOnes = GMPInteger(1).shiftedLeft(encryptor.exponentBits) - 1
        #expect(encryptor.mask(exponentWords: allOnes.littleEndianWords(count: words.count))
                == encryptor.base.power(allOnes, modulo: publicKey.nSquared))
        #expect(encryptor.exponentBits == 512)
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
}
