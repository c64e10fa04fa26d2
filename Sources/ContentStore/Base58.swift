/// Base58 with the Bitcoin alphabet (multibase `base58btc`, prefix `z`; CIDv0 strings).
///
/// Every leading zero byte becomes a leading `1`, and the rest is the big-endian number written
/// in base 58. Inputs here are CIDs and multihashes (tens of bytes), so the quadratic
/// schoolbook conversion is the right tool.
public enum Base58 {
    static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = Int8(value) }
        return table
    }()

    /// Encodes `bytes` in base58btc (no multibase prefix).
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        let zeros = input.prefix { $0 == 0 }.count
        // log(256) / log(58) < 1.37, so this many base-58 digits always suffice.
        var digits = [UInt8](repeating: 0, count: (input.count - zeros) * 137 / 100 + 1)
        var used = 0
        for byte in input[zeros...] {
            var carry = Int(byte)
            var i = 0
            while i < used || carry != 0 {
                carry += 256 * Int(digits[i])
                digits[i] = UInt8(carry % 58)
                carry /= 58
                i += 1
            }
            used = i
        }
        var text = [UInt8](repeating: alphabet[0], count: zeros)
        text.reserveCapacity(zeros + used)
        for i in stride(from: used - 1, through: 0, by: -1) { text.append(alphabet[Int(digits[i])]) }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes a base58btc string (no multibase prefix).
    ///
    /// - Throws: `MultibaseError.invalidCharacter` naming the first character outside the
    ///   alphabet (`0`, `O`, `I` and `l` are not in it).
    public static func decode(_ text: some StringProtocol) throws(MultibaseError) -> [UInt8] {
        let characters = Array(text.utf8)
        let zeros = characters.prefix { $0 == alphabet[0] }.count
        var bytes = [UInt8](repeating: 0, count: (characters.count - zeros) * 733 / 1000 + 1)
        var used = 0
        for (position, character) in characters.enumerated().dropFirst(zeros) {
            let value = values[Int(character)]
            guard value >= 0 else {
                throw .invalidCharacter(
                    Self.character(at: position, in: text), position: position, base: "base58btc")
            }
            var carry = Int(value)
            var i = 0
            while i < used || carry != 0 {
                carry += 58 * Int(bytes[i])
                bytes[i] = UInt8(carry & 0xFF)
                carry >>= 8
                i += 1
            }
            used = i
        }
        return [UInt8](repeating: 0, count: zeros) + bytes[0..<used].reversed()
    }

    /// The character that starts at UTF-8 offset `position` (for error messages).
    static func character(at position: Int, in text: some StringProtocol) -> Character {
        let utf8 = text.utf8
        let index = utf8.index(utf8.startIndex, offsetBy: position)
        return text[index...].first ?? "?"
    }
}
