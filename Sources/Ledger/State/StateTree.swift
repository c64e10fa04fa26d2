import Crypto

/// The authenticated structure behind the state root: a fixed-shape 16-ary hash tree over
/// 65,536 buckets of state rows.
///
/// - A row's leaf hash is `SHA-256(0x00 ‖ u32 len(key) ‖ key ‖ value)`.
/// - A row lives in bucket `b` = the first two bytes of `SHA-256(key)`, big-endian.
/// - A bucket's hash is `SHA-256(0x01 ‖ leaf hashes of its rows sorted by key bytes)`; an
///   empty bucket is `SHA-256(0x01)`.
/// - Interior nodes (four levels: 4,096, 256, 16, 1) are `SHA-256(0x02 ‖ 16 child hashes)`,
///   children in bucket-index order; the top node is the state root.
///
/// The root is thus a Merkle root over all rows in a canonical order, and a block that
/// changes `k` rows rehashes only their buckets and at most `4k` interior nodes, so commit
/// cost does not grow with the size of the state.
public struct StateTree: Sendable {
    static let levels = 4
    static let bucketCount = 1 << 16

    struct Row: Sendable {
        var key: [UInt8]
        var leaf: Hash256
    }

    private var buckets: [[Row]]
    /// `nodes[0]` is the root level (1 node) … `nodes[4]` the bucket hashes (65,536).
    private var nodes: [[Hash256]]

    public init() {
        buckets = Array(repeating: [], count: StateTree.bucketCount)
        var empty = StateTree.bucketHash([])
        var nodes = [[Hash256]](repeating: [], count: StateTree.levels + 1)
        nodes[StateTree.levels] = Array(repeating: empty, count: StateTree.bucketCount)
        for level in stride(from: StateTree.levels - 1, through: 0, by: -1) {
            empty = StateTree.nodeHash(Array(repeating: empty, count: 16))
            nodes[level] = Array(repeating: empty, count: 1 << (4 * level))
        }
        self.nodes = nodes
    }

    /// A tree holding exactly `rows` (keys unique), built bottom-up in one pass.
    public init(rows: [(key: [UInt8], leaf: Hash256)]) {
        self.init()
        for row in rows { buckets[StateTree.bucket(of: row.key)].append(Row(key: row.key, leaf: row.leaf)) }
        var dirty: [Int] = []
        for b in buckets.indices where !buckets[b].isEmpty {
            buckets[b].sort { $0.key.lexicographicallyPrecedes($1.key) }
            nodes[StateTree.levels][b] = StateTree.bucketHash(buckets[b])
            dirty.append(b)
        }
        for level in stride(from: StateTree.levels - 1, through: 0, by: -1) {
            let below = nodes[level + 1]
            var parents = dirty.map { $0 >> 4 }
            parents = parents.enumerated().filter { $0.offset == 0 || parents[$0.offset - 1] != $0.element }.map(\.element)
            for p in parents { nodes[level][p] = StateTree.nodeHash(Array(below[(p << 4)..<((p << 4) + 16)])) }
            dirty = parents
        }
    }

    public var root: Hash256 { nodes[0][0] }
    public var rowCount: Int { buckets.reduce(0) { $0 + $1.count } }

    /// The result of applying some row changes: the new root, and the buckets and nodes that
    /// change. Computed without touching the tree, so a block can be validated first and
    /// committed (`apply`) later, in time proportional to the rows it wrote.
    public struct Update: Sendable {
        public let root: Hash256
        fileprivate let buckets: [Int: [Row]]
        fileprivate let nodes: [(level: Int, index: Int, hash: Hash256)]
        /// The root this update was computed from; `apply` requires it.
        fileprivate let base: Hash256
    }

    /// Computes the tree after inserting or replacing `changes` (by key), without mutating.
    public func preview(_ changes: [(key: [UInt8], leaf: Hash256)]) -> Update {
        var changed: [Int: [Row]] = [:]
        for change in changes {
            let b = StateTree.bucket(of: change.key)
            var rows = changed.removeValue(forKey: b) ?? buckets[b]
            var low = 0, high = rows.count
            while low < high {
                let mid = (low + high) / 2
                if rows[mid].key.lexicographicallyPrecedes(change.key) { low = mid + 1 } else { high = mid }
            }
            if low < rows.count, rows[low].key == change.key {
                rows[low].leaf = change.leaf
            } else {
                rows.insert(Row(key: change.key, leaf: change.leaf), at: low)
            }
            changed[b] = rows
        }
        var nodes: [(level: Int, index: Int, hash: Hash256)] = []
        // Changed nodes of the current level, sorted by index; each level's parents are the
        // runs of siblings, so children come from the old level with the changed ones patched in.
        var current = changed.map { (index: $0.key, hash: StateTree.bucketHash($0.value)) }.sorted { $0.index < $1.index }
        for node in current { nodes.append((StateTree.levels, node.index, node.hash)) }
        for level in stride(from: StateTree.levels - 1, through: 0, by: -1) {
            let below = self.nodes[level + 1]
            var parents: [(index: Int, hash: Hash256)] = []
            var i = 0
            while i < current.count {
                let p = current[i].index >> 4
                var children = Array(below[(p << 4)..<((p << 4) + 16)])
                while i < current.count, current[i].index >> 4 == p {
                    children[current[i].index & 15] = current[i].hash
                    i += 1
                }
                let hash = StateTree.nodeHash(children)
                parents.append((p, hash))
                nodes.append((level, p, hash))
            }
            current = parents
        }
        return Update(root: current.first?.hash ?? root, buckets: changed, nodes: nodes, base: root)
    }

    /// Applies an update computed by `preview` on this very tree.
    public mutating func apply(_ update: Update) {
        precondition(update.base == root, "applying a state-tree update computed from another tree")
        for (b, rows) in update.buckets { buckets[b] = rows }
        for node in update.nodes { nodes[node.level][node.index] = node.hash }
    }

    /// Inserts or replaces rows (by key) and rehashes what changed.
    public mutating func update(_ changes: [(key: [UInt8], leaf: Hash256)]) {
        apply(preview(changes))
    }

    /// The leaf hash of a row.
    public static func leafHash(key: [UInt8], value: [UInt8]) -> Hash256 {
        let length = UInt32(key.count)
        var message: [UInt8] = [0x00, UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
        message.reserveCapacity(5 + key.count + value.count)
        message += key
        message += value
        return Hash256.sha256(message)
    }

    static func bucket(of key: [UInt8]) -> Int {
        let digest = SHA256.hash(data: key)
        return digest.withUnsafeBytes { Int($0[0]) << 8 | Int($0[1]) }
    }

    static func bucketHash(_ rows: [Row]) -> Hash256 { Hash256.sha256(prefix: 0x01, rows.lazy.map(\.leaf)) }

    static func nodeHash(_ children: [Hash256]) -> Hash256 { Hash256.sha256(prefix: 0x02, children) }
}
