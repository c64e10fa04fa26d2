/// What importing a file produced.
public struct ImportResult: Hashable, Sendable {
    /// The root CID, the one `ipfs add` prints.
    public var root: CID
    /// The file's length in bytes.
    public var fileSize: UInt64
    /// The bytes of all blocks of the DAG (Kubo's cumulative size).
    public var dagSize: UInt64
    /// How many blocks the DAG has.
    public var blockCount: Int
}
