import Foundation

/// A Paillier public key with g = n + 1, as python-paillier uses.
///
/// With g = n + 1, `g^m mod n² = 1 + m·n`, so the message part of a ciphertext costs one
/// multiplication. The randomness part `r^n mod n²` is the expensive step: this type does it
/// the textbook way (a full-length exponentiation, like python-paillier), which suits one-off
/// use; ``PaillierEncryptor`` precomputes a table and encrypts about ten times faster.
public struct PaillierPublicKey: Sendable, Hashable {
    /// The modulus n = p·q.
    public let n: GMPInteger
    /// n², the ciphertext modulus.
    public let nSquared: GMPInteger
    /// The largest magnitude python-paillier's encoding accepts: `n // 3 − 1`.
    ///
    /// Values in `max_int < x < n − max_int` are reserved for overflow detection.
    public let maxInt: GMPInteger
    /// The mask base hₛ published by the key holder of a subgroup key (JWK field
    /// `medchain_hs`), or nil for a standard key.
    ///
    /// When present, ``PaillierEncryptor`` masks with powers of this base instead of a base of
    /// its own, so that the key holder can decrypt with short exponents (see
    /// ``PaillierPrivateKey/generate(bits:subgroupBits:)``). It is not part of the key's
    /// identity: `==` and hashing look at n only, and every operation other than the
    /// encryptor's choice of base is the same with or without it.
    public let maskBase: GMPInteger?

    /// The smallest modulus accepted: smaller ones are trivially factored (and also too small
    /// for the packing and encoding bounds to make sense).
    public static let minimumModulusBits = 512

    /// Creates a key from its modulus (and, for a subgroup key, its published mask base) after
    /// checking that they can be one.
    /// - Throws: ``PaillierError/Code/invalidModulus`` when n is even or shorter than 512 bits;
    ///   ``PaillierError/Code/malformedKey`` when `maskBase` is not a usable mask base
    ///   (``checkMaskBase(_:n:nSquared:)``).
    public init(n: GMPInteger, maskBase: GMPInteger? = nil) throws(PaillierError) {
        guard n.signum > 0, n.isOdd else {
            throw PaillierError(.invalidModulus, "public key field 'n' must be an odd positive integer (a product of two odd primes); got an even or non-positive value")
        }
        guard n.bitWidth >= Self.minimumModulusBits else {
            throw PaillierError(.invalidModulus, "public key field 'n' has \(n.bitWidth) bits; at least \(Self.minimumModulusBits) are required (use 2048 or 3072)")
        }
        let nSquared = n * n
        if let maskBase { try Self.checkMaskBase(maskBase, n: n, nSquared: nSquared) }
        self.n = n
        self.nSquared = nSquared
        self.maxInt = n.floorDivided(by: GMPInteger(3)) - 1
        self.maskBase = maskBase
    }

    /// The same key without its published mask base: what a standard (pheutil) reader sees.
    public var withoutMaskBase: PaillierPublicKey {
        // n was accepted once, so it is accepted again.
        try! PaillierPublicKey(n: n)
    }

    /// The checks a published mask base hₛ must pass: 1 < hₛ < n², gcd(hₛ, n) = 1, and
    /// hₛ mod n ∉ {1, n − 1} (a base of order 1 or 2 modulo n would give one or two masks).
    ///
    /// Whether hₛ really is an n-th residue of small order cannot be checked without the
    /// factors; the base comes from the key holder together with n (one JWK, one content ID),
    /// so it is trusted exactly as much as n is. A base outside the key's subgroup costs only
    /// speed: the key holder then decrypts with the standard exponents.
    static func checkMaskBase(_ base: GMPInteger, n: GMPInteger, nSquared: GMPInteger) throws(PaillierError) {
        guard base > GMPInteger(1), base < nSquared else {
            throw PaillierError(.malformedKey, "public key field 'medchain_hs' (the published mask base) must lie in 2 ..< n²; it has \(base.bitWidth) bits against \(nSquared.bitWidth) for n²; was it written for another key?")
        }
        guard base.gcd(n) == GMPInteger(1) else {
            throw PaillierError(.malformedKey, "public key field 'medchain_hs' (the published mask base) shares a factor with n, so it is not a unit; the key is corrupted")
        }
        let reduced = base.modulo(n)
        guard reduced != GMPInteger(1), reduced != n - 1 else {
            throw PaillierError(.malformedKey, "public key field 'medchain_hs' (the published mask base) is ±1 modulo n and would give at most two masks; the key is corrupted")
        }
    }

