import Foundation

/// An unsigned transaction: who sends what, on which chain, with which nonce.
///
/// Canonical encoding (docs/ledger.md):
/// `u8 version=1 ‖ string chainID ‖ sender[32] ‖ u64 nonce ‖ u16 typeTag ‖ bytes payload`.
/// The payload is length-prefixed so any node can read the envelope (and name an unknown type)
/// without knowing the payload layout.
public struct Transaction: Hashable, Sendable {
    public static let version: UInt8 = 1
    /// Prefixed to the body before signing, so a transaction signature can never be replayed
    /// as a vote or any other signed MedChain message.
    public static let signingDomain = Array("medchain/tx/v1".utf8)

    public var chainID: String
    public var sender: PublicKey
    /// Per-sender sequence number, from 0; replay protection.
    public var nonce: UInt64
    public var payload: TransactionPayload

    public init(chainID: String, sender: PublicKey, nonce: UInt64, payload: TransactionPayload) {
        self.chainID = chainID
        self.sender = sender
        self.nonce = nonce
        self.payload = payload
    }

    public var kind: TransactionKind { payload.kind }

    /// The canonical body bytes (everything the signature covers, without the domain).
    public var bodyBytes: [UInt8] {
        var payloadWriter = CanonicalWriter()
        payload.encode(to: &payloadWriter)
        var writer = CanonicalWriter(capacity: payloadWriter.bytes.count + chainID.utf8.count + 64)
        writer.write(Transaction.version)
        writer.write(chainID)
        writer.write(sender)
        writer.write(nonce)
        writer.write(kind.rawValue)
        writer.write(lengthPrefixed: payloadWriter.bytes)
        return writer.bytes
    }

    /// Signs with `key`, which must be the sender's.
    public func signed(by key: SigningKey) -> SignedTransaction {
        precondition(key.publicKey == sender, "signing a transaction of \(sender.shortHex) with the key of \(key.publicKey.shortHex)")
        let body = bodyBytes
        let signature = key.sign(Transaction.signingDomain + body)
        return SignedTransaction(transaction: self, body: body, signature: signature)
    }
}

/// A transaction with its signature, its canonical bytes and its hash.
///
/// Bytes: the body (see `Transaction`) followed by the 64-byte Ed25519 signature over
/// `"medchain/tx/v1" ‖ body`. Hash: SHA-256 of all the bytes.
public struct SignedTransaction: Hashable, Sendable {
    public let transaction: Transaction
    public let signature: Signature
    public let bytes: [UInt8]
    public let hash: Hash256

    init(transaction: Transaction, body: [UInt8], signature: Signature) {
        self.transaction = transaction
        self.signature = signature
        self.bytes = body + signature.bytes
        self.hash = Hash256.sha256(bytes)
    }

    /// Decodes canonical bytes. Does not verify the signature (see `hasValidSignature`).
    public init(decoding bytes: [UInt8]) throws(TransactionRejection) {
        var reader = CanonicalReader(bytes: bytes, context: "transaction")
        do {
            let version = try reader.readUInt8("version")
            guard version == Transaction.version else {
                throw reader.fail("unsupported transaction version \(version)")
            }
            let chainID = try reader.readString("chainID")
            let sender = try PublicKey(from: &reader)
            let nonce = try reader.readUInt64("nonce")
            let tag = try reader.readUInt16("type tag")
            guard let kind = TransactionKind(rawValue: tag) else { throw TransactionRejection.unknownType(tag) }
            let payloadBytes = try reader.readLengthPrefixed("payload")
            let signature = try Signature(from: &reader)
            try reader.finish()
            let payload = try TransactionPayload.decode(kind: kind, bytes: payloadBytes)
            self.transaction = Transaction(chainID: chainID, sender: sender, nonce: nonce, payload: payload)
            self.signature = signature
        } catch let error as EncodingError {
            throw .malformed(error.description)
        } catch let error as TransactionRejection {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
        self.bytes = bytes
        self.hash = Hash256.sha256(bytes)
    }

    public var sender: PublicKey { transaction.sender }
    public var kind: TransactionKind { transaction.kind }

    /// The body bytes: everything but the trailing signature.
    public var bodyBytes: ArraySlice<UInt8> { bytes[..<(bytes.count - 64)] }

    /// Verifies the Ed25519 signature over `"medchain/tx/v1" ‖ body` with the sender's key.
    public var hasValidSignature: Bool {
        var message = Transaction.signingDomain
        message.append(contentsOf: bodyBytes)
        return transaction.sender.isValidSignature(signature, for: message)
    }
}
