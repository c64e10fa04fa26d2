/// A Paillier private key (the primes p < q) with the constants for CRT decryption.
///
/// Decryption works modulo p² and q² separately (Paillier 1999, §7): two exponentiations
/// with half-size exponents and moduli instead of one full-size one, about 3× faster.
///
/// A *subgroup key* (``generate(bits:subgroupBits:)``) also knows ``subgroup``, the secret
/// prime orders of the published mask base, and decrypts ciphertexts masked with that base
/// with short exponents (``decryptInSubgroup(raw:)``); any other ciphertext is decrypted the
/// standard way (``decryptStandard(raw:)``). ``decrypt(raw:)`` picks the path by itself.
public struct PaillierPrivateKey: Sendable {
    public let publicKey: PaillierPublicKey
    /// The smaller prime factor.
    public let p: GMPInteger
    /// The larger prime factor.
    public let q: GMPInteger

    let pSquared: GMPInteger
    let qSquared: GMPInteger
    let pMinusOne: GMPInteger
    let qMinusOne: GMPInteger
    /// hp = L_p(g^(p−1) mod p²)^(−1) mod p, and likewise hq.
    let hp: GMPInteger
    let hq: GMPInteger
    /// p^(−1) mod q for recombination.
    let pInverse: GMPInteger
    /// The small-order subgroup of a subgroup key, nil for a standard key.
    public let subgroup: PaillierSubgroup?

    /// Builds a private key from its factors after checking them against the public key.
    ///
    /// The factors may come in either order; they are stored with p < q as python-paillier does.
    /// - Throws: ``PaillierError/Code/invalidFactors`` when p·q ≠ n, p = q, or either factor is
    ///   not a probable prime.
    public init(publicKey: PaillierPublicKey, p: GMPInteger, q: GMPInteger) throws(PaillierError) {
        try self.init(publicKey: publicKey, p: p, q: q, subgroupOrders: nil)
    }

    /// The checks of ``init(publicKey:p:q:)`` and, for a subgroup key, those of
    /// ``PaillierSubgroup``; `subgroupOrders` pairs with `p` and `q` in the order given.
    init(publicKey: PaillierPublicKey, p: GMPInteger, q: GMPInteger,
         subgroupOrders: (p: GMPInteger, q: GMPInteger)?) throws(PaillierError) {
        guard p * q == publicKey.n else {
            throw PaillierError(.invalidFactors, "private key fields 'p' and 'q' do not match the public key: p·q ≠ n; the private key belongs to another public key or is corrupted")
        }
        guard p != q else {
            throw PaillierError(.invalidFactors, "private key fields 'p' and 'q' are equal; n must be a product of two distinct primes")
        }
        // 25 rounds in GMP ≥ 6.2 = Baillie–PSW plus one Miller–Rabin round: no known
        // composite passes, and it costs a few milliseconds.
        guard p.isProbablePrime(rounds: 25), q.isProbablePrime(rounds: 25) else {
            throw PaillierError(.invalidFactors, "private key field 'p' or 'q' is not prime; the key is corrupted")
        }
        let (small, large) = p < q ? (p, q) : (q, p)
        self.publicKey = publicKey
        self.p = small
        self.q = large
        pSquared = small * small
        qSquared = large * large
        pMinusOne = small - 1
        qMinusOne = large - 1
        let g = publicKey.g
        func h(_ x: GMPInteger, _ xSquared: GMPInteger, _ xMinusOne: GMPInteger) throws(PaillierError) -> GMPInteger {
            let l = (g.power(secretExponent: xMinusOne, modulo: xSquared) - 1).exactlyDivided(by: x)
            guard let inverse = l.inverse(modulo: x) else {
                throw PaillierError(.invalidFactors, "gcd(n, (p−1)(q−1)) ≠ 1 for private key fields 'p' and 'q'; generate a new key")
            }
            return inverse
        }
        hp = try h(small, pSquared, pMinusOne)
        hq = try h(large, qSquared, qMinusOne)
        guard let inverse = small.inverse(modulo: large) else {
            throw PaillierError(.invalidFactors, "private key fields 'p' and 'q' are not coprime")
        }
        pInverse = inverse
        if let orders = subgroupOrders {
            let (alphaP, alphaQ) = p < q ? (orders.p, orders.q) : (orders.q, orders.p)
            subgroup = try PaillierSubgroup(alphaP: alphaP, alphaQ: alphaQ, p: small, q: large,
                                            pSquared: pSquared, qSquared: qSquared, maskBase: publicKey.maskBase)
        } else {
            subgroup = nil
        }
    }

