/// Fast Paillier encryption: the Damgård–Jurik–Nielsen fixed-base variant with a short random
/// exponent and a precomputed windowed table.
///
/// Textbook encryption computes `r^n mod n²` with a full-length (k-bit) exponent for every
/// message. DJN (Damgård, Jurik & Nielsen 2010) instead fixes `h = −x² mod n` for a
/// random unit x, publishes `hₛ = h^n mod n²`, and encrypts as
///
///     c = (1 + m·n) · hₛ^a mod n²,  a uniform in [0, 2^ℓ)
///
/// `hₛ^a` is still an n-th residue, so decryption is unchanged and python-paillier decrypts
/// these ciphertexts. ℓ is twice the security level of the modulus by default
/// (``ExponentLength/twiceSecurityLevel``: 224 bits for a 2048-bit n, 112-bit security), or
/// DJN's original ⌈k/2⌉ (``ExponentLength/halfModulus``). Because the base is fixed, `hₛ^a` is
/// a product of precomputed powers: with a window of w bits, table entry (i, d) holds
/// `hₛ^(d·2^(w·i))`, and an encryption costs ⌈ℓ/w⌉ modular multiplications (20 for ℓ = 224,
/// w = 12) instead of a k-bit exponentiation (about 1.5k).
///
/// For a standard key the encryptor chooses h itself, so any public key (one from pheutil
/// included) works and the key owner learns nothing about the table. For a subgroup key
/// (``PaillierPublicKey/maskBase`` is set) it uses the key holder's published hₛ instead, whose
/// small order lets the key holder decrypt with short exponents
/// (``PaillierPrivateKey/generate(bits:subgroupBits:)``). See docs/paillier.md for the
/// security argument.
///
/// Build one encryptor per key and process and reuse it (the table for a 2048-bit key and the
/// default exponent takes ~0.3 s and ~40 MB).
public final class PaillierEncryptor: Sendable {
    /// How long the random exponent a is.
    public enum ExponentLength: Sendable, Equatable {
        /// 2κ bits for a modulus of κ-bit security (NIST SP 800-57 Part 1, Table 2): 160 for
        /// k < 2048, 224 for 2048, 256 for 3072, 304 for 4096, 384 for 7680, 512 for 15360;
        /// never more than ⌈k/2⌉.
        case twiceSecurityLevel
        /// ⌈k/2⌉ bits, as in DJN's paper (1024 for k = 2048).
        case halfModulus
        /// An explicit length in bits (tests and benchmarks).
        case bits(Int)

        /// The exponent length in bits for a k-bit modulus.
        public func bits(modulusBits k: Int) -> Int {
            switch self {
            case .twiceSecurityLevel: min(2 * PaillierEncryptor.securityLevel(modulusBits: k), (k + 1) / 2)
            case .halfModulus: (k + 1) / 2
            case .bits(let bits): bits
            }
        }
    }

    public let publicKey: PaillierPublicKey
    /// Bits of the random exponent a.
    public let exponentBits: Int
    /// Window width in bits.
    public let windowBits: Int
    /// hₛ: the key's published ``PaillierPublicKey/maskBase`` when it has one, otherwise
    /// h^n mod n² for the encryptor's own h = −x² mod n.
    public let base: GMPInteger
    /// `table[i * (2^w − 1) + (d − 1)] = hₛ^(d·2^(w·i)) mod n²` for digits d ≥ 1.
    private let table: [GMPInteger]

