import Crypto
import Foundation
import Ledger
import NIOSSL
import X509

/// Decides whether a peer's TLS certificate binds it to a genesis validator.
///
/// BoringSSL's own chain verification is replaced by this check (there is no CA: each
/// validator's certificate is self-signed by its ledger key, and the genesis is the trust
/// anchor). TLS 1.3's CertificateVerify then proves the peer holds the private key.
struct PeerCertificateVerifier: Sendable {
    var validators: Set<PublicKey>

    /// What the check concluded: the validator, or why the certificate is refused.
    enum Outcome: Sendable, Equatable {
        case accepted(PublicKey)
        case refused(RefusalReason, String)
    }

    /// Checks the leaf of `chain` (the first certificate the peer presented).
    ///
    /// - Parameters:
    ///   - expected: when dialing, the validator this node meant to reach.
    ///   - now: the time the validity period must cover.
    func verify(_ chain: [NIOSSLCertificate], expected: PublicKey?, now: Date = Date()) -> Outcome {
        guard let leaf = chain.first else { return .refused(.badCertificate, "the peer sent no certificate") }
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: leaf.toDERBytes())
        } catch {
            return .refused(.badCertificate, "the certificate does not parse: \(error)")
        }
        return verify(certificate, expected: expected, now: now)
    }

    func verify(_ certificate: Certificate, expected: PublicKey?, now: Date = Date()) -> Outcome {
        guard let ed25519 = Curve25519.Signing.PublicKey(certificate.publicKey),
              let key = PublicKey(bytes: ed25519.rawRepresentation) else {
            return .refused(.badCertificate, "the certificate key is not Ed25519")
        }
        guard certificate.issuer == certificate.subject,
              certificate.publicKey.isValidSignature(certificate.signature, for: certificate) else {
            return .refused(.identityMismatch, "the certificate of \(key.shortHex)… is not self-signed by its own key")
        }
        guard certificate.notValidBefore <= now, now <= certificate.notValidAfter else {
            return .refused(.expiredCertificate,
                            "the certificate of \(key.shortHex)… is valid \(certificate.notValidBefore) to \(certificate.notValidAfter), not now")
        }
        guard let claimed = NodeCertificate.claimedIdentity(of: certificate) else {
            return .refused(.badCertificate, "the certificate of \(key.shortHex)… names no validator (CN medchain:<hex key>)")
        }
        guard claimed == key else {
            return .refused(.identityMismatch, "the certificate claims validator \(claimed.shortHex)… but carries key \(key.shortHex)…")
        }
        guard validators.contains(key) else {
            return .refused(.unknownPeer, "\(key.shortHex)… is not a genesis validator")
        }
        if let expected, expected != key {
            return .refused(.unexpectedPeer, "dialed validator \(expected.shortHex)… but \(key.shortHex)… answered")
        }
        return .accepted(key)
    }
}