    /// Generates a fresh key pair with an n of exactly `bits` bits.
    ///
    /// p and q are independent uniformly random primes of `bits / 2` bits each, drawn from the
    /// system CSPRNG with the two top bits set (so p·q has exactly `bits` bits) and accepted by
    /// GMP's probable-prime test with 40 rounds. Pairs whose difference is small enough for
    /// Fermat factoring (|p − q| < 2^(bits/2 − 100)) are rejected, as FIPS 186-5 requires.
    /// - Parameter bits: the modulus size; 2048 (≈112-bit security) or 3072 (≈128-bit).
    public static func generate(bits: Int = 2048) -> PaillierPrivateKey {
        precondition(bits >= PaillierPublicKey.minimumModulusBits && bits % 2 == 0,
                     "key size must be even and at least \(PaillierPublicKey.minimumModulusBits) bits")
        let half = bits / 2
        while true {
            let p = randomPrime(bits: half)
            let q = randomPrime(bits: half)
            let distance = p < q ? q - p : p - q
            guard distance.bitWidth > half - 100 else { continue }
            let n = p * q
            guard n.bitWidth == bits,
                  let publicKey = try? PaillierPublicKey(n: n),
                  let key = try? PaillierPrivateKey(publicKey: publicKey, p: p, q: q)
            else { continue }
            return key
        }
    }

    /// A uniformly random probable prime with exactly `bits` bits and its top two bits set.
    static func randomPrime(bits: Int) -> GMPInteger {
        let top = GMPInteger(3).shiftedLeft(bits - 2)
        while true {
            // Fresh candidates (rather than nextprime from one start) keep the primes uniform.
            let low = GMPInteger.random(bits: bits - 2)
            let candidate = top + low
            let odd = candidate.isOdd ? candidate : candidate + 1
            if odd.bitWidth == bits, odd.isProbablePrime(rounds: 40) { return odd }
        }
    }

    // MARK: Decryption

    /// The raw plaintext m ∈ [0, n) of a ciphertext.
    ///
    /// A subgroup key first tries ``decryptInSubgroup(raw:)`` (short exponents) and falls back
    /// to ``decryptStandard(raw:)`` for a ciphertext whose mask is not in its subgroup (one
    /// encrypted by python-paillier, by textbook r^n, or re-randomised that way); a standard key
    /// always decrypts the standard way. Both paths give the same plaintext.
    public func decrypt(raw ciphertext: PaillierCiphertext) -> GMPInteger {
        decryptInSubgroup(raw: ciphertext) ?? decryptStandard(raw: ciphertext)
    }

    /// The raw plaintext by CRT over p² and q² with the exponents p − 1 and q − 1: works for
    /// every ciphertext of this key, whatever its mask (python-paillier's decryption).
    ///
    /// The exponents p − 1 and q − 1 are the secret key, so the exponentiations are GMP's
    /// constant-time `mpz_powm_sec` (≈ 15 % slower than `mpz_powm`); see "Side channels" in
    /// docs/paillier.md.
    public func decryptStandard(raw ciphertext: PaillierCiphertext) -> GMPInteger {
        let c = ciphertext.value
        return standardPlaintext(
            powerP: c.modulo(pSquared).power(secretExponent: pMinusOne, modulo: pSquared),
            powerQ: c.modulo(qSquared).power(secretExponent: qMinusOne, modulo: qSquared))
    }

