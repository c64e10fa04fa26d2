/// A content identifier: which codec the block uses and the multihash of its bytes.
///
/// Two versions exist. CIDv0 is a bare sha2-256 multihash of a dag-pb block, printed in
/// base58btc (`Qm…`); CIDv1 is `varint(1) varint(codec) multihash`, printed in multibase,
/// base32 by default (`b…`). `ipfs add` prints v0 unless asked for v1.
///
/// ```swift
/// let cid = try CID("Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD")
/// cid.version              // .v0
/// cid.converted(to: .v1)   // bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa
/// ```
public struct CID: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The CID format version.
    public enum Version: Int, Sendable, Hashable, CaseIterable {
        case v0 = 0
        case v1 = 1
    }

    /// The multicodec of the block a CID names.
    public struct Codec: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }

        /// Protobuf-encoded Merkle DAG nodes (UnixFS files and directories).
        public static let dagPB = Codec(rawValue: 0x70)
        /// Plain bytes: the leaves of `ipfs add --raw-leaves`.
        public static let raw = Codec(rawValue: 0x55)

        public var description: String {
            switch self {
            case .dagPB: "dag-pb"
            case .raw: "raw"
            default: "0x" + String(rawValue, radix: 16)
            }
        }
    }

    public let version: Version
    public let codec: Codec
    public let multihash: Multihash

    /// A CIDv1 for any codec and multihash.
    public init(v1 codec: Codec, multihash: Multihash) {
        version = .v1
        self.codec = codec
        self.multihash = multihash
    }

    /// A CIDv0, which always names a dag-pb block by its sha2-256 multihash.
    ///
    /// - Precondition: `multihash` is a 32-byte sha2-256 multihash.
    public init(v0 multihash: Multihash) {
        precondition(multihash.code == Multihash.sha2_256Code && multihash.digest.count == 32)
        version = .v0
        codec = .dagPB
        self.multihash = multihash
    }

    /// The same block under another version.
    ///
    /// - Returns: nil when asking for v0 of a CID that v0 cannot express (a codec other than
    ///   dag-pb or a hash other than sha2-256).
    public func converted(to version: Version) -> CID? {
        switch version {
        case .v1: return CID(v1: codec, multihash: multihash)
        case .v0:
            guard codec == .dagPB, multihash.code == Multihash.sha2_256Code,
                multihash.digest.count == 32
            else { return nil }
            return CID(v0: multihash)
        }
    }

    /// The binary form, as it appears in dag-pb links.
    public var bytes: [UInt8] {
        switch version {
        case .v0:
            return multihash.bytes
        case .v1:
            var bytes: [UInt8] = [1]
            Varint.encode(codec.rawValue, into: &bytes)
            return bytes + multihash.bytes
        }
    }

    /// Parses the binary form (a v0 multihash or a v1 CID), which must fill `bytes` exactly.
    public init(bytes: [UInt8]) throws(CIDError) {
        // A v0 CID is a sha2-256 multihash: 0x12 0x20 and 32 digest bytes.
        if bytes.count == 34 && bytes[0] == 0x12 && bytes[1] == 0x20 {
            self.init(v0: Multihash(code: 0x12, digest: Array(bytes[2...])))
            return
        }
        var offset = 0
        let version = try Self.varint(bytes, at: &offset)
        guard version == 1 else { throw .unsupportedVersion(version) }
        let codec = try Self.varint(bytes, at: &offset)
        let multihash = try Multihash.decode(bytes, at: &offset)
        guard offset == bytes.count else { throw .trailingBytes(bytes.count - offset) }
        self.init(v1: Codec(rawValue: codec), multihash: multihash)
    }

    private static func varint(_ bytes: [UInt8], at offset: inout Int) throws(CIDError) -> UInt64 {
        do { return try Varint.decode(bytes, at: &offset) } catch { throw .varint(error) }
    }

    /// Parses a CID string: a 46-character `Qm…` CIDv0, or a multibase CIDv1 (`b…`, `B…`,
    /// `z…`).
    ///
    /// - Throws: `CIDError` naming what is wrong (an unknown prefix, a character outside the
    ///   alphabet, a truncated multihash, …).
    public init(parsing text: String) throws(CIDError) {
        guard !text.isEmpty else { throw .empty }
        if text.hasPrefix("Qm") && text.count != 46 {
            throw .invalidV0Length(text.count)
        }
        if text.count == 46 && text.hasPrefix("Qm") {
            let bytes: [UInt8]
            do { bytes = try Base58.decode(text) } catch { throw .multibase(error) }
            guard bytes.count == 34, bytes[0] == 0x12, bytes[1] == 0x20 else {
                throw .invalidV0
            }
            self.init(v0: Multihash(code: 0x12, digest: Array(bytes[2...])))
            return
        }
        let bytes: [UInt8]
        do { bytes = try Multibase.decode(text) } catch { throw .multibase(error) }
        if bytes.first == 0x12 {
            // The binary form of a v0 CID inside a multibase string: not a valid CID string.
            throw .v0InMultibase
        }
        try self.init(bytes: bytes)
    }

    /// Parses a CID string; nil when it is malformed (use `init(parsing:)` for the reason).
    public init?(_ description: String) {
        guard let cid = try? CID(parsing: description) else { return nil }
        self = cid
    }

    /// The canonical string: base58btc for v0, lowercase base32 for v1 (Kubo's defaults).
    public var description: String {
        switch version {
        case .v0: Base58.encode(multihash.bytes)
        case .v1: Multibase.base32.encode(bytes)
        }
    }

    /// The string in a chosen multibase (v1 only; v0 has one form).
    public func string(in base: Multibase) -> String {
        version == .v0 ? description : base.encode(bytes)
    }
}

