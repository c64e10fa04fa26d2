import Crypto
import Foundation
import Ledger
import NIOSSL
import X509

/// A node's TLS identity: a self-signed X.509 certificate whose key *is* the node's Ed25519
/// ledger key, so the TLS handshake itself proves possession of the validator key.
///
/// The subject's common name is `medchain:<64 hex digits of the public key>` and the
/// organisation names the chain. Peers accept the certificate only if the common name
/// matches the certificate's key, that key is a genesis validator, the self-signature
/// verifies and the validity period covers now (`PeerCertificateVerifier`).
///
/// The key never leaves the process: it is handed to BoringSSL as a PKCS#8 document in memory.
public struct NodeCertificate: Sendable {
    /// The certificate as peers see it.
    public let certificate: Certificate
    let sslCertificate: NIOSSLCertificate
    let sslKey: NIOSSLPrivateKey

    /// The common-name prefix before the hex public key.
    static let commonNamePrefix = "medchain:"

    /// Issues a certificate for `key`, valid from a minute ago (clock skew) for `lifetime`.
    public init(key: SigningKey, chainID: String, lifetimeSeconds: Int64, now: Date = Date()) throws {
        try self.init(key: key, chainID: chainID, claimedIdentity: key.publicKey,
                      notValidBefore: now.addingTimeInterval(-60),
                      notValidAfter: now.addingTimeInterval(TimeInterval(lifetimeSeconds)))
    }

    /// Issues a certificate with every field chosen by the caller. Only tests claim another
    /// identity than the key's or pick a validity period in the past.
    init(key: SigningKey, chainID: String, claimedIdentity: PublicKey,
         notValidBefore: Date, notValidAfter: Date) throws {
        do {
            let ed25519 = try Curve25519.Signing.PrivateKey(rawRepresentation: key.seed)
            let privateKey = Certificate.PrivateKey(ed25519)
            let name = try DistinguishedName {
                OrganizationName("MedChain \(chainID)")
                CommonName(Self.commonNamePrefix + claimedIdentity.hex)
            }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: privateKey.publicKey,
                notValidBefore: notValidBefore,
                notValidAfter: notValidAfter,
                issuer: name,
                subject: name,
                signatureAlgorithm: .ed25519,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                },
                issuerPrivateKey: privateKey
            )
            self.certificate = certificate
            sslCertificate = try NIOSSLCertificate(bytes: Array(certificate.serializeAsPEM().pemString.utf8), format: .pem)
            sslKey = try NIOSSLPrivateKey(bytes: Array(privateKey.serializeAsPEM().pemString.utf8), format: .pem)
        } catch {
            throw PeerNetworkError.certificate("\(error)")
        }
    }

    /// The public key named by the subject's common name, if it has that shape.
    static func claimedIdentity(of certificate: Certificate) -> PublicKey? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                guard let text = String(attribute.value), text.hasPrefix(commonNamePrefix) else { continue }
                return PublicKey(hex: String(text.dropFirst(commonNamePrefix.count)))
            }
        }
        return nil
    }
}
