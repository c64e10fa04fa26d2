import CGMP

/// An arbitrary-precision signed integer backed by a GMP `mpz_t`.
///
/// Instances are immutable once a public initialiser or operator has returned them: every
/// operation allocates a fresh result. That makes sharing them across threads safe (GMP only
/// reads its input operands) and keeps the wrapper free of aliasing surprises. The few
/// in-place helpers used by hot loops are internal and only touch values that no one else holds.
///
/// ```swift
/// let n = GMPInteger(decimal: "340282366920938463463374607431768211457")!
/// let r = GMPInteger(7).power(GMPInteger(3), modulo: n)   // 343
/// ```
public final class GMPInteger: @unchecked Sendable {
    // @unchecked: the mpz_t is written only while the instance is being built (before any other
    // reference to it exists); afterwards GMP only reads it, which is thread-safe.
    @usableFromInline let pointer: UnsafeMutablePointer<__mpz_struct>

    /// Creates zero.
    public init() {
        pointer = .allocate(capacity: 1)
        __gmpz_init(pointer)
    }

    deinit {
        __gmpz_clear(pointer)
        pointer.deallocate()
    }

    /// Creates the value of a machine integer.
    public convenience init(_ value: Int) {
        self.init()
        __gmpz_set_si(pointer, value)
    }

    /// Creates the value of an unsigned machine integer.
    public convenience init(_ value: UInt64) {
        self.init()
        __gmpz_set_ui(pointer, UInt(value))
    }

    /// Parses a base-10 integer: an optional leading `-` and at least one digit, nothing else.
    ///
    /// GMP's own parser skips embedded white space; this one is strict so that a corrupted
    /// ciphertext file is rejected instead of silently re-read.
    public convenience init?(decimal text: some StringProtocol) {
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        self.init()
        let status = String(text).withCString { __gmpz_set_str(pointer, $0, 10) }
        if status != 0 { return nil }
    }

