/// BatchCrypt-style packing of many small non-negative integers into one Paillier plaintext,
/// sized so that the sum of up to `parties` packed plaintexts can never carry from one slot
/// into the next.
///
/// Each value has `valueBits` bits (0 ≤ v ≤ 2^b − 1). The sum of K such values is at most
/// K·(2^b − 1), so a slot of `b + t` bits holds it if K·(2^b − 1) ≤ 2^(b+t) − 1. The scheme
/// picks the smallest such t (t = ⌈log₂ K⌉ in closed form, but it is found by exact integer
/// comparison). Slots sit side by side from the least significant bit; the packed plaintext is
/// Σⱼ vⱼ·2^(j·s) with s = b + t. Adding K packed plaintexts adds slot by slot; since no slot
/// sum reaches 2^s, there is no carry, and the total stays below 2^(slots·s) ≤ 2^(|n|−1) < n,
/// so there is no wrap-around modulo n either. Unpacking reads each s-bit field back: the
/// exact integer sums, bit for bit.
///
/// ```swift
/// let scheme = try PackingScheme(valueBits: 16, parties: 8, modulusBits: 2048)
/// scheme.slotBits            // 19
/// scheme.slotsPerPlaintext   // 107
/// ```
public struct PackingScheme: Sendable, Hashable, Codable {
    /// Bits per quantised value, b.
    public let valueBits: Int
    /// The most packed plaintexts that may be added together, K.
    public let parties: Int
    /// Padding bits per slot, t: the smallest with K·(2^b − 1) < 2^(b+t).
    public let paddingBits: Int
    /// Bits per slot, s = b + t.
    public var slotBits: Int { valueBits + paddingBits }
    /// Slots per plaintext: ⌊(|n| − 1) / s⌋, so every packed sum stays below n.
    public let slotsPerPlaintext: Int

    /// The largest value one party may put in a slot.
    public var maxValue: UInt64 { (UInt64(1) << UInt64(valueBits)) - 1 }

    /// - Parameters:
    ///   - valueBits: bits per value, 1 ... 62.
    ///   - parties: how many packed vectors will be summed, at least 1.
    ///   - modulusBits: the bit length of the Paillier modulus n.
    /// - Throws: ``PaillierError/Code/invalidPacking`` when a slot would exceed 64 bits or not
    ///   even one slot fits.
    public init(valueBits: Int, parties: Int, modulusBits: Int) throws(PaillierError) {
        guard (1...62).contains(valueBits) else {
            throw PaillierError(.invalidPacking, "valueBits must be in 1...62; got \(valueBits)")
        }
        guard parties >= 1 else {
            throw PaillierError(.invalidPacking, "parties must be at least 1; got \(parties)")
        }
        // Smallest t with K·(2^b − 1) ≤ 2^(b+t) − 1, by exact (overflow-checked) arithmetic.
        // At b + t = 64 the bound is UInt64.max, which any non-overflowing product meets.
        let maxSum = UInt64(parties).multipliedReportingOverflow(by: (UInt64(1) << UInt64(valueBits)) - 1)
        guard !maxSum.overflow else {
            throw PaillierError(.invalidPacking, "a slot for \(parties) parties of \(valueBits)-bit values would exceed 64 bits; use fewer bits or parties")
        }
        var padding = 0
        while valueBits + padding < 64 && maxSum.partialValue > (UInt64(1) << UInt64(valueBits + padding)) - 1 {
            padding += 1
        }
        let slots = (modulusBits - 1) / (valueBits + padding)
        guard slots >= 1 else {
            throw PaillierError(.invalidPacking, "a \(modulusBits)-bit modulus cannot hold one \(valueBits + padding)-bit slot")
        }
        self.valueBits = valueBits
        self.parties = parties
        self.paddingBits = padding
        self.slotsPerPlaintext = slots
    }

    /// A scheme for `publicKey`'s plaintext space.
    public init(valueBits: Int, parties: Int, publicKey: PaillierPublicKey) throws(PaillierError) {
        try self.init(valueBits: valueBits, parties: parties, modulusBits: publicKey.bits)
    }

