import Foundation
import Testing
@testable import Paillier

struct PaillierJWKTests {
    let key = TestKeys.k512

    var publicJSON: String { PaillierJWK.encode(publicKey: key.publicKey, kid: "test") }
    var privateJSON: String { PaillierJWK.encode(privateKey: key, kid: "priv", publicKid: "test") }

    func publicError(_ json: String) -> PaillierError? {
        do {
            _ = try PaillierJWK.publicKey(from: Data(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    func privateError(_ json: String) -> PaillierError? {
        do {
            _ = try PaillierJWK.privateKey(from: Data(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func keysRoundTripThroughJWK() throws {
        #expect(try PaillierJWK.publicKey(from: Data(publicJSON.utf8)) == key.publicKey)
        let parsed = try PaillierJWK.privateKey(from: Data(privateJSON.utf8))
        #expect(parsed.p == key.p && parsed.q == key.q)
        #expect(PaillierJWK.keyID(ofPublicKey: Data(publicJSON.utf8)) == "test")
    }

    @Test func integersAreUnpaddedBigEndianBase64URL() {
        // 65537 = 0x010001 -> "AQAB", the familiar RSA exponent in JWKs.
        #expect(PaillierJWK.base64URLEncode(GMPInteger(65537).bigEndianBytes) == "AQAB")
        #expect(PaillierJWK.base64URLEncode([0xFB, 0xFF]) == "-_8")
        #expect(PaillierJWK.base64URLDecode("-_8") == [0xFB, 0xFF])
        #expect(PaillierJWK.base64URLDecode("AQAB=") == nil)
        #expect(PaillierJWK.base64URLDecode("A") == nil)
        #expect(PaillierJWK.base64URLDecode("a+b/") == nil)
    }

    @Test func wrongKeyTypeIsRejectedNamingTheField() {
        let error = publicError(publicJSON.replacingOccurrences(of: "\"DAJ\"", with: "\"RSA\""))
        #expect(error?.code == .unsupportedKeyType)
        #expect(error?.message.contains("'kty' is \"RSA\"; expected \"DAJ\"") == true)
        let privateError = privateError(privateJSON.replacingOccurrences(of: "{\"kty\": \"DAJ\", \"key_ops\"", with: "{\"kty\": \"EC\", \"key_ops\""))
        #expect(privateError?.code == .unsupportedKeyType)
    }

    @Test func wrongAlgorithmIsRejected() {
        let error = publicError(publicJSON.replacingOccurrences(of: "PAI-GN1", with: "PAI-GN2"))
        #expect(error?.code == .unsupportedKeyType)
        #expect(error?.message.contains("'alg'") == true)
    }

    @Test func evenModulusIsRejected() {
        let even = key.publicKey.n + 1
        let json = publicJSON.replacingOccurrences(
            of: PaillierJWK.base64URLEncode(key.publicKey.n.bigEndianBytes),
            with: PaillierJWK.base64URLEncode(even.bigEndianBytes))
        let error = publicError(json)
        #expect(error?.code == .invalidModulus)
        #expect(error?.message.contains("'n' must be an odd") == true)
    }

    @Test func factorsOfAnotherKeyAreRejected() {
        let other = TestKeys.k1024
        let json = privateJSON.replacingOccurrences(
            of: PaillierJWK.base64URLEncode(key.q.bigEndianBytes),
            with: PaillierJWK.base64URLEncode(other.q.bigEndianBytes))
        let error = privateError(json)
        #expect(error?.code == .invalidFactors)
        #expect(error?.message.contains("p·q ≠ n") == true)
    }

    @Test(arguments: [
        ("", "not a JSON object"),
        ("[1, 2]", "not a JSON object"),
        ("{\"kty\": \"DAJ\", \"alg\": \"PAI-GN1\"}", "no field 'n'"),
        ("{\"kty\": \"DAJ\", \"n\": \"AQAB\"}", "no field 'alg'"),
        ("{\"kty\": \"DAJ\", \"alg\": \"PAI-GN1\", \"n\": 17}", "field 'n' has the wrong JSON type"),
        ("{\"kty\": \"DAJ\", \"alg\": \"PAI-GN1\", \"n\": \"AQ=B\"}", "not unpadded base64url"),
    ])
    func malformedPublicKeysGiveClearErrors(json: String, message: String) {
        let error = publicError(json)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func privateKeyWithoutDecryptOperationOrPublicPartIsRejected() {
        #expect(privateError(privateJSON.replacingOccurrences(of: "[\"decrypt\"]", with: "[\"encrypt\"]"))?.message.contains("key_ops") == true)
        #expect(privateError(publicJSON)?.code == .malformedKey)
    }

    @Test(arguments: [
        ("{\"v\": \"12\"}", "no field 'e'"),
        ("{\"e\": -32}", "no field 'v'"),
        ("{\"v\": 12, \"e\": -32}", "field 'v' must be a string"),
        ("{\"v\": \"12\", \"e\": \"x\"}", "field 'e' must be an integer"),
        ("{\"v\": \"12\", \"e\": 1.5}", "field 'e' must be an integer"),
        ("{\"v\": \"1 2\", \"e\": 0}", "'v' is not a decimal integer"),
        ("{\"v\": \"-12\", \"e\": 0}", "positive integer below n²"),
        ("{\"v\": \"0\", \"e\": 0}", "positive integer below n²"),
        ("not json", "not valid JSON"),
    ])
    func malformedEncryptedNumbersGiveClearErrors(json: String, message: String) {
        do {
            _ = try PaillierEncryptedNumber(json: Data(json.utf8), publicKey: key.publicKey)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func ciphertextAtOrAboveNSquaredIsRejected() {
        let json = "{\"v\": \"\(key.publicKey.nSquared)\", \"e\": -32}"
        do {
            _ = try PaillierEncryptedNumber(json: Data(json.utf8), publicKey: key.publicKey)
            Issue.record("accepted c = n²")
        } catch {
            #expect(error.code == .invalidCiphertext)
            #expect(error.message.contains("not below n²"))
        }
    }

    @Test func encryptedNumbersSerialiseLikePheutil() throws {
        let number = try key.publicKey.encrypt(2.5)
        let json = number.json
        #expect(json.hasPrefix("{\"v\": \"") && json.hasSuffix("\", \"e\": \(number.exponent)}"))
        let parsed = try PaillierEncryptedNumber(json: Data(json.utf8), publicKey: key.publicKey)
        #expect(parsed == number)
    }

    @Test func keyIdentifiersAreEscapedAsPythonWouldEscapeThem() {
        #expect(PaillierJWK.quoted("a\"b\\c\nü") == "\"a\\\"b\\\\c\\n\\u00fc\"")
    }
}
