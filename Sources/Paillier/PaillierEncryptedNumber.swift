import Foundation

/// An encrypted ``PaillierEncodedNumber``: a ciphertext and the (public) base-16 exponent,
/// interchangeable with python-paillier's `EncryptedNumber` and pheutil's JSON
/// `{"v": "<decimal ciphertext>", "e": <exponent>}`.
public struct PaillierEncryptedNumber: Sendable, Hashable {
    public let ciphertext: PaillierCiphertext
    public let exponent: Int

    public init(ciphertext: PaillierCiphertext, exponent: Int) {
        self.ciphertext = ciphertext
        self.exponent = exponent
    }

    /// pheutil fixes the exponent of everything it writes at −32 when it can.
    public static let pheutilExponent = -32

    // MARK: JSON

    /// Parses pheutil's JSON form and checks the ciphertext against `publicKey`.
    /// - Throws: ``PaillierError/Code/malformedEncryptedNumber`` for bad JSON or fields,
    ///   ``PaillierError/Code/invalidCiphertext`` for a value outside 1 ..< n².
    public init(json: Data, publicKey: PaillierPublicKey) throws(PaillierError) {
        struct Wire: Decodable {
            let v: String
            let e: Exponent
        }
        // Foundation reports a non-integral number read as Int as "not valid JSON"; read the
        // exponent as a number first so the error can name the field.
        struct Exponent: Decodable {
            let value: Int?
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let integer = try? container.decode(Int.self) {
                    value = integer
                } else {
                    _ = try container.decode(Double.self)
                    value = nil
                }
            }
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: json)
        } catch let DecodingError.keyNotFound(key, _) {
            let meaning = key.stringValue == "v" ? "the decimal ciphertext" : "the exponent"
            throw PaillierError(.malformedEncryptedNumber, "encrypted number has no field '\(key.stringValue)' (\(meaning))")
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
            let field = context.codingPath.last!.stringValue
            let expected = field == "v" ? "a string of decimal digits" : "an integer exponent"
            throw PaillierError(.malformedEncryptedNumber, "encrypted number field '\(field)' must be \(expected)")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            let field = context.codingPath.last!.stringValue
            let expected = field == "v" ? "a string of decimal digits" : "an integer exponent"
            throw PaillierError(.malformedEncryptedNumber, "encrypted number field '\(field)' must be \(expected)")
        } catch {
            throw PaillierError(.malformedEncryptedNumber, "encrypted number is not valid JSON; expected {\"v\": \"<ciphertext>\", \"e\": <exponent>}")
        }
        guard let value = GMPInteger(decimal: wire.v) else {
            throw PaillierError(.malformedEncryptedNumber, "encrypted number field 'v' is not a decimal integer")
        }
        guard let exponent = wire.e.value else {
            throw PaillierError(.malformedEncryptedNumber, "encrypted number field 'e' must be an integer exponent")
        }
        guard abs(exponent) <= 1_000_000 else {
            throw PaillierError(.malformedEncryptedNumber, "encrypted number field 'e' (\(exponent)) is implausibly large; at most ±1000000 is accepted")
        }
        self.ciphertext = try publicKey.ciphertext(value)
        self.exponent = exponent
    }

    /// pheutil's layout: `{"v": "<digits>", "e": <exponent>}`.
    public var json: String {
        "{\"v\": \"\(ciphertext.value.description)\", \"e\": \(exponent)}"
    }
}

extension PaillierPublicKey {
    // MARK: Encoded-number operations (python-paillier semantics)

    /// Encrypts an encoded number with textbook randomness.
    public func encrypt(_ encoded: PaillierEncodedNumber) throws(PaillierError) -> PaillierEncryptedNumber {
        PaillierEncryptedNumber(ciphertext: try encrypt(raw: encoded.encoding), exponent: encoded.exponent)
    }

    /// Encodes and encrypts a float exactly as `PaillierPublicKey.encrypt(float)` does in Python.
    public func encrypt(_ value: Double, precision: Double? = nil) throws(PaillierError) -> PaillierEncryptedNumber {
        try encrypt(PaillierEncodedNumber.encode(value, publicKey: self, precision: precision))
    }

