/// RFC 4648 base32 without padding (multibase `base32`, prefix `b`, the CIDv1 default).
///
/// Encoding is lowercase. Decoding accepts one case at a time (lowercase for `b`, uppercase
/// for `B`) and rejects impossible lengths and non-zero trailing bits, so a string decodes only
/// if it is exactly what `encode` would print.
public enum Base32 {
    static let lowercase = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    private static let lowerValues = table(for: lowercase)
    private static let upperValues = table(for: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8))

    private static func table(for alphabet: [UInt8]) -> [Int8] {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = Int8(value) }
        return table
    }

    /// Encodes `bytes` as lowercase base32 without padding (no multibase prefix).
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                text.append(lowercase[Int((buffer >> UInt32(bits)) & 31)])
            }
        }
        if bits > 0 { text.append(lowercase[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes unpadded base32 (no multibase prefix), lowercase unless `uppercase` is set.
    ///
    /// - Throws: `MultibaseError` for a character outside the alphabet, a length no byte
    ///   string encodes to, or non-zero bits after the last byte.
    public static func decode(
        _ text: some StringProtocol, uppercase: Bool = false
    ) throws(MultibaseError) -> [UInt8] {
        let values = uppercase ? upperValues : lowerValues
        let characters = Array(text.utf8)
        // 8 characters carry 5 bytes; a remainder of 1, 3 or 6 characters is never produced.
        guard ![1, 3, 6].contains(characters.count % 8) else {
            throw .invalidLength(characters.count, base: "base32")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count * 5 / 8)
        var buffer: UInt32 = 0
        var bits = 0
        for (position, character) in characters.enumerated() {
            let value = values[Int(character)]
            guard value >= 0 else {
                throw .invalidCharacter(
                    Base58.character(at: position, in: text), position: position, base: "base32")
            }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        guard buffer & ((1 << UInt32(bits)) - 1) == 0 else { throw .nonZeroPadding(base: "base32") }
        return bytes
    }
}