    /// The generator g = n + 1.
    public var g: GMPInteger { n + 1 }

    /// The key size in bits (the bit length of n).
    public var bits: Int { n.bitWidth }

    public static func == (lhs: PaillierPublicKey, rhs: PaillierPublicKey) -> Bool { lhs.n == rhs.n }
    public func hash(into hasher: inout Hasher) { hasher.combine(n) }

    // MARK: Ciphertexts from outside

    /// Checks an integer received from elsewhere and wraps it as a ciphertext of this key.
    /// - Throws: ``PaillierError/Code/invalidCiphertext`` unless `0 < c < n²` and gcd(c, n) = 1.
    public func ciphertext(_ value: GMPInteger) throws(PaillierError) -> PaillierCiphertext {
        guard value.signum > 0 else {
            throw PaillierError(.invalidCiphertext, "ciphertext must be a positive integer below n²; got \(value.signum == 0 ? "0" : "a negative number")")
        }
        guard value < nSquared else {
            throw PaillierError(.invalidCiphertext, "ciphertext is not below n² (it has \(value.bitWidth) bits, n² has \(nSquared.bitWidth)); was it encrypted under another key?")
        }
        guard value.gcd(n) == GMPInteger(1) else {
            throw PaillierError(.invalidCiphertext, "ciphertext shares a factor with n, so it is not a Paillier ciphertext; discard it")
        }
        return PaillierCiphertext(trusted: value)
    }

    /// Checks many integers received from elsewhere, as ``ciphertext(_:)`` does each, with one
    /// gcd for the whole vector.
    ///
    /// n = p·q with p, q prime, so Π cᵢ mod n shares a factor with n exactly when some cᵢ
    /// does: running products modulo n (one short multiplication per value, in chunks on all
    /// cores) and one gcd per chunk replace a gcd per value (about 5× the time for a
    /// 2,640-ciphertext update). The error names the first offending index.
    /// - Throws: ``PaillierError/Code/invalidCiphertext`` unless every value is in `1 ..< n²`
    ///   and coprime to n.
    public func ciphertexts(_ values: [GMPInteger]) throws(PaillierError) -> [PaillierCiphertext] {
        let inRange = values.allSatisfy { $0.signum > 0 && $0 < nSquared }
        let chunks = min(values.count, 4 * ParallelMap.coreCount)
        let units = inRange && ParallelMap.map(count: chunks) { chunk -> Bool in
            let product = GMPInteger(1)
            for index in (chunk * values.count / chunks)..<((chunk + 1) * values.count / chunks) {
                product.multiplyInPlace(by: values[index], modulo: n)
            }
            return product.gcd(n) == GMPInteger(1)
        }.allSatisfy { $0 }
        if units { return values.map { PaillierCiphertext(trusted: $0) } }
        // Something is wrong: check one by one, in order, to name the first bad ciphertext.
        for (index, value) in values.enumerated() {
            do { _ = try ciphertext(value) } catch { throw PaillierError(.invalidCiphertext, "ciphertext \(index): \(error.message)") }
        }
        preconditionFailure("a product shared a factor with n but no factor did")
    }

    // MARK: Encryption

    /// `g^m mod n² = 1 + m·n` for 0 ≤ m < n (no reduction needed: 1 + m·n < n²).
    func messagePart(_ plaintext: GMPInteger) -> GMPInteger {
        plaintext * n + 1
    }

