import Crypto
import Foundation
import Testing
import X509
@testable import Ledger
@testable import PeerNetwork

/// Peers whose certificate does not bind them to a genesis validator are refused, counted
/// and logged, in both directions, and the node keeps serving its real peers.
struct PeerAuthenticationTests {
    /// A victim listening for validators `keys`, and an attacker network (key `attacker`)
    /// that dials it presenting `identity`.
    static func attack(victimKeys keys: [SigningKey], attacker: SigningKey, identity: ((SigningKey) throws -> NodeCertificate)? = nil,
                       attackerChain: String = TestPeers.chainID,
                       check: (_ victim: TestNode, _ attacker: TestNode) async throws -> Void) async throws {
        let victim = try await TestNode.start(keys[0], configuration: TestPeers.configuration(validators: keys))
        let attackerNode = try await TestNode.start(
            attacker,
            configuration: TestPeers.configuration(validators: keys + [attacker], peers: [keys[0].publicKey: victim.address],
                                                   chainID: attackerChain),
            identity: try identity?(attacker))
        attackerNode.network.dial(keys[0].publicKey)
        do {
            try await check(victim, attackerNode)
        } catch {
            try? await attackerNode.network.shutdown()
            try? await victim.network.shutdown()
            throw error
        }
        try await attackerNode.network.shutdown()
        try await victim.network.shutdown()
    }

    @Test func aPeerWhoseKeyIsNotAValidatorIsRefusedCountedAndLogged() async throws {
        let keys = TestPeers.keys(2)
        try await Self.attack(victimKeys: keys, attacker: TestPeers.key(99)) { victim, attacker in
            #expect(await TestPeers.eventually { victim.network.statistics.refusals(.unknownPeer) >= 1 })
            #expect(victim.network.connectedPeers.isEmpty)
            #expect(attacker.network.connectedPeers.isEmpty)
            #expect(victim.events.events.isEmpty)
            let line = try #require(victim.log.refusals(.unknownPeer).first)
            #expect(line.message.contains("not a genesis validator"))
            #expect(line.metadata["remote"]?.contains("127.0.0.1") == true)
        }
    }

    @Test func aValidatorClaimingAnotherValidatorsIdentityIsRefused() async throws {
        let keys = TestPeers.keys(3)
        // keys[2] is a real validator, but its certificate's subject claims to be keys[1].
        try await Self.attack(victimKeys: keys, attacker: keys[2], identity: { key in
            try NodeCertificate(key: key, chainID: TestPeers.chainID, claimedIdentity: keys[1].publicKey,
                                notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600))
        }) { victim, _ in
            #expect(await TestPeers.eventually { victim.network.statistics.refusals(.identityMismatch) >= 1 })
            #expect(victim.network.connectedPeers.isEmpty)
            #expect(!victim.log.refusals(.identityMismatch).isEmpty)
        }
    }

    @Test func anExpiredCertificateIsRefused() async throws {
        let keys = TestPeers.keys(3)
        try await Self.attack(victimKeys: keys, attacker: keys[2], identity: { key in
            try NodeCertificate(key: key, chainID: TestPeers.chainID, claimedIdentity: key.publicKey,
                                notValidBefore: Date().addingTimeInterval(-7200), notValidAfter: Date().addingTimeInterval(-3600))
        }) { victim, _ in
            #expect(await TestPeers.eventually { victim.network.statistics.refusals(.expiredCertificate) >= 1 })
            #expect(victim.network.connectedPeers.isEmpty)
            #expect(!victim.log.refusals(.expiredCertificate).isEmpty)
        }
    }

    @Test func aPeerOnAnotherChainIsRefusedAtTheHello() async throws {
        let keys = TestPeers.keys(3)
        try await Self.attack(victimKeys: keys, attacker: keys[2], attackerChain: "another-chain") { victim, attacker in
            #expect(await TestPeers.eventually { victim.network.statistics.refusals(.wrongChain) >= 1 })
            #expect(await TestPeers.eventually { attacker.network.statistics.refusals(.wrongChain) >= 1 })
            #expect(victim.network.connectedPeers.isEmpty)
        }
    }

    @Test func theDialerRefusesAServerThatIsNotTheValidatorItDialed() async throws {
        let keys = TestPeers.keys(3)
        let (a, b, c) = (keys[0], keys[1], keys[2])
        // C is a genesis validator, but A believes C's address is B's.
        let impostor = try await TestNode.start(c, configuration: TestPeers.configuration(validators: keys))
        let dialer = try await TestNode.start(a, configuration: TestPeers.configuration(validators: keys, peers: [b.publicKey: impostor.address]))
        #expect(await TestPeers.eventually { dialer.network.statistics.refusals(.unexpectedPeer) >= 1 })
        #expect(dialer.network.connectedPeers.isEmpty)
        #expect(impostor.network.connectedPeers.isEmpty)
        let line = try #require(dialer.log.refusals(.unexpectedPeer).first)
        #expect(line.message.contains(b.publicKey.shortHex) && line.message.contains(c.publicKey.shortHex))
        try await dialer.network.shutdown()
        try await impostor.network.shutdown()
    }
}

