/// A block header. Its SHA-256 is the block ID that validators sign.
///
/// Canonical encoding, in this order: `u8 version=1 ‖ string chainID ‖ u64 height ‖
/// previousID[32] ‖ u64 timestamp ‖ proposer[32] ‖ txRoot[32] ‖ u32 txCount ‖ typeCounts ‖
/// stateRoot[32] ‖ validatorsHash[32] ‖ options[5] ‖ blacklist`, where `typeCounts` is an
/// array of `(u16 tag, u32 count)` sorted by tag without zero counts, and `blacklist` a sorted
/// array of public keys.
public struct BlockHeader: Hashable, Sendable {
    public static let version: UInt8 = 1

    public var chainID: String
    /// 1 for the first block; height 0 is the genesis.
    public var height: UInt64
    /// ID of the block at `height − 1`, or the genesis hash for height 1.
    public var previousID: Hash256
    /// Milliseconds since 1970, chosen by the proposer from its clock; strictly increasing.
    /// The state machine never reads a clock itself.
    public var timestamp: UInt64
    /// The master that proposed the block.
    public var proposer: PublicKey
    /// RFC 6962 Merkle root over the transaction hashes, in block order.
    public var txRoot: Hash256
    public var txCount: UInt32
    /// How many transactions of each type the block holds (types with none are absent).
    public private(set) var typeCounts: [TransactionKind: UInt32]
    /// The state root after applying this block.
    public var stateRoot: Hash256
    /// Hash of the validator set that must sign this block.
    public var validatorsHash: Hash256
    public var options: BlockOptions
    /// Masters barred from proposing (at most f), maintained by consensus.
    public var blacklist: [PublicKey]

    public init(chainID: String, height: UInt64, previousID: Hash256, timestamp: UInt64, proposer: PublicKey,
                txRoot: Hash256, txCount: UInt32, typeCounts: [TransactionKind: UInt32], stateRoot: Hash256,
                validatorsHash: Hash256, options: BlockOptions, blacklist: [PublicKey]) {
        self.chainID = chainID
        self.height = height
        self.previousID = previousID
        self.timestamp = timestamp
        self.proposer = proposer
        self.txRoot = txRoot
        self.txCount = txCount
        self.typeCounts = typeCounts.filter { $0.value > 0 }
        self.stateRoot = stateRoot
        self.validatorsHash = validatorsHash
        self.options = options
        self.blacklist = blacklist
    }

    /// SHA-256 of the canonical header bytes.
    public var id: Hash256 { Hash256.sha256(canonicalBytes) }
}

extension BlockHeader: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(BlockHeader.version)
        writer.write(chainID)
        writer.write(height)
        writer.write(previousID)
        writer.write(timestamp)
        writer.write(proposer)
        writer.write(txRoot)
        writer.write(txCount)
        let counts = typeCounts.filter { $0.value > 0 }.sorted { $0.key.rawValue < $1.key.rawValue }
        writer.write(UInt32(counts.count))
        for (kind, count) in counts {
            writer.write(kind.rawValue)
            writer.write(count)
        }
        writer.write(stateRoot)
        writer.write(validatorsHash)
        writer.write(options)
        writer.write(blacklist.sorted())
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        let version = try reader.readUInt8("version")
        guard version == BlockHeader.version else { throw reader.fail("unsupported header version \(version)") }
        chainID = try reader.readString("chainID")
        height = try reader.readUInt64("height")
        previousID = try Hash256(from: &reader)
        timestamp = try reader.readUInt64("timestamp")
        proposer = try PublicKey(from: &reader)
        txRoot = try Hash256(from: &reader)
        txCount = try reader.readUInt32("txCount")
        let kinds = try reader.readCount("type counts", minimumElementSize: 6)
        typeCounts = [:]
        var previousTag: UInt16? = nil
        for _ in 0..<kinds {
            let tag = try reader.readUInt16("type tag")
            let count = try reader.readUInt32("type count")
            guard let kind = TransactionKind(rawValue: tag) else { throw reader.fail("unknown type tag 0x\(String(tag, radix: 16))") }
            if let previousTag, previousTag >= tag { throw reader.fail("type counts not sorted by tag") }
            guard count > 0 else { throw reader.fail("zero type count for \(kind.name)") }
            previousTag = tag
            typeCounts[kind] = count
        }
        stateRoot = try Hash256(from: &reader)
        validatorsHash = try Hash256(from: &reader)
        options = try BlockOptions(from: &reader)
        blacklist = try reader.readArray(of: PublicKey.self, "blacklist")
        guard zip(blacklist, blacklist.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw reader.fail("blacklist not sorted and unique")
        }
    }
}
