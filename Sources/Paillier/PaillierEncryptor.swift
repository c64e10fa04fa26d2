/// Fast Paillier encryption: the Damgård–Jurik–Nielsen short-exponent variant with a
/// fixed-base windowed table.
///
/// Textbook encryption computes `r^n mod n²` with a full-length (k-bit) exponent for every
/// message. DJN (Damgård, Jurik & Nielsen 2010) instead fixes `h = −x² mod n` for a
/// random unit x, publishes `hₛ = h^n mod n²`, and encrypts as
///
///     c = (1 + m·n) · hₛ^a mod n²,  a uniform in [0, 2^⌈k/2⌉)
///
/// `hₛ^a` is still an n-th residue, so decryption is unchanged and python-paillier decrypts
/// these ciphertexts. Because the base is fixed, `hₛ^a` is a product of precomputed powers:
/// with a window of w bits, table entry (i, d) holds `hₛ^(d·2^(w·i))`, and an encryption costs
/// ⌈k/2⌉ / w modular multiplications instead of a k-bit exponentiation (about 2 × 1.5k).
///
/// The encryptor chooses h itself, so any public key (one from pheutil included) works and
/// the key owner learns nothing about the table. See docs/paillier.md for the security argument.
///
/// Building the table takes ~0.15 s and ~17 MB for a 2048-bit key; reuse one encryptor.
public final class PaillierEncryptor: Sendable {
    public let publicKey: PaillierPublicKey
    /// Bits of the random exponent a: ⌈k/2⌉ as DJN specify.
    public let exponentBits: Int
    /// Window width in bits.
    public let windowBits: Int
    /// hₛ = h^n mod n², kept for tests and for publishing alongside the key.
    public let base: GMPInteger
    /// `table[i * (2^w − 1) + (d − 1)] = hₛ^(d·2^(w·i)) mod n²` for digits d ≥ 1.
    private let table: [GMPInteger]

    /// Builds the precomputed table for `publicKey`.
    /// - Parameter windowBits: table window; 8 costs 255 entries per window and halves the
    ///   multiplications compared with 4. Larger windows grow the table exponentially.
    public init(publicKey: PaillierPublicKey, windowBits: Int = 8) {
        precondition((1...12).contains(windowBits))
        self.publicKey = publicKey
        self.windowBits = windowBits
        exponentBits = (publicKey.bits + 1) / 2
        let n = publicKey.n
        let nSquared = publicKey.nSquared
        var x = GMPInteger.random(below: n)
        while x.signum == 0 || x.gcd(n) != GMPInteger(1) { x = GMPInteger.random(below: n) }
        let h = n - (x * x).modulo(n)
        base = h.power(n, modulo: nSquared)

        let digits = (1 << windowBits) - 1
        let windows = (exponentBits + windowBits - 1) / windowBits
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