/// The certificate check on its own, without I/O.
struct PeerCertificateVerifierTests {
    static let keys = TestPeers.keys(3)
    static let verifier = PeerCertificateVerifier(validators: Set(keys.map(\.publicKey)))
    static let now = Date()

    static func certificate(_ key: SigningKey, claiming claimed: PublicKey? = nil, from: Date = now.addingTimeInterval(-60),
                            to: Date = now.addingTimeInterval(3600)) throws -> Certificate {
        try NodeCertificate(key: key, chainID: TestPeers.chainID, claimedIdentity: claimed ?? key.publicKey,
                            notValidBefore: from, notValidAfter: to).certificate
    }

    @Test func acceptsAValidatorsOwnCertificateAndItsExpectedPeer() throws {
        let certificate = try Self.certificate(Self.keys[1])
        #expect(Self.verifier.verify(certificate, expected: nil, now: Self.now) == .accepted(Self.keys[1].publicKey))
        #expect(Self.verifier.verify(certificate, expected: Self.keys[1].publicKey, now: Self.now) == .accepted(Self.keys[1].publicKey))
    }

    @Test func refusesWithTheRightReason() throws {
        let stranger = TestPeers.key(77)
        let cases: [(Certificate, PublicKey?, RefusalReason)] = [
            (try Self.certificate(stranger), nil, .unknownPeer),
            (try Self.certificate(Self.keys[2], claiming: Self.keys[0].publicKey), nil, .identityMismatch),
            (try Self.certificate(stranger, claiming: Self.keys[0].publicKey), nil, .identityMismatch),
            (try Self.certificate(Self.keys[1], from: Self.now.addingTimeInterval(-7200), to: Self.now.addingTimeInterval(-1)), nil, .expiredCertificate),
            (try Self.certificate(Self.keys[1], from: Self.now.addingTimeInterval(600), to: Self.now.addingTimeInterval(7200)), nil, .expiredCertificate),
            (try Self.certificate(Self.keys[1]), Self.keys[2].publicKey, .unexpectedPeer),
        ]
        for (certificate, expected, reason) in cases {
            guard case .refused(let got, _) = Self.verifier.verify(certificate, expected: expected, now: Self.now) else {
                Issue.record("accepted a certificate that should be refused for \(reason)")
                continue
            }
            #expect(got == reason)
        }
    }

    @Test func refusesACertificateForAValidatorKeySignedByAnotherKey() throws {
        // Subject and key say validator 1; the signature is the stranger's.
        let validator = try Curve25519.Signing.PrivateKey(rawRepresentation: Self.keys[1].seed)
        let strangerKey = Certificate.PrivateKey(try Curve25519.Signing.PrivateKey(rawRepresentation: TestPeers.key(77).seed))
        let name = try DistinguishedName { CommonName("medchain:" + Self.keys[1].publicKey.hex) }
        let forged = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(validator.publicKey),
                                     notValidBefore: Self.now.addingTimeInterval(-60), notValidAfter: Self.now.addingTimeInterval(3600),
                                     issuer: name, subject: name, signatureAlgorithm: .ed25519, extensions: .init(),
                                     issuerPrivateKey: strangerKey)
        #expect(Self.verifier.verify(forged, expected: nil, now: Self.now) == .refused(.identityMismatch, "the certificate of \(Self.keys[1].publicKey.shortHex)… is not self-signed by its own key"))
    }

    @Test func refusesACertificateWhoseKeyIsNotEd25519() throws {
        let p256 = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName { CommonName("medchain:" + Self.keys[1].publicKey.hex) }
        let certificate = try Certificate(version: .v3, serialNumber: .init(), publicKey: p256.publicKey,
                                          notValidBefore: Self.now.addingTimeInterval(-60), notValidAfter: Self.now.addingTimeInterval(3600),
                                          issuer: name, subject: name, extensions: .init(), issuerPrivateKey: p256)
        guard case .refused(.badCertificate, _) = Self.verifier.verify(certificate, expected: nil, now: Self.now) else {
            Issue.record("a P-256 certificate was not refused as a bad certificate")
            return
        }
    }
}
