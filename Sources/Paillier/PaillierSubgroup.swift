/// The secret small-order subgroup of a *subgroup key*: the masks of its ciphertexts live in a
/// subgroup of order αp·αq, so the key holder decrypts them with t-bit exponents instead of
/// p − 1 and q − 1 (Paillier 1999, §5, "scheme 3", in the DJN encryption form).
///
/// Key generation draws t-bit primes αp, αq and primes p = 2·αp·k + 1, q = 2·αq·l + 1. An
/// element hp of order αp modulo p and hq of order αq modulo q are combined by CRT into h of
/// order αp·αq modulo n, and the key holder publishes hₛ = h^n mod n² with n
/// (``PaillierPublicKey/maskBase``). Encryption is DJN's unchanged, c = (1 + m·n)·hₛ^a mod n².
///
/// Decryption: h^αp ≡ 1 (mod p), so h^αp = 1 + p·s (mod p²) and hₛ^αp = (1 + p·s)^(p·q) ≡ 1
/// (mod p²). Hence c^αp ≡ (1 + n)^(αp·m) ≡ 1 + αp·m·n (mod p²), L_p(c^αp mod p²) = αp·q·m mod p
/// and m mod p = L_p(c^αp mod p²)·(αp·q)^(−1) mod p; likewise modulo q, then Garner.
///
/// A ciphertext whose mask is *not* in the subgroup (textbook r^n, python-paillier) is
/// recognised exactly: write c = u·v in Z*_{p²} = (order p − 1 part) × {x ≡ 1 mod p}; then
/// c^αp ≡ 1 (mod p) if and only if u^αp = 1, and in that case c^αp = v^αp and the short path
/// returns the same m mod p as the standard one. So ``PaillierPrivateKey/decryptInSubgroup(raw:)``
/// checks that c^αp ≡ 1 (mod p) and c^αq ≡ 1 (mod q) and returns nil otherwise; no ciphertext
/// ever decrypts to a wrong value. See "Subgroup keys" in docs/paillier.md.
public struct PaillierSubgroup: Sendable {
    /// The prime order of the mask subgroup modulo p; it divides p − 1. Secret: it reveals p.
    public let alphaP: GMPInteger
    /// The prime order of the mask subgroup modulo q; it divides q − 1. Secret.
    public let alphaQ: GMPInteger
    /// (αp·q)^(−1) mod p = L_p((1 + n)^αp mod p²)^(−1), and likewise modulo q.
    let pFactor: GMPInteger
    let qFactor: GMPInteger

    /// The subgroup size t used when none is given: 2κ for a modulus of κ-bit security
    /// (``PaillierEncryptor/securityLevel(modulusBits:)``), rounded up to a whole number of
    /// 64-bit words: 256 for 2048- and 3072-bit moduli, 192 below 2048, 320 for 4096.
    ///
    /// The best attack known on the subgroup (Coron, Joux, Mandal, Naccache & Tibouchi,
    /// PKC 2011) factors n in about 2^(t/2) operations given the public hₛ, so t = 2κ keeps it at
    /// least as expensive as factoring n directly.
    public static func defaultBits(modulusBits k: Int) -> Int {
        let twice = 2 * PaillierEncryptor.securityLevel(modulusBits: k)
        return (twice + 63) / 64 * 64
    }