    /// Creates a non-negative integer from big-endian bytes (the order JWK integers use).
    public convenience init(bigEndian bytes: some Collection<UInt8>) {
        self.init()
        // order 1 = most significant word first, size 1 byte, endian 0 = native. Contiguous
        // input (arrays, slices of blobs) is imported in place, without a copy.
        let imported: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            if !buffer.isEmpty { __gmpz_import(pointer, buffer.count, 1, 1, 0, 0, buffer.baseAddress) }
        }
        if imported != nil { return }
        let array = Array(bytes)
        if array.isEmpty { return }
        array.withUnsafeBufferPointer { buffer in
            __gmpz_import(pointer, array.count, 1, 1, 0, 0, buffer.baseAddress)
        }
    }

    /// Creates a non-negative integer from 64-bit words, least significant word first.
    public convenience init(littleEndianWords words: [UInt64]) {
        self.init()
        if words.isEmpty { return }
        words.withUnsafeBufferPointer { buffer in
            __gmpz_import(pointer, words.count, -1, 8, 0, 0, buffer.baseAddress)
        }
    }

    /// Creates a non-negative integer from 64-bit words in memory, least significant first.
    public convenience init(littleEndianWords words: UnsafeBufferPointer<UInt64>) {
        self.init()
        if words.isEmpty { return }
        __gmpz_import(pointer, words.count, -1, 8, 0, 0, words.baseAddress)
    }

    /// A uniformly random integer in `0 ..< 2^bits` from the system's secure generator.
    ///
    /// `SystemRandomNumberGenerator` reads the kernel CSPRNG (`getrandom` on Linux), so these
    /// values are fit for keys and encryption randomness, unlike GMP's Mersenne Twister.
    public static func random(bits: Int) -> GMPInteger {
        precondition(bits >= 0)
        var rng = SystemRandomNumberGenerator()
        let wordCount = (bits + 63) / 64
        var words = (0..<wordCount).map { _ in rng.next() as UInt64 }
        let spare = wordCount * 64 - bits
        if spare > 0, let last = words.indices.last { words[last] >>= UInt64(spare) }
        return GMPInteger(littleEndianWords: words)
    }

    /// A uniformly random integer in `0 ..< bound` (rejection sampling, no modulo bias).
    public static func random(below bound: GMPInteger) -> GMPInteger {
        precondition(bound.signum > 0, "random(below:) needs a positive bound")
        let bits = bound.bitWidth
        while true {
            let candidate = random(bits: bits)
            if candidate < bound { return candidate }
        }
    }

    // MARK: Reading

    /// The number of bits in the absolute value (0 for zero).
    public var bitWidth: Int {
        signum == 0 ? 0 : Int(__gmpz_sizeinbase(pointer, 2))
    }

    /// -1, 0 or 1.
    public var signum: Int {
        let size = pointer.pointee._mp_size
        return size > 0 ? 1 : (size < 0 ? -1 : 0)
    }

    public var isOdd: Bool { __gmpz_tstbit(pointer, 0) == 1 }

    /// Whether bit `index` of the absolute value is set.
    public func testBit(_ index: Int) -> Bool { __gmpz_tstbit(pointer, UInt(index)) == 1 }

    /// The absolute value as big-endian bytes without leading zeros (empty for zero).
    public var bigEndianBytes: [UInt8] {
        let count = (bitWidth + 7) / 8
        var bytes = [UInt8](repeating: 0, count: count)
        if count == 0 { return bytes }
        var written = 0
        bytes.withUnsafeMutableBufferPointer { buffer in
            _ = __gmpz_export(buffer.baseAddress, &written, 1, 1, 0, 0, pointer)
        }
        precondition(written == count)
        return bytes
    }

    /// The absolute value as 64-bit words, least significant first, padded to `count` words.
    /// - Precondition: the value fits in `count` words.
    public func littleEndianWords(count: Int) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: max(count, 1))
        let needed = (bitWidth + 63) / 64
        precondition(needed <= count, "value needs \(needed) words, only \(count) requested")
        if needed == 0 { return Array(words.prefix(count)) }
        var written = 0
        words.withUnsafeMutableBufferPointer { buffer in
            _ = __gmpz_export(buffer.baseAddress, &written, -1, 8, 0, 0, pointer)
        }
        return Array(words.prefix(count))
    }

    /// Writes the absolute value as `count` 64-bit words, least significant first, zero-padded.
    /// - Precondition: the value fits in `count` words.
    public func exportWords(into words: UnsafeMutablePointer<UInt64>, count: Int) {
        let needed = (bitWidth + 63) / 64
        precondition(needed <= count, "value needs \(needed) words, only \(count) requested")
        words.update(repeating: 0, count: count)
        var written = 0
        if needed > 0 { _ = __gmpz_export(words, &written, -1, 8, 0, 0, pointer) }
    }

    /// The value as an `Int`, or nil when it does not fit.
    public var intValue: Int? {
        guard bitWidth <= 63 else { return nil }
        return __gmpz_get_si(pointer)
    }

    /// The value rounded to the nearest `Double` (ties to even), or ±infinity when too large.
    ///
    /// `mpz_get_d` truncates; Python's `int / int` and `float(int)` round to nearest, and
    /// python-paillier's decoded floats must match them bit for bit.
    public var doubleValue: Double { scaledDouble(binaryExponent: 0) }

    /// `self × 2^binaryExponent` rounded once to the nearest `Double` (ties to even).
    public func scaledDouble(binaryExponent: Int) -> Double {
        let width = bitWidth
        if width == 0 { return 0 }
        let negative = signum < 0
        // Keep the top 64 bits; fold every discarded bit into a sticky lowest bit so that the
        // single rounding of UInt64 -> Double (to 53 bits) sees the exact tie information.
        let shift = max(0, width - 64)
        let magnitude = negative ? -self : self
        let top = magnitude.shiftedRight(shift)
        var word = top.littleEndianWords(count: 1)[0]
        if shift > 0 && Int(__gmpz_scan1(magnitude.pointer, 0)) < shift { word |= 1 }
        // A 64-bit word with sticky bit loses its sub-53-bit detail only in the final rounding
        // when the total exponent stays in the normal range, which holds for every value here.
        var result = Double(word)
        result = Double(sign: .plus, exponent: shift + binaryExponent, significand: result)
        return negative ? -result : result
    }

    // MARK: Arithmetic

    public static func + (lhs: GMPInteger, rhs: GMPInteger) -> GMPInteger {
        let result = GMPInteger()
        __gmpz_add(result.pointer, lhs.pointer, rhs.pointer)
        return result
    }

    public static func - (lhs: GMPInteger, rhs: GMPInteger) -> GMPInteger {
        let result = GMPInteger()
        __gmpz_sub(result.pointer, lhs.pointer, rhs.pointer)
        return result
    }

    public static func * (lhs: GMPInteger, rhs: GMPInteger) -> GMPInteger {
        let result = GMPInteger()
        __gmpz_mul(result.pointer, lhs.pointer, rhs.pointer)
        return result
    }

    public static prefix func - (value: GMPInteger) -> GMPInteger {
        let result = GMPInteger()
        __gmpz_neg(result.pointer, value.pointer)
        return result
    }

    public static func + (lhs: GMPInteger, rhs: Int) -> GMPInteger { lhs + GMPInteger(rhs) }
    public static func - (lhs: GMPInteger, rhs: Int) -> GMPInteger { lhs - GMPInteger(rhs) }
    public static func * (lhs: GMPInteger, rhs: Int) -> GMPInteger { lhs * GMPInteger(rhs) }

    /// The floor quotient `⌊self / divisor⌋` (Python's `//`).
    public func floorDivided(by divisor: GMPInteger) -> GMPInteger {
        precondition(divisor.signum != 0, "division by zero")
        let result = GMPInteger()
        __gmpz_fdiv_q(result.pointer, pointer, divisor.pointer)
        return result
    }

    /// The quotient of an exact division (faster than a general one).
    /// - Precondition: `divisor` divides `self`.
    public func exactlyDivided(by divisor: GMPInteger) -> GMPInteger {
        let result = GMPInteger()
        __gmpz_divexact(result.pointer, pointer, divisor.pointer)
        return result
    }

    /// The non-negative residue `self mod modulus` in `0 ..< |modulus|`.
    public func modulo(_ modulus: GMPInteger) -> GMPInteger {
        precondition(modulus.signum != 0, "modulo zero")
        let result = GMPInteger()
        __gmpz_mod(result.pointer, pointer, modulus.pointer)
        return result
    }

    /// `self^exponent mod modulus`; a negative exponent uses the modular inverse.
    public func power(_ exponent: GMPInteger, modulo modulus: GMPInteger) -> GMPInteger {
        let result = GMPInteger()
        __gmpz_powm(result.pointer, pointer, exponent.pointer, modulus.pointer)
        return result
    }

    /// `self^exponent mod modulus` for a secret exponent, in time and memory-access pattern
    /// independent of the exponent's bits (GMP's `mpz_powm_sec`).
    ///
    /// About 15 % slower than ``power(_:modulo:)`` for 1024-bit exponents modulo 2048-bit
    /// numbers; use it wherever the exponent is key material.
    /// - Precondition: exponent > 0 and an odd modulus (what `mpz_powm_sec` requires).
    public func power(secretExponent exponent: GMPInteger, modulo modulus: GMPInteger) -> GMPInteger {
        precondition(exponent.signum > 0 && modulus.isOdd, "power(secretExponent:) needs a positive exponent and an odd modulus")
        let result = GMPInteger()
        __gmpz_powm_sec(result.pointer, pointer, exponent.pointer, modulus.pointer)
        return result
    }

    /// `self^exponent` for a small non-negative exponent.
    public func power(_ exponent: Int) -> GMPInteger {
        precondition(exponent >= 0)
        let result = GMPInteger()
        __gmpz_pow_ui(result.pointer, pointer, UInt(exponent))
        return result
    }

    /// The inverse modulo `modulus`, or nil when `gcd(self, modulus) ≠ 1`.
    public func inverse(modulo modulus: GMPInteger) -> GMPInteger? {
        let result = GMPInteger()
        return __gmpz_invert(result.pointer, pointer, modulus.pointer) == 0 ? nil : result
    }

    public func gcd(_ other: GMPInteger) -> GMPInteger {
        let result = GMPInteger()
        __gmpz_gcd(result.pointer, pointer, other.pointer)
        return result
    }

    /// `self × 2^count`.
    public func shiftedLeft(_ count: Int) -> GMPInteger {
        let result = GMPInteger()
        __gmpz_mul_2exp(result.pointer, pointer, UInt(count))
        return result
    }

    /// `⌊self / 2^count⌋`.
    public func shiftedRight(_ count: Int) -> GMPInteger {
        let result = GMPInteger()
        __gmpz_fdiv_q_2exp(result.pointer, pointer, UInt(count))
        return result
    }

    /// GMP's probable-prime test: trial division, a Baillie–PSW test and `rounds − 24`
    /// further Miller–Rabin rounds (GMP ≥ 6.2). A composite passes with probability < 4^-rounds.
    public func isProbablePrime(rounds: Int = 40) -> Bool {
        __gmpz_probab_prime_p(pointer, Int32(rounds)) > 0
    }

    /// The integer square root `⌊√self⌋`.
    public var squareRoot: GMPInteger {
        precondition(signum >= 0)
        let result = GMPInteger()
        __gmpz_sqrt(result.pointer, pointer)
        return result
    }

    // MARK: In-place helpers for hot loops (the receiver must be private to the caller)

    /// `self = (self × other) mod modulus`.
    @inlinable
    func multiplyInPlace(by other: GMPInteger, modulo modulus: GMPInteger) {
        __gmpz_mul(pointer, pointer, other.pointer)
        __gmpz_mod(pointer, pointer, modulus.pointer)
    }

    /// A copy that the caller may mutate.
    func mutableCopy() -> GMPInteger {
        let result = GMPInteger()
        __gmpz_set(result.pointer, pointer)
        return result
    }
}

extension GMPInteger: Comparable, Hashable, CustomStringConvertible {
    public static func == (lhs: GMPInteger, rhs: GMPInteger) -> Bool {
        __gmpz_cmp(lhs.pointer, rhs.pointer) == 0
    }

    public static func < (lhs: GMPInteger, rhs: GMPInteger) -> Bool {
        __gmpz_cmp(lhs.pointer, rhs.pointer) < 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(signum)
        hasher.combine(bigEndianBytes)
    }

    /// The base-10 representation (what Python's `str(int)` prints).
    public var description: String {
        let capacity = Int(__gmpz_sizeinbase(pointer, 10)) + 2
        var buffer = [CChar](repeating: 0, count: capacity)
        return buffer.withUnsafeMutableBufferPointer { raw in
            __gmpz_get_str(raw.baseAddress, 10, pointer)
            return String(cString: raw.baseAddress!)
        }
    }
}