    /// How many plaintexts `count` values need.
    public func plaintextCount(forValues count: Int) -> Int {
        (count + slotsPerPlaintext - 1) / slotsPerPlaintext
    }

    // MARK: Packing

    /// Packs values (each ≤ ``maxValue``) into plaintexts, slot 0 in the lowest bits.
    /// - Throws: ``PaillierError/Code/outOfRange`` naming the first value that is too large.
    public func pack(_ values: [UInt64]) throws(PaillierError) -> [GMPInteger] {
        if let index = values.firstIndex(where: { $0 > maxValue }) {
            throw PaillierError(.outOfRange, "value \(values[index]) at index \(index) does not fit in \(valueBits) bits (max \(maxValue)); quantise before packing")
        }
        return packSums(values)
    }

    /// Packs slot contents that are already known to fit in a slot (used for tests of sums).
    func packSums(_ values: [UInt64]) -> [GMPInteger] {
        let count = plaintextCount(forValues: values.count)
        let wordCount = (slotsPerPlaintext * slotBits + 63) / 64
        var plaintexts: [GMPInteger] = []
        plaintexts.reserveCapacity(count)
        var words = [UInt64](repeating: 0, count: wordCount)
        for chunk in 0..<count {
            for i in words.indices { words[i] = 0 }
            let start = chunk * slotsPerPlaintext
            let end = min(start + slotsPerPlaintext, values.count)
            for slot in 0..<(end - start) {
                let value = values[start + slot]
                let bit = slot * slotBits
                let word = bit / 64, offset = bit % 64
                words[word] |= value << UInt64(offset)
                if offset + slotBits > 64 { words[word + 1] |= value >> UInt64(64 - offset) }
            }
            plaintexts.append(GMPInteger(littleEndianWords: words))
        }
        return plaintexts
    }

    /// Reads `count` slot values back from (possibly summed) plaintexts.
    /// - Throws: ``PaillierError/Code/outOfRange`` when a plaintext is wider than the slots
    ///   allow (more than `parties` vectors were added, or it was not packed with this scheme).
    public func unpack(_ plaintexts: [GMPInteger], count: Int) throws(PaillierError) -> [UInt64] {
        guard plaintexts.count == plaintextCount(forValues: count) else {
            throw PaillierError(.invalidPacking, "\(count) values need \(plaintextCount(forValues: count)) plaintexts; got \(plaintexts.count)")
        }
        let wordCount = (slotsPerPlaintext * slotBits + 63) / 64
        let mask = slotBits == 64 ? UInt64.max : (UInt64(1) << UInt64(slotBits)) - 1
        var values: [UInt64] = []
        values.reserveCapacity(count)
        for (chunk, plaintext) in plaintexts.enumerated() {
            guard plaintext.signum >= 0, plaintext.bitWidth <= slotsPerPlaintext * slotBits else {
                throw PaillierError(.outOfRange, "plaintext \(chunk) has \(plaintext.bitWidth) bits, more than \(slotsPerPlaintext) slots of \(slotBits) bits; it was not packed with this scheme")
            }
            let words = plaintext.littleEndianWords(count: wordCount)
            let slots = min(slotsPerPlaintext, count - chunk * slotsPerPlaintext)
            for slot in 0..<slots {
                let bit = slot * slotBits
                let word = bit / 64, offset = bit % 64
                var value = words[word] >> UInt64(offset)
                if offset + slotBits > 64 { value |= words[word + 1] << UInt64(64 - offset) }
                values.append(value & mask)
            }
        }
        return values
    }
}

extension PaillierEncryptor {
    /// Packs and encrypts a quantised vector on every core.
    public func encrypt(packing values: [UInt64], scheme: PackingScheme) throws(PaillierError) -> [PaillierCiphertext] {
        try encrypt(raw: scheme.pack(values))
    }
}

extension PaillierPrivateKey {
    /// Decrypts a packed (summed) vector on every core and unpacks the exact slot sums.
    public func decrypt(packed ciphertexts: [PaillierCiphertext], scheme: PackingScheme, count: Int) throws(PaillierError) -> [UInt64] {
        try scheme.unpack(decrypt(raw: ciphertexts), count: count)
    }
}