    /// Checks αp, αq against p, q and, when the public key carries one, the published base.
    /// - Throws: ``PaillierError/Code/invalidFactors`` when an order is not a prime dividing
    ///   p − 1 (q − 1), or hₛ^αp ≢ 1 (mod p²) or hₛ^αq ≢ 1 (mod q²).
    init(alphaP: GMPInteger, alphaQ: GMPInteger, p: GMPInteger, q: GMPInteger,
         pSquared: GMPInteger, qSquared: GMPInteger, maskBase: GMPInteger?) throws(PaillierError) {
        for (alpha, prime, name) in [(alphaP, p, "p"), (alphaQ, q, "q")] {
            guard alpha > GMPInteger(2), alpha < prime, alpha.isProbablePrime(rounds: 25),
                  (prime - 1).modulo(alpha).signum == 0 else {
                throw PaillierError(.invalidFactors, "the subgroup order for '\(name)' is not an odd prime dividing \(name) − 1; the subgroup key is corrupted")
            }
        }
        if let maskBase {
            let one = GMPInteger(1)
            guard maskBase.modulo(pSquared).power(secretExponent: alphaP, modulo: pSquared) == one,
                  maskBase.modulo(qSquared).power(secretExponent: alphaQ, modulo: qSquared) == one else {
                throw PaillierError(.invalidFactors, "the published mask base 'medchain_hs' is not in the private key's subgroup; the public and private parts do not belong together")
            }
        }
        guard let pFactor = (alphaP * q).inverse(modulo: p), let qFactor = (alphaQ * p).inverse(modulo: q) else {
            throw PaillierError(.invalidFactors, "a subgroup order is a multiple of p or q; the subgroup key is corrupted")
        }
        self.alphaP = alphaP
        self.alphaQ = alphaQ
        self.pFactor = pFactor
        self.qFactor = qFactor
    }
}

extension PaillierPrivateKey {
    /// Builds a subgroup key from its factors and subgroup orders (αp divides p − 1, αq divides
    /// q − 1) after checking them, and the public key's mask base if it has one.
    /// - Throws: ``PaillierError/Code/invalidFactors`` as ``init(publicKey:p:q:)`` does, or when
    ///   the orders or the mask base do not fit the factors.
    public init(publicKey: PaillierPublicKey, p: GMPInteger, q: GMPInteger,
                alphaP: GMPInteger, alphaQ: GMPInteger) throws(PaillierError) {
        try self.init(publicKey: publicKey, p: p, q: q, subgroupOrders: (alphaP, alphaQ))
    }

    /// Generates a subgroup key: n of exactly `bits` bits, p − 1 and q − 1 each with a secret
    /// prime factor of `subgroupBits` bits, and a published mask base hₛ of order αp·αq.
    ///
    /// p = 2·αp·k + 1 with k uniform in the range that gives p exactly `bits / 2` bits and its two
    /// top bits set, redrawn until GMP's test (40 rounds) accepts p; likewise q. As for standard
    /// keys, pairs with |p − q| < 2^(bits/2 − 100) are rejected and gcd(n, (p−1)(q−1)) = 1 is
    /// checked. hp = y^((p−1)/αp) mod p for a random y (redrawn while it is 1) has order αp;
    /// h = CRT(hp, hq) has order αp·αq modulo n, and hₛ = h^n mod n² is published with n.
    /// - Parameters:
    ///   - bits: the modulus size, as for ``generate(bits:)``.
    ///   - subgroupBits: t, the size of αp and αq (``PaillierSubgroup/defaultBits(modulusBits:)``
    ///     when nil); at least 32 and at most bits/2 − 64, so k keeps 63 random bits or more.
    public static func generate(bits: Int = 2048, subgroupBits: Int?) -> PaillierPrivateKey {
        precondition(bits >= PaillierPublicKey.minimumModulusBits && bits % 2 == 0,
                     "key size must be even and at least \(PaillierPublicKey.minimumModulusBits) bits")
        let half = bits / 2
        let t = subgroupBits ?? PaillierSubgroup.defaultBits(modulusBits: bits)
        precondition(t >= 32 && t <= half - 64, "subgroup bits must be in 32 ... \(half - 64) for a \(bits)-bit key")
        while true {
            let (p, alphaP) = subgroupPrime(bits: half, subgroupBits: t)
            let (q, alphaQ) = subgroupPrime(bits: half, subgroupBits: t)
            let distance = p < q ? q - p : p - q
            guard alphaP != alphaQ, distance.bitWidth > half - 100 else { continue }
            let n = p * q
            guard n.bitWidth == bits, let pInverse = p.inverse(modulo: q) else { continue }
            let hp = elementOfOrder(alphaP, modulo: p)
            let hq = elementOfOrder(alphaQ, modulo: q)
            let h = hp + p * ((hq - hp) * pInverse).modulo(q)
            let maskBase = h.power(n, modulo: n * n)
            guard let publicKey = try? PaillierPublicKey(n: n, maskBase: maskBase),
                  let key = try? PaillierPrivateKey(publicKey: publicKey, p: p, q: q, alphaP: alphaP, alphaQ: alphaQ)
            else { continue }
            return key
        }
    }

