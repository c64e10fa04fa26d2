import Ledger

/// What validators send each other, in a versioned canonical encoding with a size limit.
///
/// Bytes: `u8 version=1 ‖ string chainID ‖ u8 tag ‖ payload`. The chain ID lets one node
/// take part in several chains over one link. Anything that does not decode exactly (wrong
/// version, chain, tag, trailing bytes, oversized) is refused by the receiver and logged.
public enum ConsensusMessage: Hashable, Sendable {
    case proposal(ProposalMessage)
    case vote(SignedVote)
    /// A signed transaction's canonical bytes, for the mempools.
    case transaction([UInt8])
    /// "Send me the committed block at this height" (block sync).
    case blockRequest(height: UInt64)
    case blockResponse(CommittedBlock)

    public static let version: UInt8 = 1

    var tag: UInt8 {
        switch self {
        case .proposal: 1
        case .vote: 2
        case .transaction: 3
        case .blockRequest: 4
        case .blockResponse: 5
        }
    }

    public func encoded(chainID: String) -> [UInt8] {
        var writer = CanonicalWriter()
        writer.write(ConsensusMessage.version)
        writer.write(chainID)
        writer.write(tag)
        switch self {
        case .proposal(let proposal): writer.write(proposal)
        case .vote(let vote): writer.write(vote)
        case .transaction(let bytes): writer.write(lengthPrefixed: bytes)
        case .blockRequest(let height): writer.write(height)
        case .blockResponse(let block): writer.write(block)
        }
        return writer.bytes
    }

    /// Decodes a message for `chainID`, refusing anything longer than `maxBytes`.
    public init(decoding bytes: [UInt8], chainID: String, maxBytes: Int) throws(MessageRefusal) {
        guard bytes.count <= maxBytes else { throw .oversized(bytes.count, limit: maxBytes) }
        var reader = CanonicalReader(bytes: bytes, context: "consensus message")
        do {
            let version = try reader.readUInt8("version")
            guard version == ConsensusMessage.version else { throw MessageRefusal.unsupportedVersion(version) }
            let chain = try reader.readString("chain ID")
            guard chain == chainID else { throw MessageRefusal.wrongChain(chain) }
            let tag = try reader.readUInt8("tag")
            switch tag {
            case 1: self = .proposal(try ProposalMessage(from: &reader))
            case 2: self = .vote(try SignedVote(from: &reader))
            case 3: self = .transaction(try reader.readLengthPrefixed("transaction"))
            case 4: self = .blockRequest(height: try reader.readUInt64("height"))
            case 5: self = .blockResponse(try CommittedBlock(from: &reader))
            default: throw MessageRefusal.unknownTag(tag)
            }
            try reader.finish()
        } catch let error as EncodingError {
            throw .malformed(error.description)
        } catch let error as MessageRefusal {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
    }
}

/// Why a received message was refused (the node logs it and keeps running).
public enum MessageRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case oversized(Int, limit: Int)
    case unsupportedVersion(UInt8)
    case wrongChain(String)
    case unknownTag(UInt8)
    case malformed(String)
    case unknownPeer(PublicKey)
    case badSignature(String)
    case notProposer(PublicKey, round: UInt32)
    case stale(String)

    public var description: String {
        switch self {
        case .oversized(let size, let limit): "message of \(size) bytes exceeds the \(limit)-byte limit"
        case .unsupportedVersion(let version): "message version \(version) is not supported (this node speaks 1)"
        case .wrongChain(let chain): "message is for chain \"\(chain)\""
        case .unknownTag(let tag): "unknown message tag \(tag)"
        case .malformed(let why): "malformed message: \(why)"
        case .unknownPeer(let key): "\(key.shortHex)… is not a validator of this chain"
        case .badSignature(let what): "\(what) has a signature that does not verify"
        case .notProposer(let key, let round): "\(key.shortHex)… is not the proposer of round \(round)"
        case .stale(let what): "\(what)"
        }
    }
}