    /// Checks that a raw plaintext lies in `0 ..< n`.
    func checkPlaintext(_ plaintext: GMPInteger) throws(PaillierError) {
        guard plaintext.signum >= 0, plaintext < n else {
            throw PaillierError(.outOfRange, "raw plaintext must be in 0 ..< n; encode negative or fractional values with PaillierEncodedNumber first")
        }
    }

    /// Encrypts a raw plaintext `m ∈ [0, n)` as `(1 + m·n) · r^n mod n²` with a fresh uniform
    /// r ∈ Z*_n (textbook Paillier, the same distribution as python-paillier).
    public func encrypt(raw plaintext: GMPInteger) throws(PaillierError) -> PaillierCiphertext {
        try checkPlaintext(plaintext)
        let c = messagePart(plaintext)
        c.multiplyInPlace(by: randomMask(), modulo: nSquared)
        return PaillierCiphertext(trusted: c)
    }

    /// A fresh `r^n mod n²` with r uniform in Z*_n.
    func randomMask() -> GMPInteger {
        var r = GMPInteger.random(below: n)
        while r.signum == 0 || r.gcd(n) != GMPInteger(1) { r = GMPInteger.random(below: n) }
        return r.power(n, modulo: nSquared)
    }

    /// The same plaintext under fresh randomness: `c · r^n mod n²`.
    ///
    /// Results of ``add(_:_:)`` and ``multiply(_:by:)`` are deterministic functions of their
    /// inputs; re-randomise them before they leave the process, as python-paillier does when it
    /// serialises.
    public func rerandomized(_ ciphertext: PaillierCiphertext) -> PaillierCiphertext {
        let c = ciphertext.value.mutableCopy()
        c.multiplyInPlace(by: randomMask(), modulo: nSquared)
        return PaillierCiphertext(trusted: c)
    }

    // MARK: Homomorphic operations

    /// E(a) ⊕ E(b) = E(a + b mod n): the product of the ciphertexts mod n².
    public func add(_ a: PaillierCiphertext, _ b: PaillierCiphertext) -> PaillierCiphertext {
        let c = a.value * b.value
        return PaillierCiphertext(trusted: c.modulo(nSquared))
    }

    /// E(a) ⊕ m = E(a + m mod n) for a raw plaintext m ∈ [0, n), without new randomness.
    public func add(_ a: PaillierCiphertext, plaintext: GMPInteger) throws(PaillierError) -> PaillierCiphertext {
        try checkPlaintext(plaintext)
        let c = a.value.mutableCopy()
        c.multiplyInPlace(by: messagePart(plaintext), modulo: nSquared)
        return PaillierCiphertext(trusted: c)
    }

    /// E(a) ⊗ k = E(a·k mod n): the ciphertext raised to the scalar.
    ///
    /// A scalar k ∈ [0, n) is used as is; a negative one is applied as (n − |k|)
    /// through the inverse ciphertext, which keeps the exponent short.
    public func multiply(_ a: PaillierCiphertext, by scalar: GMPInteger) -> PaillierCiphertext {
        let k = scalar.modulo(n)
        let negative = n - k
        if negative < k, let inverse = a.value.inverse(modulo: nSquared) {
            return PaillierCiphertext(trusted: inverse.power(negative, modulo: nSquared))
        }
        return PaillierCiphertext(trusted: a.value.power(k, modulo: nSquared))
    }

    /// Sums many ciphertext vectors coordinate by coordinate (E(Σ xᵢ) for each position).
    /// - Precondition: every vector has the same length.
    public func sum(_ vectors: [[PaillierCiphertext]]) -> [PaillierCiphertext] {
        guard let first = vectors.first else { return [] }
        precondition(vectors.allSatisfy { $0.count == first.count }, "ciphertext vectors differ in length")
        return ParallelMap.map(count: first.count) { index in
            let accumulator = first[index].value.mutableCopy()
            for vector in vectors.dropFirst() {
                accumulator.multiplyInPlace(by: vector[index].value, modulo: nSquared)
            }
            return PaillierCiphertext(trusted: accumulator)
        }
    }
}