    /// m from x_p = c^(p−1) mod p² and x_q = c^(q−1) mod q²:
    /// m mod p = L_p(x_p) · h_p mod p, likewise mod q, then Garner.
    func standardPlaintext(powerP: GMPInteger, powerQ: GMPInteger) -> GMPInteger {
        let mp = ((powerP - 1).exactlyDivided(by: p) * hp).modulo(p)
        let mq = ((powerQ - 1).exactlyDivided(by: q) * hq).modulo(q)
        return recombine(mp, mq)
    }

    /// Garner: m = mp + p·((mq − mp)·p⁻¹ mod q).
    func recombine(_ mp: GMPInteger, _ mq: GMPInteger) -> GMPInteger {
        let u = ((mq - mp) * pInverse).modulo(q)
        return mp + u * p
    }

    /// Decrypts a vector of ciphertexts on every core.
    ///
    /// With crypto_mb loaded (``MultiBufferExponentiator``) the exponentiations run eight at a
    /// time with AVX-512 IFMA; otherwise each ciphertext goes through ``decrypt(raw:)``. The
    /// plaintexts are the same either way.
    public func decrypt(raw ciphertexts: [PaillierCiphertext]) -> [GMPInteger] {
        decrypt(raw: ciphertexts, engine: MultiBufferExponentiator.shared)
    }

    /// ``decrypt(raw:)-([PaillierCiphertext])`` with an explicit engine (nil: GMP only), so that
    /// tests and benches can compare the two.
    public func decrypt(raw ciphertexts: [PaillierCiphertext], engine: MultiBufferExponentiator?) -> [GMPInteger] {
        guard let engine, engine.supports(modulusBits: pSquared.bitWidth),
              engine.supports(modulusBits: qSquared.bitWidth) else {
            return ParallelMap.map(count: ciphertexts.count) { decrypt(raw: ciphertexts[$0]) }
        }
        let lanes = MultiBufferExponentiator.lanes
        let batches = (ciphertexts.count + lanes - 1) / lanes
        return ParallelMap.map(count: batches) { batch in
            let batch = Array(ciphertexts[batch * lanes ..< min(ciphertexts.count, (batch + 1) * lanes)])
            return decrypt(lanes: batch, engine: engine) ?? batch.map { decrypt(raw: $0) }
        }.flatMap { $0 }
    }

    /// Up to eight ciphertexts through crypto_mb: the subgroup path for a subgroup key, then
    /// the standard path for any ciphertext outside the subgroup; nil if the library refuses.
    private func decrypt(lanes batch: [PaillierCiphertext], engine: MultiBufferExponentiator) -> [GMPInteger]? {
        let residuesP = batch.map { $0.value.modulo(pSquared) }
        let residuesQ = batch.map { $0.value.modulo(qSquared) }
        var plaintexts = [GMPInteger?](repeating: nil, count: batch.count)
        if let subgroup {
            guard let xp = engine.power(residuesP, exponent: subgroup.alphaP, modulus: pSquared),
                  let xq = engine.power(residuesQ, exponent: subgroup.alphaQ, modulus: qSquared)
            else { return nil }
            for lane in batch.indices {
                plaintexts[lane] = subgroupPlaintext(powerP: xp[lane], powerQ: xq[lane], subgroup: subgroup)
            }
        }
        let outside = batch.indices.filter { plaintexts[$0] == nil }
        if !outside.isEmpty {
            guard let xp = engine.power(outside.map { residuesP[$0] }, exponent: pMinusOne, modulus: pSquared),
                  let xq = engine.power(outside.map { residuesQ[$0] }, exponent: qMinusOne, modulus: qSquared)
            else { return nil }
            for (index, lane) in outside.enumerated() {
                plaintexts[lane] = standardPlaintext(powerP: xp[index], powerQ: xq[index])
            }
        }
        return plaintexts.map { $0! }
    }
}