/// Why bytes or a string are not a CID, or a CID cannot be checked.
public enum CIDError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The string is empty.
    case empty
    /// The multibase layer failed: unknown prefix, bad character, bad length.
    case multibase(MultibaseError)
    /// A varint (version, codec, hash code or length) is malformed.
    case varint(VarintError)
    /// A version other than 1 in a multibase CID.
    case unsupportedVersion(UInt64)
    /// A `Qm…` string that does not decode to a 34-byte sha2-256 multihash.
    case invalidV0
    /// A `Qm…` string of the wrong length (CIDv0 strings have 46 characters).
    case invalidV0Length(Int)
    /// The bytes of a CIDv0 wrapped in multibase, which the CID specification forbids.
    case v0InMultibase
    /// The multihash declares more digest bytes than follow.
    case digestLength(declared: Int, available: Int)
    /// Bytes left after the multihash.
    case trailingBytes(Int)
    /// A hash function MedChain cannot compute (only sha2-256 is supported).
    case unsupportedHash(code: UInt64, length: Int)

    public var description: String {
        switch self {
        case .empty:
            "empty CID"
        case .multibase(let error):
            "malformed CID: \(error)"
        case .varint(let error):
            "malformed CID: \(error)"
        case .unsupportedVersion(let version):
            "unsupported CID version \(version) (only 0 and 1 exist)"
        case .invalidV0:
            "malformed CIDv0: a Qm… CID must be base58btc of a 34-byte sha2-256 multihash"
        case .invalidV0Length(let count):
            "malformed CIDv0: Qm… CIDs have 46 characters, this one has \(count)"
        case .v0InMultibase:
            "malformed CID: a CIDv0 must be written in base58btc without a multibase prefix"
        case .digestLength(let declared, let available):
            "malformed CID: multihash declares \(declared) digest bytes but \(available) follow"
        case .trailingBytes(let count):
            "malformed CID: \(count) unexpected bytes after the multihash"
        case .unsupportedHash(let code, let length):
            "unsupported hash function 0x\(String(code, radix: 16)) (\(length) bytes); "
                + "only sha2-256 (0x12, 32 bytes) is supported"
        }
    }
}
