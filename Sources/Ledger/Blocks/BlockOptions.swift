/// The per-block extension options of the edge BC-FL framework: what kind of chain this is,
/// how it agrees, who may join, where data live, and who governs. Fixed in the genesis and
/// carried in every header, so a block says what rules it was made under.
public struct BlockOptions: Hashable, Sendable, Codable {
    public enum ChainType: String, Sendable, Codable, CaseIterable { case `public`, `private`, consortium }
    public enum Consensus: String, Sendable, Codable, CaseIterable {
        case tendermintBFT = "tendermint-bft", pbft, raft, proofOfAuthority = "proof-of-authority"
    }
    public enum Permission: String, Sendable, Codable, CaseIterable { case permissioned, permissionless }
    public enum Storage: String, Sendable, Codable, CaseIterable {
        /// Blobs in the content store, CIDs on chain (MedChain's design).
        case offChain = "off-chain"
        case onChain = "on-chain"
        case hybrid
    }
    public enum Governance: String, Sendable, Codable, CaseIterable { case centralised, consortium, decentralised }

    public var chainType: ChainType
    public var consensus: Consensus
    public var permission: Permission
    public var storage: Storage
    public var governance: Governance

    public init(chainType: ChainType = .consortium, consensus: Consensus = .tendermintBFT,
                permission: Permission = .permissioned, storage: Storage = .offChain, governance: Governance = .consortium) {
        self.chainType = chainType
        self.consensus = consensus
        self.permission = permission
        self.storage = storage
        self.governance = governance
    }
}

extension BlockOptions: CanonicalCodable {
    /// Five bytes, each the option's index in its `allCases` (declaration order, never reordered).
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(UInt8(ChainType.allCases.firstIndex(of: chainType)!))
        writer.write(UInt8(Consensus.allCases.firstIndex(of: consensus)!))
        writer.write(UInt8(Permission.allCases.firstIndex(of: permission)!))
        writer.write(UInt8(Storage.allCases.firstIndex(of: storage)!))
        writer.write(UInt8(Governance.allCases.firstIndex(of: governance)!))
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        func pick<T: CaseIterable>(_ type: T.Type, _ raw: UInt8, _ what: String) throws(EncodingError) -> T {
            let all = Array(T.allCases)
            guard Int(raw) < all.count else { throw EncodingError(context: "block options", offset: 0, message: "unknown \(what) \(raw)") }
            return all[Int(raw)]
        }
        chainType = try pick(ChainType.self, try reader.readUInt8("chain type"), "chain type")
        consensus = try pick(Consensus.self, try reader.readUInt8("consensus"), "consensus")
        permission = try pick(Permission.self, try reader.readUInt8("permission"), "permission")
        storage = try pick(Storage.self, try reader.readUInt8("storage"), "storage")
        governance = try pick(Governance.self, try reader.readUInt8("governance"), "governance")
    }
}