    /// A prime p = 2·α·k + 1 of exactly `bits` bits with its top two bits set, and α, a random
    /// `subgroupBits`-bit prime.
    static func subgroupPrime(bits: Int, subgroupBits: Int) -> (prime: GMPInteger, alpha: GMPInteger) {
        let alpha = randomPrime(bits: subgroupBits)
        let step = alpha * 2
        // 3·2^(bits−2) ≤ step·k + 1 < 2^bits.
        let low = (GMPInteger(3).shiftedLeft(bits - 2) - 2 + step).floorDivided(by: step)
        let high = (GMPInteger(1).shiftedLeft(bits) - 2).floorDivided(by: step)
        let span = high - low + 1
        while true {
            let candidate = step * (low + GMPInteger.random(below: span)) + 1
            if candidate.isProbablePrime(rounds: 40) { return (candidate, alpha) }
        }
    }

    /// y^((prime − 1)/α) mod prime for random y, redrawn until it is not 1: an element of order
    /// α (α is prime). The cofactor reveals the prime, so the exponentiation is constant-time.
    static func elementOfOrder(_ alpha: GMPInteger, modulo prime: GMPInteger) -> GMPInteger {
        let cofactor = (prime - 1).exactlyDivided(by: alpha)
        while true {
            let y = GMPInteger.random(below: prime - 3) + 2
            let element = y.power(secretExponent: cofactor, modulo: prime)
            if element != GMPInteger(1) { return element }
        }
    }

    // MARK: Decryption with short exponents

    /// The raw plaintext by the subgroup's short exponents αp and αq, or nil when this is not a
    /// subgroup key or the ciphertext's mask is not in its subgroup (then only
    /// ``decryptStandard(raw:)`` can decrypt it).
    ///
    /// Sums, scalar multiples and DJN re-randomisations of ciphertexts made by a
    /// ``PaillierEncryptor`` on the key's published base stay in the subgroup. Both
    /// exponentiations run, constant-time, before either check, so the time shows only whether
    /// the whole ciphertext passed, not which half failed.
    public func decryptInSubgroup(raw ciphertext: PaillierCiphertext) -> GMPInteger? {
        guard let subgroup else { return nil }
        let c = ciphertext.value
        return subgroupPlaintext(
            powerP: c.modulo(pSquared).power(secretExponent: subgroup.alphaP, modulo: pSquared),
            powerQ: c.modulo(qSquared).power(secretExponent: subgroup.alphaQ, modulo: qSquared),
            subgroup: subgroup)
    }

    /// m from x_p = c^αp mod p² and x_q = c^αq mod q², or nil when x_p ≢ 1 (mod p) or
    /// x_q ≢ 1 (mod q), i.e. c's mask is not in the subgroup. Both powers are computed before
    /// either is checked, so the time does not tell which prime rejected it.
    func subgroupPlaintext(powerP: GMPInteger, powerQ: GMPInteger, subgroup: PaillierSubgroup) -> GMPInteger? {
        let xp = powerP - 1
        let xq = powerQ - 1
        guard xp.modulo(p).signum == 0, xq.modulo(q).signum == 0 else { return nil }
        let mp = (xp.exactlyDivided(by: p) * subgroup.pFactor).modulo(p)
        let mq = (xq.exactlyDivided(by: q) * subgroup.qFactor).modulo(q)
        return recombine(mp, mq)
    }
}
