/// How a file becomes a UnixFS DAG: the choices `ipfs add` exposes, with Kubo's defaults.
///
/// | flags                                   | leaves             | inner nodes and root |
/// |-----------------------------------------|--------------------|----------------------|
/// | (none)                                  | dag-pb, CIDv0      | dag-pb, CIDv0        |
/// | `--cid-version=1`                       | raw, CIDv1         | dag-pb, CIDv1        |
/// | `--cid-version=1 --raw-leaves=false`    | dag-pb, CIDv1      | dag-pb, CIDv1        |
/// | `--raw-leaves` (v0)                     | raw, CIDv1         | dag-pb, CIDv0        |
///
/// Raw leaves always get CIDv1, because CIDv0 can only name dag-pb blocks.
public struct ImportOptions: Hashable, Sendable {
    /// Kubo's fixed chunk size (`size-262144`).
    public static let defaultChunkSize = 262_144
    /// Kubo's link limit per node for the balanced layout.
    public static let defaultMaxLinks = 174

    /// The version of the root and inner-node CIDs.
    public var cidVersion: CID.Version
    /// Whether leaves are raw blocks (the bare chunk) or dag-pb UnixFS nodes.
    public var rawLeaves: Bool
    /// The chunk size in bytes; change it only to test DAG shapes.
    public var chunkSize: Int
    /// The most links one node holds; change it only to test DAG shapes.
    public var maxLinks: Int

    /// Options as `ipfs add` resolves its flags: raw leaves default to on exactly for v1.
    public init(
        cidVersion: CID.Version = .v0, rawLeaves: Bool? = nil,
        chunkSize: Int = defaultChunkSize, maxLinks: Int = defaultMaxLinks
    ) {
        precondition(chunkSize > 0 && maxLinks >= 2)
        self.cidVersion = cidVersion
        self.rawLeaves = rawLeaves ?? (cidVersion == .v1)
        self.chunkSize = chunkSize
        self.maxLinks = maxLinks
    }

    /// `ipfs add` with no flags: CIDv0, dag-pb leaves.
    public static let kuboDefault = ImportOptions()

    func nodeCID(_ multihash: Multihash) -> CID {
        cidVersion == .v0 ? CID(v0: multihash) : CID(v1: .dagPB, multihash: multihash)
    }

    func leafCID(_ multihash: Multihash) -> CID {
        rawLeaves ? CID(v1: .raw, multihash: multihash) : nodeCID(multihash)
    }
}