    /// Encodes and encrypts an integer with exponent 0.
    public func encrypt(_ value: Int) throws(PaillierError) -> PaillierEncryptedNumber {
        try encrypt(PaillierEncodedNumber.encode(value, publicKey: self))
    }

    /// The same plaintext with a lower exponent: E(m)^(16^(old − new)).
    public func decreasingExponent(of number: PaillierEncryptedNumber, to newExponent: Int) throws(PaillierError) -> PaillierEncryptedNumber {
        guard newExponent <= number.exponent else {
            throw PaillierError(.outOfRange, "new exponent \(newExponent) must not exceed the current exponent \(number.exponent)")
        }
        let factor = GMPInteger(1).shiftedLeft((number.exponent - newExponent) * PaillierEncodedNumber.log2Base)
        return PaillierEncryptedNumber(ciphertext: multiply(number.ciphertext, by: factor), exponent: newExponent)
    }

    /// E(a) + E(b), aligning exponents first (the larger one is lowered).
    public func add(_ a: PaillierEncryptedNumber, _ b: PaillierEncryptedNumber) throws(PaillierError) -> PaillierEncryptedNumber {
        let exponent = min(a.exponent, b.exponent)
        let left = try decreasingExponent(of: a, to: exponent)
        let right = try decreasingExponent(of: b, to: exponent)
        return PaillierEncryptedNumber(ciphertext: add(left.ciphertext, right.ciphertext), exponent: exponent)
    }

    /// E(a) + b for a plaintext float b (python-paillier's `_add_scalar`).
    public func add(_ a: PaillierEncryptedNumber, scalar: Double) throws(PaillierError) -> PaillierEncryptedNumber {
        let encoded = try PaillierEncodedNumber.encode(scalar, publicKey: self, maxExponent: a.exponent)
        let left = try decreasingExponent(of: a, to: encoded.exponent)
        let sum = try add(left.ciphertext, plaintext: encoded.encoding)
        return PaillierEncryptedNumber(ciphertext: sum, exponent: encoded.exponent)
    }

    /// E(a) × b for a plaintext float b: the exponents add (python-paillier's `__mul__`).
    public func multiply(_ a: PaillierEncryptedNumber, by scalar: Double) throws(PaillierError) -> PaillierEncryptedNumber {
        let encoded = try PaillierEncodedNumber.encode(scalar, publicKey: self)
        return PaillierEncryptedNumber(ciphertext: multiply(a.ciphertext, by: encoded.encoding),
                                       exponent: a.exponent + encoded.exponent)
    }

    /// The number with fresh randomness and, as pheutil writes it, an exponent of at most −32.
    public func pheutilSerializable(_ number: PaillierEncryptedNumber) throws(PaillierError) -> PaillierEncryptedNumber {
        var result = number
        if result.exponent > PaillierEncryptedNumber.pheutilExponent {
            result = try decreasingExponent(of: result, to: PaillierEncryptedNumber.pheutilExponent)
        }
        return PaillierEncryptedNumber(ciphertext: rerandomized(result.ciphertext), exponent: result.exponent)
    }
}

extension PaillierPrivateKey {
    /// Decrypts to the encoded number (mantissa mod n and exponent).
    public func decryptEncoded(_ number: PaillierEncryptedNumber) -> PaillierEncodedNumber {
        PaillierEncodedNumber(encoding: decrypt(raw: number.ciphertext), exponent: number.exponent)
    }

    /// Decrypts and decodes, as python-paillier's `PaillierPrivateKey.decrypt`.
    /// - Throws: ``PaillierError/Code/overflow`` when the plaintext is in the overflow band.
    public func decrypt(_ number: PaillierEncryptedNumber) throws(PaillierError) -> PaillierEncodedNumber.Value {
        try decryptEncoded(number).decode(publicKey: publicKey)
    }
}
