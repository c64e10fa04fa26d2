/// Parses the two JSON column forms the store writes (`StoreValues.jsonText`), and nothing
/// else: `{"name":number,…}` with names strictly ascending in UTF-8 order and numbers spelled
/// exactly as Swift prints them, and `[integer,…]` without leading zeros; no whitespace. So a
/// column parses if and only if it is the canonical text of its value.
/// A column in any other form is not what the ledger wrote, so rejecting it is the point;
/// `JSONDecoder` would accept it and cost ten times as much per row.
enum CanonicalJSON {
    static func namedValues(_ text: String) -> NamedValues? {
        var bytes = Array(text.utf8)[...]
        guard bytes.popFirst() == UInt8(ascii: "{") else { return nil }
        var dictionary: [String: Double] = [:]
        var previous: [UInt8]? = nil
        if bytes.first == UInt8(ascii: "}") {
            bytes.removeFirst()
            return bytes.isEmpty ? NamedValues() : nil
        }
        while true {
            guard let name = string(&bytes), bytes.popFirst() == UInt8(ascii: ":") else { return nil }
            let nameBytes = Array(name.utf8)
            if let previous, !previous.lexicographicallyPrecedes(nameBytes) { return nil }
            previous = nameBytes
            let end = bytes.firstIndex { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") } ?? bytes.endIndex
            let token = String(decoding: bytes[..<end], as: UTF8.self)
            guard let value = Double(token), value.isFinite, value.description == token, !(value == 0 && token.hasPrefix("-")) else {
                return nil
            }
            dictionary[name] = value
            bytes = bytes[end...]
            switch bytes.popFirst() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return bytes.isEmpty ? NamedValues(dictionary) : nil
            default: return nil
            }
        }
    }

    static func integers(_ text: String) -> [UInt64]? {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
        let body = bytes[1..<(bytes.count - 1)]
        if body.isEmpty { return [] }
        var values: [UInt64] = []
        for part in body.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let token = String(decoding: part, as: UTF8.self)
            guard let value = UInt64(token), String(value) == token else { return nil }
            values.append(value)
        }
        return values
    }

    /// A JSON string with the escapes `appendJSONString` writes (\" \\ \u00XX).
    private static func string(_ bytes: inout ArraySlice<UInt8>) -> String? {
        guard bytes.popFirst() == UInt8(ascii: "\"") else { return nil }
        var out: [UInt8] = []
        while let byte = bytes.popFirst() {
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                switch bytes.popFirst() {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "u"):
                    guard bytes.count >= 4, let code = UInt8(String(decoding: bytes.prefix(4), as: UTF8.self), radix: 16), code < 0x20 else {
                        return nil
                    }
                    out.append(code)
                    bytes.removeFirst(4)
                default: return nil
                }
            default:
                out.append(byte)
            }
        }
        return nil
    }
}
