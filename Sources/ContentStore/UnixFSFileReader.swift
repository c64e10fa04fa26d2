/// Walks a UnixFS file DAG depth-first and yields its data in order, one block at a time.
///
/// Memory is one block plus the link lists on the current path. Sizes are checked on the
/// way: each subtree must produce the bytes its parent's `blocksizes` entry promises and the
/// root its `filesize`, so a DAG that disagrees with itself is reported, not silently cut.
public struct UnixFSFileReader {
    /// Loads a block by CID (from the store, which checks its hash).
    public typealias Loader = (CID) throws -> [UInt8]

    private struct Frame {
        let cid: CID
        let links: [DAGPBLink]
        let sizes: [UInt64]
        var next = 0
        let expected: UInt64
        var produced: UInt64
    }

    /// Trees deeper than this are refused; 174-way trees reach exabytes long before.
    static let maximumDepth = 32

    private let load: Loader
    private let root: CID
    private var stack: [Frame] = []
    private var started = false
    /// The file size the root declares (known after the first `next()`).
    public private(set) var declaredSize: UInt64?

    public init(root: CID, load: @escaping Loader) {
        self.root = root
        self.load = load
    }

    /// The next piece of the file, or nil at the end.
    public mutating func next() throws -> [UInt8]? {
        if !started {
            started = true
            if let data = try enter(root, expected: nil), !data.isEmpty { return data }
        }
        while let top = stack.last {
            if top.next < top.links.count {
                stack[stack.count - 1].next += 1
                let expected = top.sizes[top.next]
                if let data = try enter(top.links[top.next].cid, expected: expected), !data.isEmpty {
                    return data
                }
            } else {
                stack.removeLast()
                guard top.produced == top.expected else {
                    throw BlockstoreError.invalidDAG(
                        top.cid, reason: "subtree holds \(top.produced) bytes, its sizes say \(top.expected)")
                }
                if !stack.isEmpty { stack[stack.count - 1].produced += top.produced }
            }
        }
        return nil
    }

    /// Reads one block; returns its own data and, for an inner node, pushes its links.
    private mutating func enter(_ cid: CID, expected: UInt64?) throws -> [UInt8]? {
        let block = try load(cid)
        if cid.codec == .raw {
            try check(cid, size: UInt64(block.count), expected: expected)
            return block
        }
        guard cid.codec == .dagPB else {
            throw BlockstoreError.invalidDAG(cid, reason: "codec \(cid.codec) is not a UnixFS file")
        }
        let node: DAGPBNode
        let unixFS: UnixFSData
        do {
            node = try DAGPBNode(decoding: block)
            guard let data = node.data else { throw DAGPBError.malformed("no UnixFS data") }
            unixFS = try UnixFSData(decoding: data[...])
        } catch {
            throw BlockstoreError.invalidDAG(cid, reason: "\(error)")
        }
        guard unixFS.type == .file || unixFS.type == .raw else {
            throw BlockstoreError.invalidDAG(cid, reason: "it is a UnixFS \(unixFS.type), not a file")
        }
        let data = unixFS.data ?? []
        if node.links.isEmpty {
            if let declared = unixFS.fileSize, declared != UInt64(data.count) {
                throw BlockstoreError.invalidDAG(cid, reason: "leaf holds \(data.count) bytes, filesize says \(declared)")
            }
            try check(cid, size: UInt64(data.count), expected: expected)
            return data
        }
        guard unixFS.blockSizes.count == node.links.count else {
            throw BlockstoreError.invalidDAG(
                cid, reason: "\(node.links.count) links but \(unixFS.blockSizes.count) blocksizes")
        }
        guard stack.count < Self.maximumDepth else {
            throw BlockstoreError.invalidDAG(cid, reason: "deeper than \(Self.maximumDepth) levels")
        }
        let total = UInt64(data.count) + unixFS.blockSizes.reduce(0, +)
        if let declared = unixFS.fileSize, declared != total {
            throw BlockstoreError.invalidDAG(cid, reason: "filesize \(declared) but children hold \(total)")
        }
        if let expected, expected != total {
            throw BlockstoreError.invalidDAG(cid, reason: "holds \(total) bytes, its parent says \(expected)")
        }
        if stack.isEmpty && declaredSize == nil { declaredSize = total }
        stack.append(Frame(
            cid: cid, links: node.links, sizes: unixFS.blockSizes, expected: total,
            produced: UInt64(data.count)))
        return data
    }

    private mutating func check(_ cid: CID, size: UInt64, expected: UInt64?) throws {
        if let expected, expected != size {
            throw BlockstoreError.invalidDAG(cid, reason: "holds \(size) bytes, its parent says \(expected)")
        }
        if stack.isEmpty {
            declaredSize = size
        } else {
            stack[stack.count - 1].produced += size
        }
    }
}