    /// Builds the precomputed table for `publicKey`.
    /// - Parameters:
    ///   - exponent: the length of the random exponent (default 2κ bits).
    ///   - windowBits: table window; each window costs 2^w − 1 entries and saves
    ///     multiplications: ⌈ℓ/w⌉ per encryption. The default is 12 for exponents of at most
    ///     320 bits (20 multiplications, ~40 MB for k = 2048) and 8 for longer ones
    ///     (128 multiplications and ~17 MB for ℓ = 1024).
    public init(publicKey: PaillierPublicKey, exponent: ExponentLength = .twiceSecurityLevel, windowBits: Int? = nil) {
        let bits = exponent.bits(modulusBits: publicKey.bits)
        precondition(bits >= 1, "the random exponent needs at least one bit")
        let window = windowBits ?? (bits <= 320 ? 12 : 8)
        precondition((1...16).contains(window))
        self.publicKey = publicKey
        self.windowBits = window
        exponentBits = bits
        let n = publicKey.n
        let nSquared = publicKey.nSquared
        if let published = publicKey.maskBase {
            base = published
        } else {
            var x = GMPInteger.random(below: n)
            while x.signum == 0 || x.gcd(n) != GMPInteger(1) { x = GMPInteger.random(below: n) }
            let h = n - (x * x).modulo(n)
            base = h.power(n, modulo: nSquared)
        }

        let digits = (1 << window) - 1
        let windows = (exponentBits + window - 1) / window
        var entries: [GMPInteger] = []
        entries.reserveCapacity(windows * digits)
        var windowBase = base  // hₛ^(2^(w·i))
        for _ in 0..<windows {
            var power = windowBase
            entries.append(power)
            for _ in 1..<digits {
                power = (power * windowBase).modulo(nSquared)
                entries.append(power)
            }
            windowBase = (power * windowBase).modulo(nSquared)
        }
        table = entries
    }

    /// The number of windows (modular multiplications per encryption, at most).
    public var windowCount: Int { (exponentBits + windowBits - 1) / windowBits }

    /// The security level κ in bits of a k-bit factoring modulus, from NIST SP 800-57 Part 1
    /// Rev. 5, Table 2 (1024 → 80, 2048 → 112, 3072 → 128, 7680 → 192, 15360 → 256), with
    /// 4096 → 152 as the commonly quoted interpolation (the GNFS cost estimate).
    public static func securityLevel(modulusBits k: Int) -> Int {
        switch k {
        case ..<2048: 80
        case ..<3072: 112
        case ..<4096: 128
        case ..<7680: 152
        case ..<15360: 192
        default: 256
        }
    }

    /// `hₛ^a mod n²` for a fresh random a of ``exponentBits`` bits.
    func randomMask() -> GMPInteger {
        let words = GMPInteger.random(bits: exponentBits).littleEndianWords(count: (exponentBits + 63) / 64)
        return mask(exponentWords: words)
    }

    /// `hₛ^a mod n²` for the exponent given as little-endian 64-bit words.
    func mask(exponentWords words: [UInt64]) -> GMPInteger {
        let digits = (1 << windowBits) - 1
        let nSquared = publicKey.nSquared
        let accumulator = GMPInteger(1)
        for window in 0..<windowCount {
            let bit = window * windowBits
            let word = bit / 64, offset = bit % 64
            var digit = words[word] >> UInt64(offset)
            if offset + windowBits > 64, word + 1 < words.count {
                digit |= words[word + 1] << UInt64(64 - offset)
            }
            let d = Int(digit & UInt64(digits))
            if d != 0 { accumulator.multiplyInPlace(by: table[window * digits + d - 1], modulo: nSquared) }
        }
        return accumulator
    }

    /// Encrypts a raw plaintext m ∈ [0, n).
    public func encrypt(raw plaintext: GMPInteger) throws(PaillierError) -> PaillierCiphertext {
        try publicKey.checkPlaintext(plaintext)
        let c = randomMask()
        c.multiplyInPlace(by: publicKey.messagePart(plaintext), modulo: publicKey.nSquared)
        return PaillierCiphertext(trusted: c)
    }

    /// Encrypts many raw plaintexts on every core.
    public func encrypt(raw plaintexts: [GMPInteger]) throws(PaillierError) -> [PaillierCiphertext] {
        for plaintext in plaintexts { try publicKey.checkPlaintext(plaintext) }
        return ParallelMap.map(count: plaintexts.count) { index in
            let c = self.randomMask()
            c.multiplyInPlace(by: self.publicKey.messagePart(plaintexts[index]), modulo: self.publicKey.nSquared)
            return PaillierCiphertext(trusted: c)
        }
    }

    /// The same plaintext under fresh randomness (cheap: one table walk).
    public func rerandomized(_ ciphertext: PaillierCiphertext) -> PaillierCiphertext {
        let c = randomMask()
        c.multiplyInPlace(by: ciphertext.value, modulo: publicKey.nSquared)
        return PaillierCiphertext(trusted: c)
    }
}
