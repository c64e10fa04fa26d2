import Foundation

/// python-paillier's JSON Web Key form, as `pheutil genpkey` writes it.
///
/// Public:  `{"kty": "DAJ", "alg": "PAI-GN1", "key_ops": ["encrypt"], "n": "<b64url>", "kid": "…"}`
/// Private: `{"kty": "DAJ", "key_ops": ["decrypt"], "p": "<b64url>", "q": "<b64url>",
///            "pub": {…public…}, "kid": "…"}`
///
/// Integers are unsigned big-endian bytes in unpadded base64url (RFC 7515 §2). Field order and
/// spacing follow Python's `json.dump`, so our files diff cleanly against pheutil's.
///
/// A subgroup key (``PaillierPrivateKey/generate(bits:subgroupBits:)``) adds optional fields
/// that pheutil and python-paillier ignore (they read only the fields above):
/// - public: `"medchain_hs"`, the published mask base hₛ (same integer encoding), right after
///   `n`. Without it a key reads as a standard key, exactly as before; with it
///   ``PaillierEncryptor`` masks with that base.
/// - private: `"medchain_alpha_p"` and `"medchain_alpha_q"`, the secret subgroup orders, right
///   after `q`. Without them the key decrypts everything the standard way.
public enum PaillierJWK {
    public static let keyType = "DAJ"
    public static let algorithm = "PAI-GN1"

    struct PublicWire: Codable {
        var kty: String?
        var alg: String?
        var key_ops: [String]?
        var n: String?
        var medchain_hs: String?
        var kid: String?
    }

    struct PrivateWire: Codable {
        var kty: String?
        var key_ops: [String]?
        var p: String?
        var q: String?
        var medchain_alpha_p: String?
        var medchain_alpha_q: String?
        var pub: PublicWire?
        var kid: String?
    }

    // MARK: Parsing

    /// Reads and checks a public key JWK.
    /// - Throws: ``PaillierError`` naming the offending field (`kty`, `alg`, `n`).
    public static func publicKey(from json: Data) throws(PaillierError) -> PaillierPublicKey {
        try publicKey(from: decode(PublicWire.self, json, what: "public key"), context: "public key")
    }

    /// The `kid` of a public key JWK, if any.
    public static func keyID(ofPublicKey json: Data) -> String? {
        (try? JSONDecoder().decode(PublicWire.self, from: json))?.kid
    }

    /// Reads and checks a private key JWK, including its embedded public key.
    /// - Throws: ``PaillierError`` naming the offending field; `invalidFactors` when p·q ≠ n.
    public static func privateKey(from json: Data) throws(PaillierError) -> PaillierPrivateKey {
        let wire = try decode(PrivateWire.self, json, what: "private key")
        try checkType(wire.kty, context: "private key")
        guard let operations = wire.key_ops, operations.contains("decrypt") else {
            throw PaillierError(.malformedKey, "private key field 'key_ops' must list \"decrypt\"; is this a public key? (use the file written by genpkey)")
        }
        guard let pub = wire.pub else {
            throw PaillierError(.malformedKey, "private key has no field 'pub' (the embedded public key)")
        }
        let publicKey = try publicKey(from: pub, context: "private key field 'pub'")
        let p = try integer(wire.p, field: "p", context: "private key")
        let q = try integer(wire.q, field: "q", context: "private key")
        switch (wire.medchain_alpha_p, wire.medchain_alpha_q) {
        case (nil, nil):
            return try PaillierPrivateKey(publicKey: publicKey, p: p, q: q)
        case (let alphaP?, let alphaQ?):
            return try PaillierPrivateKey(publicKey: publicKey, p: p, q: q,
                                          alphaP: integer(alphaP, field: "medchain_alpha_p", context: "private key"),
                                          alphaQ: integer(alphaQ, field: "medchain_alpha_q", context: "private key"))
        default:
            throw PaillierError(.malformedKey, "private key has only one of the fields 'medchain_alpha_p' and 'medchain_alpha_q' (the subgroup orders); a subgroup key needs both")
        }
    }

    /// The public part of a private key JWK, unchanged (pheutil `extract`), after checking it.
    public static func extractPublic(fromPrivate json: Data) throws(PaillierError) -> String {
        let wire = try decode(PrivateWire.self, json, what: "private key")
        try checkType(wire.kty, context: "private key")
        guard let pub = wire.pub else {
            throw PaillierError(.malformedKey, "private key has no field 'pub' (the embedded public key)")
        }
        let key = try publicKey(from: pub, context: "private key field 'pub'")
        return encode(publicKey: key, kid: pub.kid, keyOperations: pub.key_ops ?? ["encrypt"])
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ json: Data, what: String) throws(PaillierError) -> T {
        do {
            return try JSONDecoder().decode(type, from: json)
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw PaillierError(.malformedKey, "\(what) field '\(field)' has the wrong JSON type (integers are base64url strings, key_ops a list of strings)")
        } catch {
            throw PaillierError(.malformedKey, "\(what) is not a JSON object; expected a JWK written by pheutil genpkey or medchain paillier genpkey")
        }
    }

