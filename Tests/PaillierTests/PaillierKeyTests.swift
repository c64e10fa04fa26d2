import Testing
@testable import Paillier

struct PaillierKeyTests {
    @Test(arguments: [512, 1024, 2048, 3072])
    func generatedKeysHaveExactSizeEqualHalvesAndGEqualToNPlusOne(bits: Int) {
        let key = PaillierPrivateKey.generate(bits: bits)
        #expect(key.publicKey.n.bitWidth == bits)
        #expect(key.p.bitWidth == bits / 2 && key.q.bitWidth == bits / 2)
        #expect(key.p < key.q)
        #expect(key.p * key.q == key.publicKey.n)
        #expect(key.publicKey.g == key.publicKey.n + 1)
        #expect(key.p.isProbablePrime() && key.q.isProbablePrime())
        // Fermat factoring needs |p − q| small; generation keeps it above 2^(bits/2 − 100).
        #expect((key.q - key.p).bitWidth > bits / 2 - 100)
    }

    @Test func maxIntIsPythonPailliersNDivThreeMinusOne() {
        let key = TestKeys.k512.publicKey
        #expect(key.maxInt == key.n.floorDivided(by: GMPInteger(3)) - 1)
    }

    @Test func evenOrShortModuliAreRejected() {
        let n = TestKeys.k512.publicKey.n
        #expect(throws: PaillierError.self) { try PaillierPublicKey(n: n + 1) }
        #expect(throws: PaillierError.self) { try PaillierPublicKey(n: GMPInteger(0)) }
        do {
            _ = try PaillierPublicKey(n: GMPInteger(1).shiftedLeft(300) + 1)
            Issue.record("a 301-bit modulus was accepted")
        } catch {
            #expect(error.code == .invalidModulus)
            #expect(error.message.contains("at least 512"))
        }
    }

    @Test func factorsThatDoNotMultiplyToNAreRejected() {
        let key = TestKeys.k512
        let other = TestKeys.k1024
        #expect(throws: PaillierError(.invalidFactors, "private key fields 'p' and 'q' do not match the public key: p·q ≠ n; the private key belongs to another public key or is corrupted")) {
            try PaillierPrivateKey(publicKey: key.publicKey, p: key.p, q: other.q)
        }
        // Swapped order is fine and normalised to p < q.
        let swapped = try? PaillierPrivateKey(publicKey: key.publicKey, p: key.q, q: key.p)
        #expect(swapped?.p == key.p)
    }

    @Test func compositeFactorsAreRejected() throws {
        // n' = (p·q)·1 with "factors" n and 1 multiplies out but is not a pair of primes.
        let key = TestKeys.k512
        #expect(throws: PaillierError.self) {
            try PaillierPrivateKey(publicKey: key.publicKey, p: key.publicKey.n, q: GMPInteger(1))
        }
    }
}
