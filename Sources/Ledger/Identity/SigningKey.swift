import Crypto
import Foundation

/// An Ed25519 private key, made from its 32-byte seed (the RFC 8032 "secret key").
///
/// On Linux swift-crypto signs with BoringSSL, which is deterministic as RFC 8032 specifies;
/// the RFC 8032 §7.1 vectors in the tests pin that down. Key bytes never appear in
/// `description`.
public struct SigningKey: Sendable, CustomStringConvertible {
    private let key: Curve25519.Signing.PrivateKey
    public let publicKey: PublicKey

    /// A fresh random key.
    public init() {
        self.init(key: Curve25519.Signing.PrivateKey())
    }

    /// The key with this 32-byte seed.
    public init(seed: some ContiguousBytes) throws(IdentityError) {
        let count = seed.withUnsafeBytes { $0.count }
        guard count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw IdentityError.badSeedLength(count)
        }
        self.init(key: key)
    }

    private init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
        self.publicKey = PublicKey(bytes: key.publicKey.rawRepresentation)!
    }

    /// The 32-byte seed. Handle with care: this is the secret.
    public var seed: [UInt8] { Array(key.rawRepresentation) }

    public func sign(_ message: some DataProtocol) -> Signature {
        // BoringSSL's ED25519_sign cannot fail for a valid key.
        let raw = try! key.signature(for: Data(message))
        return Signature(bytes: raw)!
    }

    public var description: String { "SigningKey(public: \(publicKey.shortHex)…)" }
}

/// A problem with key material or a key file.
public enum IdentityError: Error, CustomStringConvertible, Equatable, Sendable {
    case badSeedLength(Int)
    case unreadableKeyFile(path: String, reason: String)
    case keyFileTooOpen(path: String, mode: String)
    case keyFileExists(path: String)

    public var description: String {
        switch self {
        case .badSeedLength(let count):
            "an Ed25519 seed is 32 bytes, got \(count)"
        case .unreadableKeyFile(let path, let reason):
            "cannot read the key file \(path): \(reason)"
        case .keyFileTooOpen(let path, let mode):
            "the key file \(path) has mode \(mode); run `chmod 600 \(path)`"
        case .keyFileExists(let path):
            "\(path) already exists; refusing to overwrite a node key (move it away first)"
        }
    }
}
