/// Proof that a quorum of validators committed a block: their signatures over the block ID.
///
/// Each vote signs `"medchain/commit/v1" ‖ string chainID ‖ u64 height ‖ u32 round ‖ blockID`,
/// so a vote cannot be moved to another chain, height or block. Votes are sorted by validator
/// key. Canonical encoding: `u64 height ‖ u32 round ‖ blockID[32] ‖ u32 n ‖ n × (key[32] ‖ sig[64])`.
public struct CommitCertificate: Hashable, Sendable {
    public struct Vote: Hashable, Sendable {
        public var validator: PublicKey
        public var signature: Signature

        public init(validator: PublicKey, signature: Signature) {
            self.validator = validator
            self.signature = signature
        }
    }

    public static let signingDomain = Array("medchain/commit/v1".utf8)

    public var height: UInt64
    /// The consensus round in which the block was committed (0 for the single validator).
    public var round: UInt32
    public var blockID: Hash256
    public private(set) var votes: [Vote]

    public init(height: UInt64, round: UInt32, blockID: Hash256, votes: [Vote]) {
        self.height = height
        self.round = round
        self.blockID = blockID
        self.votes = votes.sorted { $0.validator < $1.validator }
    }

    /// The bytes a validator signs to vote for `blockID`.
    public static func voteMessage(chainID: String, height: UInt64, round: UInt32, blockID: Hash256) -> [UInt8] {
        var writer = CanonicalWriter()
        writer.write(raw: signingDomain)
        writer.write(chainID)
        writer.write(height)
        writer.write(round)
        writer.write(blockID)
        return writer.bytes
    }

    /// A validator's vote for a block.
    public static func vote(by key: SigningKey, chainID: String, height: UInt64, round: UInt32, blockID: Hash256) -> Vote {
        Vote(validator: key.publicKey,
             signature: key.sign(voteMessage(chainID: chainID, height: height, round: round, blockID: blockID)))
    }

    public mutating func add(_ vote: Vote) {
        votes.removeAll { $0.validator == vote.validator }
        votes.append(vote)
        votes.sort { $0.validator < $1.validator }
    }

    /// Checks that this certifies `header` for `validators`: right height and block ID, every
    /// voter a validator, no one twice, every signature valid, and at least a quorum of votes.
    ///
    /// - Parameter verified: votes whose signatures the caller already checked against this
    ///   certificate's vote message (a consensus node checks every precommit it receives);
    ///   their Ed25519 verification is skipped, every other rule still applies.
    public func verify(for header: BlockHeader, validators: ValidatorSet, verified: Set<Vote> = []) throws(CertificateError) {
        guard height == header.height else { throw .wrongHeight(expected: header.height, found: height) }
        let id = header.id
        guard blockID == id else { throw .wrongBlock(expected: id, found: blockID) }
        guard validators.hash == header.validatorsHash else { throw .validatorSetMismatch }
        let message = CommitCertificate.voteMessage(chainID: header.chainID, height: height, round: round, blockID: blockID)
        var previous: PublicKey? = nil
        for vote in votes {
            if let previous, !(previous < vote.validator) { throw .duplicateVote(vote.validator) }
            previous = vote.validator
            guard validators.contains(vote.validator) else { throw .notAValidator(vote.validator) }
            guard verified.contains(vote) || vote.validator.isValidSignature(vote.signature, for: message) else {
                throw .badSignature(vote.validator)
            }
        }
        guard votes.count >= validators.quorum else {
            throw .noQuorum(votes: votes.count, needed: validators.quorum, validators: validators.count)
        }
    }
}

/// Why a commit certificate does not certify a block.
public enum CertificateError: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongHeight(expected: UInt64, found: UInt64)
    case wrongBlock(expected: Hash256, found: Hash256)
    case validatorSetMismatch
    case duplicateVote(PublicKey)
    case notAValidator(PublicKey)
    case badSignature(PublicKey)
    case noQuorum(votes: Int, needed: Int, validators: Int)

    public var description: String {
        switch self {
        case .wrongHeight(let expected, let found): "certificate is for height \(found), block is at \(expected)"
        case .wrongBlock(let expected, let found): "certificate signs block \(found.hex.prefix(12))…, block ID is \(expected.hex.prefix(12))…"
        case .validatorSetMismatch: "header's validators hash does not match the chain's validator set"
        case .duplicateVote(let key): "validator \(key.shortHex)… voted twice (or votes are unsorted)"
        case .notAValidator(let key): "\(key.shortHex)… signed but is not a validator"
        case .badSignature(let key): "vote signature of validator \(key.shortHex)… does not verify"
        case .noQuorum(let votes, let needed, let validators): "\(votes) of \(validators) validators signed; a quorum needs \(needed)"
        }
    }
}

extension CommitCertificate: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(height)
        writer.write(round)
        writer.write(blockID)
        writer.write(UInt32(votes.count))
        for vote in votes {
            writer.write(vote.validator)
            writer.write(vote.signature)
        }
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        height = try reader.readUInt64("height")
        round = try reader.readUInt32("round")
        blockID = try Hash256(from: &reader)
        let count = try reader.readCount("votes", minimumElementSize: 96)
        votes = []
        for _ in 0..<count {
            votes.append(Vote(validator: try PublicKey(from: &reader), signature: try Signature(from: &reader)))
        }
    }
}
