/// One finished block as its parent sees it.
struct DAGChild: Sendable {
    /// The block's CID.
    var cid: CID
    /// The block's size plus the sizes of everything below it (the link's `Tsize`).
    var totalSize: UInt64
    /// The file bytes under the block (the parent's `blocksizes` entry).
    var fileSize: UInt64
}

/// Builds Kubo's balanced UnixFS layout from a stream of leaves, keeping only one partly
/// filled node per level in memory.
///
/// Kubo's `balanced.Layout` starts with the first leaf as the root and, whenever the tree is
/// full (`maxLinks` children at every level) and more data follows, makes the root the first
/// child of a new, one level deeper root and fills the new root's remaining subtrees left to
/// right. The same tree falls out of a per-level list that is sealed into a node only when it
/// is full *and* another entry arrives: a file of exactly 174 chunks gets one root with 174
/// leaves, while 175 chunks get a root with two children, a full node and a node holding the
/// last leaf. Every node on the right edge exists even with a single child, as in Kubo.
struct BalancedDAGBuilder {
    let options: ImportOptions
    /// `levels[0]` holds leaves, `levels[k]` nodes of depth k, none sealed yet.
    private var levels: [[DAGChild]] = [[]]

    init(options: ImportOptions) {
        self.options = options
    }

    /// Adds the next leaf (in file order); `emit` receives every inner node sealed meanwhile.
    mutating func append(leaf: DAGChild, emit: (CID, [UInt8]) throws -> Void) rethrows {
        try add(leaf, level: 0, emit: emit)
    }

    /// Seals the right edge and returns the root.
    ///
    /// - Precondition: at least one leaf was appended (see `emptyFile` for the empty file).
    mutating func finish(emit: (CID, [UInt8]) throws -> Void) rethrows -> DAGChild {
        precondition(!levels[0].isEmpty, "finish() needs at least one leaf")
        // A single leaf is the whole file: Kubo returns it as the root.
        if levels.count == 1 && levels[0].count == 1 { return levels[0][0] }
        var level = 0
        while level < levels.count - 1 {
            let node = try seal(level, emit: emit)
            try add(node, level: level + 1, emit: emit)
            level += 1
        }
        return try seal(level, emit: emit)
    }

    private mutating func add(
        _ child: DAGChild, level: Int, emit: (CID, [UInt8]) throws -> Void
    ) rethrows {
        if level == levels.count { levels.append([]) }
        if levels[level].count == options.maxLinks {
            let node = try seal(level, emit: emit)
            try add(node, level: level + 1, emit: emit)
        }
        levels[level].append(child)
    }

    /// Turns the entries of one level into a dag-pb node, emits it and empties the level.
    private mutating func seal(_ level: Int, emit: (CID, [UInt8]) throws -> Void) rethrows -> DAGChild {
        let children = levels[level]
        levels[level] = []
        let (cid, block, fileSize) = Self.innerNode(children, options: options)
        try emit(cid, block)
        let below = children.reduce(UInt64(0)) { $0 + $1.totalSize }
        return DAGChild(cid: cid, totalSize: UInt64(block.count) + below, fileSize: fileSize)
    }

    static func innerNode(
        _ children: [DAGChild], options: ImportOptions
    ) -> (cid: CID, block: [UInt8], fileSize: UInt64) {
        let fileSize = children.reduce(UInt64(0)) { $0 + $1.fileSize }
        let data = UnixFSData(type: .file, fileSize: fileSize, blockSizes: children.map(\.fileSize))
        let node = DAGPBNode(
            links: children.map { DAGPBLink(cid: $0.cid, name: "", totalSize: $0.totalSize) },
            data: data.encoded())
        let block = node.encoded()
        return (options.nodeCID(.sha2_256(block)), block, fileSize)
    }

    /// The single block of the empty file: an empty raw leaf, or a UnixFS file node with no
    /// data and `filesize` 0 (`0a 04 08 02 18 00`), as Kubo makes it.
    static func emptyFile(options: ImportOptions) -> (cid: CID, block: [UInt8]) {
        if options.rawLeaves { return (options.leafCID(.sha2_256([UInt8]())), []) }
        let block = DAGPBNode(data: UnixFSData(type: .file, fileSize: 0).encoded()).encoded()
        return (options.nodeCID(.sha2_256(block)), block)
    }
}
