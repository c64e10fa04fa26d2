import Foundation
import Testing
@testable import Paillier

/// Interoperability with python-paillier 1.5.0's pheutil, through fixtures it wrote once
/// (Inputs/make_pheutil_fixtures.sh) and files medchain wrote that pheutil decrypted
/// (Inputs/make_medchain_fixtures.sh); see Inputs/README.md.
struct PheutilInteropTests {
    static let manifest = (try? Fixtures.table("pheutil/manifest.tsv")) ?? []

    @Test func theirKeysParse() throws {
        for bits in [1024, 2048] {
            let key = try PaillierJWK.privateKey(from: Fixtures.data("pheutil/private-\(bits).jwk"))
            let publicKey = try PaillierJWK.publicKey(from: Fixtures.data("pheutil/public-\(bits).jwk"))
            #expect(key.publicKey == publicKey)
            #expect(publicKey.bits == bits)
        }
    }

    /// The size that matters in production: the fast (DJN) encryptor on pheutil's 2048-bit key,
    /// decrypted both by us and by the textbook λ formula python-paillier would use.
    @Test func fastEncryptionUnderTheir2048BitKeyDecrypts() throws {
        let key = try PaillierJWK.privateKey(from: Fixtures.data("pheutil/private-2048.jwk"))
        let fast = PaillierEncryptor(publicKey: key.publicKey)
        #expect(fast.exponentBits == 224 && fast.windowCount == 19)
        let djn = PaillierEncryptor(publicKey: key.publicKey, exponent: .halfModulus)
        #expect(djn.exponentBits == 1024 && djn.windowCount == 128)
        let encoded = try PaillierEncodedNumber.encode(-0.125, publicKey: key.publicKey)
        for encryptor in [fast, djn] {
            let number = PaillierEncryptedNumber(ciphertext: try encryptor.encrypt(raw: encoded.encoding), exponent: encoded.exponent)
            #expect(try key.decrypt(number) == .float(-0.125))
            #expect(try key.decrypt(key.publicKey.pheutilSerializable(number)) == .float(-0.125))
        }
    }

    @Test func extractingThePublicKeyReproducesPheutilsFileByteForByte() throws {
        let extracted = try PaillierJWK.extractPublic(fromPrivate: Fixtures.data("pheutil/private-1024.jwk"))
        let theirs = try String(contentsOf: Fixtures.url("pheutil/public-1024.jwk"), encoding: .utf8)
        #expect(extracted + "\n" == theirs)
    }

    @Test func ourJWKSerialisationMatchesTheirsByteForByte() throws {
        let text = try String(contentsOf: Fixtures.url("pheutil/private-1024.jwk"), encoding: .utf8)
        let key = try PaillierJWK.privateKey(from: Data(text.utf8))
        let kid = text.components(separatedBy: "\"kid\": \"").last!.components(separatedBy: "\"").first!
        let publicKid = text.components(separatedBy: "\"kid\": \"")[1].components(separatedBy: "\"").first!
        #expect(PaillierJWK.encode(privateKey: key, kid: kid, publicKid: publicKid) + "\n" == text)
    }

    @Test func weDecryptEveryCiphertextPheutilWroteToTheSameText() throws {
        #expect(Self.manifest.count >= 14)
        for row in Self.manifest {
            let bits = row["key"]!
            let key = try PaillierJWK.privateKey(from: Fixtures.data("pheutil/private-\(bits).jwk"))
            let number = try PaillierEncryptedNumber(json: Fixtures.data("pheutil/" + row["file"]!), publicKey: key.publicKey)
            #expect(try key.decrypt(number).description == row["pheutil_decrypt"]!, "\(row["file"]!)")
        }
    }

    @Test func ourArithmeticOnTheirCiphertextsGivesPheutilsResults() throws {
        let key = try PaillierJWK.privateKey(from: Fixtures.data("pheutil/private-1024.jwk"))
        let pk = key.publicKey
        func load(_ name: String) throws -> PaillierEncryptedNumber {
            try PaillierEncryptedNumber(json: Fixtures.data("pheutil/\(name)"), publicKey: pk)
        }
        let expected = Dictionary(uniqueKeysWithValues: Self.manifest.map { ($0["file"]!, $0["pheutil_decrypt"]!) })
        let sum = try pk.pheutilSerializable(pk.add(load("enc-pi.json"), load("enc-minus-five.json")))
        #expect(try key.decrypt(sum).description == expected["sum-pi-minus-five.json"])
        let product = try pk.pheutilSerializable(pk.multiply(load("enc-mixed.json"), by: -2.5))
        #expect(product.exponent == -45)
        #expect(try key.decrypt(product).description == expected["product-mixed-times-minus-2.5.json"])
    }

    @Test func pheutilDecryptedWhatMedchainEncrypted() throws {
        // Rows: file, key, input, pheutil_decrypt — medchain wrote the file, pheutil decrypted it.
        let rows = try Fixtures.table("medchain/manifest.tsv")
        #expect(rows.count >= 5)
        for row in rows {
            #expect(row["pheutil_decrypt"] == row["expected"], "\(row["file"]!)")
            // The file must still parse as a valid ciphertext of the key it claims.
            let publicKey = try PaillierJWK.publicKey(from: Fixtures.data(row["key"]!))
            _ = try PaillierEncryptedNumber(json: Fixtures.data("medchain/" + row["file"]!), publicKey: publicKey)
        }
    }

    @Test func weDecryptWhatPheutilEncryptedUnderOurKey() throws {
        let key = try PaillierJWK.privateKey(from: Fixtures.data("medchain/private-1024.jwk"))
        let rows = try Fixtures.table("medchain/theirs-under-our-key.tsv")
        #expect(rows.count >= 3)
        for row in rows {
            let number = try PaillierEncryptedNumber(json: Fixtures.data("medchain/" + row["file"]!), publicKey: key.publicKey)
            #expect(try key.decrypt(number).description == row["pheutil_decrypt"]!)
        }
    }

    /// `medchain paillier encrypt --fast` (short-exponent DJN masks) under pheutil's 1024- and
    /// 2048-bit keys: pheutil's own decryption printed exactly the encrypted value, pheutil's
    /// `addenc` of two of them decrypted to the sum, and we decrypt every file to the same text.
    @Test func pheutilDecryptedOurFastEncryptions() throws {
        let rows = try Fixtures.table("medchain/fast-manifest.tsv")
        #expect(rows.count == 15)
        for row in rows {
            #expect(row["pheutil_decrypt"] == row["expected"], "\(row["file"]!)")
            let key = try PaillierJWK.privateKey(from: Fixtures.data(row["key"]!.replacingOccurrences(of: "public", with: "private")))
            let number = try PaillierEncryptedNumber(json: Fixtures.data("medchain/" + row["file"]!), publicKey: key.publicKey)
            #expect(try key.decrypt(number).description == row["pheutil_decrypt"]!, "\(row["file"]!)")
        }
    }
}