    private static func checkType(_ kty: String?, context: String) throws(PaillierError) {
        guard let kty else {
            throw PaillierError(.malformedKey, "\(context) has no field 'kty'; expected \"DAJ\"")
        }
        guard kty == keyType else {
            throw PaillierError(.unsupportedKeyType, "\(context) field 'kty' is \"\(kty)\"; expected \"DAJ\" (a Paillier key from pheutil)")
        }
    }

    private static func publicKey(from wire: PublicWire, context: String) throws(PaillierError) -> PaillierPublicKey {
        guard let alg = wire.alg else {
            throw PaillierError(.malformedKey, "\(context) has no field 'alg'; expected \"PAI-GN1\"")
        }
        guard alg == algorithm else {
            throw PaillierError(.unsupportedKeyType, "\(context) field 'alg' is \"\(alg)\"; expected \"PAI-GN1\" (Paillier with g = n + 1)")
        }
        try checkType(wire.kty, context: context)
        let n = try integer(wire.n, field: "n", context: context)
        var maskBase: GMPInteger?
        if let text = wire.medchain_hs { maskBase = try integer(text, field: "medchain_hs", context: context) }
        do {
            return try PaillierPublicKey(n: n, maskBase: maskBase)
        } catch {
            throw PaillierError(error.code, error.message.replacingOccurrences(of: "public key", with: context))
        }
    }

    private static func integer(_ text: String?, field: String, context: String) throws(PaillierError) -> GMPInteger {
        guard let text else {
            throw PaillierError(.malformedKey, "\(context) has no field '\(field)'")
        }
        guard let bytes = base64URLDecode(text), !bytes.isEmpty else {
            throw PaillierError(.malformedKey, "\(context) field '\(field)' is not unpadded base64url (RFC 7515)")
        }
        return GMPInteger(bigEndian: bytes)
    }

    // MARK: Writing

    /// A public key JWK exactly as pheutil writes it, plus `medchain_hs` for a subgroup key.
    public static func encode(publicKey: PaillierPublicKey, kid: String?, keyOperations: [String] = ["encrypt"]) -> String {
        var fields = [
            ("kty", quoted(keyType)),
            ("alg", quoted(algorithm)),
            ("key_ops", "[" + keyOperations.map(quoted).joined(separator: ", ") + "]"),
            ("n", quoted(base64URLEncode(publicKey.n.bigEndianBytes))),
        ]
        if let base = publicKey.maskBase { fields.append(("medchain_hs", quoted(base64URLEncode(base.bigEndianBytes)))) }
        if let kid { fields.append(("kid", quoted(kid))) }
        return object(fields)
    }

    /// A private key JWK exactly as pheutil writes it (the public key nested under `pub`), plus
    /// the subgroup fields for a subgroup key.
    public static func encode(privateKey: PaillierPrivateKey, kid: String?, publicKid: String?) -> String {
        var fields = [
            ("kty", quoted(keyType)),
            ("key_ops", "[\"decrypt\"]"),
            ("p", quoted(base64URLEncode(privateKey.p.bigEndianBytes))),
            ("q", quoted(base64URLEncode(privateKey.q.bigEndianBytes))),
        ]
        if let subgroup = privateKey.subgroup {
            fields.append(("medchain_alpha_p", quoted(base64URLEncode(subgroup.alphaP.bigEndianBytes))))
            fields.append(("medchain_alpha_q", quoted(base64URLEncode(subgroup.alphaQ.bigEndianBytes))))
        }
        fields.append(("pub", encode(publicKey: privateKey.publicKey, kid: publicKid)))
        if let kid { fields.append(("kid", quoted(kid))) }
        return object(fields)
    }

    private static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A JSON string literal with Python's default escaping (non-ASCII as \uXXXX).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default: out += "\\u" + String(format: "%04x", unit)
            }
        }
        return out + "\""
    }

    // MARK: base64url

    static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: String) -> [UInt8]? {
        let allowed = text.utf8.allSatisfy { c in
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
        }
        guard allowed, text.utf8.count % 4 != 1 else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { return nil }
        return [UInt8](data)
    }
}
