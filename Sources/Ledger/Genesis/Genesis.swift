import Foundation

/// The genesis document: the chain's identity, founding members, and rules.
///
/// Humans read and write it as JSON (`genesis.json`); its hash, which block 1 links to, is the
/// SHA-256 of its canonical encoding, so whitespace or key order in the JSON never matters.
public struct Genesis: Hashable, Sendable, Codable {
    public struct Member: Hashable, Sendable, Codable {
        public var name: String
        public var publicKey: PublicKey
        public var roles: Roles
        /// Starting reputation; defaults to `consensus.initialReputation`.
        public var reputation: Int64?

        public init(name: String, publicKey: PublicKey, roles: Roles, reputation: Int64? = nil) {
            self.name = name
            self.publicKey = publicKey
            self.roles = roles
            self.reputation = reputation
        }
    }

    public var chainID: String
    /// Milliseconds since 1970; block 1's timestamp must be later.
    public var genesisTime: UInt64
    public var members: [Member]
    public var consensus: ConsensusParameters
    public var limits: Limits
    public var options: BlockOptions

    public init(chainID: String, genesisTime: UInt64, members: [Member], consensus: ConsensusParameters = .init(),
                limits: Limits = .init(), options: BlockOptions = .init()) {
        self.chainID = chainID
        self.genesisTime = genesisTime
        self.members = members
        self.consensus = consensus
        self.limits = limits
        self.options = options
    }

    /// What block 1's `previousID` must be.
    public var hash: Hash256 { Hash256.sha256(canonicalBytes) }

    /// The validators named in the genesis.
    public var validators: ValidatorSet {
        ValidatorSet(members.filter { $0.roles.contains(.validator) }.map(\.publicKey))
    }

    /// Checks the document is usable; the error names the field.
    public func validate() throws(GenesisError) {
        try Genesis.validate(chainID: chainID)
        guard !members.isEmpty else { throw .invalid("members: a chain needs at least one member") }
        var keys = Set<PublicKey>(), names = Set<String>()
        for (i, member) in members.enumerated() {
            guard !member.name.isEmpty, member.name.utf8.count <= FieldRules.maxNameBytes else {
                throw .invalid("members[\(i)].name must be 1...\(FieldRules.maxNameBytes) bytes")
            }
            guard keys.insert(member.publicKey).inserted else { throw .invalid("members[\(i)] repeats the key \(member.publicKey.shortHex)…") }
            guard names.insert(member.name).inserted else { throw .invalid("members[\(i)] repeats the name \(member.name)") }
            guard !member.roles.isEmpty else { throw .invalid("members[\(i)] (\(member.name)) has no role") }
            if let reputation = member.reputation, reputation < 0 { throw .invalid("members[\(i)].reputation must be ≥ 0") }
        }
        guard validators.count > 0 else { throw .invalid("members: at least one member needs the validator role") }
        guard consensus.initialReputation >= 0, consensus.evidencePenalty >= 0 else {
            throw .invalid("consensus: initialReputation and evidencePenalty must be ≥ 0")
        }
        guard limits.maxTransactionBytes >= 256, limits.maxBlockBytes >= limits.maxTransactionBytes,
              limits.maxBlockTransactions >= 1 else {
            throw .invalid("limits: need maxTransactionBytes ≥ 256, maxBlockBytes ≥ maxTransactionBytes, maxBlockTransactions ≥ 1")
        }
    }

    /// Chain IDs name directories (`DIR/chain/<chain-id>/`), so they are restricted to
    /// `[A-Za-z0-9._-]`, 1...64 characters, not starting with a dot.
    public static func validate(chainID: String) throws(GenesisError) {
        let ok = !chainID.isEmpty && chainID.utf8.count <= 64 && !chainID.hasPrefix(".")
            && chainID.utf8.allSatisfy { c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95
            }
        guard ok else { throw .invalid("chainID \"\(chainID)\" must be 1...64 characters of A-Z a-z 0-9 . _ - and not start with a dot") }
    }

    public static func load(from url: URL) throws(GenesisError) -> Genesis {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .unreadable(path: url.path, reason: "it does not exist")
        }
        let genesis: Genesis
        do { genesis = try JSONDecoder().decode(Genesis.self, from: data) } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
        try genesis.validate()
        return genesis
    }

    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}

/// Consensus settings. The timeouts are for the BFT rounds (used by the consensus layer).
public struct ConsensusParameters: Hashable, Sendable, Codable {
    public var timeoutProposeMs: UInt64
    public var timeoutPrevoteMs: UInt64
    public var timeoutPrecommitMs: UInt64
    /// Reputation of members admitted later with `RegisterMember`.
    public var initialReputation: Int64
    /// Reputation an offender loses per committed `Evidence`.
    public var evidencePenalty: Int64

    public init(timeoutProposeMs: UInt64 = 3000, timeoutPrevoteMs: UInt64 = 1000, timeoutPrecommitMs: UInt64 = 1000,
                initialReputation: Int64 = 100, evidencePenalty: Int64 = 50) {
        self.timeoutProposeMs = timeoutProposeMs
        self.timeoutPrevoteMs = timeoutPrevoteMs
        self.timeoutPrecommitMs = timeoutPrecommitMs
        self.initialReputation = initialReputation
        self.evidencePenalty = evidencePenalty
    }
}

/// Size limits, enforced on every transaction and block.
public struct Limits: Hashable, Sendable, Codable {
    public var maxTransactionBytes: Int
    public var maxBlockBytes: Int
    public var maxBlockTransactions: Int

    public init(maxTransactionBytes: Int = 65_536, maxBlockBytes: Int = 16 << 20, maxBlockTransactions: Int = 10_000) {
        self.maxTransactionBytes = maxTransactionBytes
        self.maxBlockBytes = maxBlockBytes
        self.maxBlockTransactions = maxBlockTransactions
    }
}

extension Genesis: CanonicalEncodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(UInt8(1))
        writer.write(chainID)
        writer.write(genesisTime)
        writer.write(UInt32(members.count))
        for member in members {
            writer.write(member.name)
            writer.write(member.publicKey)
            writer.write(member.roles)
            writer.write(member.reputation ?? consensus.initialReputation)
        }
        writer.write(consensus.timeoutProposeMs)
        writer.write(consensus.timeoutPrevoteMs)
        writer.write(consensus.timeoutPrecommitMs)
        writer.write(consensus.initialReputation)
        writer.write(consensus.evidencePenalty)
        writer.write(UInt64(limits.maxTransactionBytes))
        writer.write(UInt64(limits.maxBlockBytes))
        writer.write(UInt64(limits.maxBlockTransactions))
        writer.write(options)
    }
}

/// A genesis document that cannot be read or used; the message names the field.
public enum GenesisError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalid(String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let why): "invalid genesis: \(why)"
        case .unreadable(let path, let reason): "cannot read the genesis file \(path): \(reason)"
        }
    }
}
