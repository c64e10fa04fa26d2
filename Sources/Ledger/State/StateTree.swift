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

    public var root: Hash256 { nodes[0][0] }
    public var rowCount: Int { buckets.reduce(0) { $0 + $1.count } }

    /// Inserts or replaces rows (by key) and rehashes what changed.
    public mutating func update(_ changes: [(key: [UInt8], leaf: Hash256)]) {
        var dirty = Set<Int>()
        for change in changes {
            let b = StateTree.bucket(of: change.key)
            dirty.insert(b)
            var rows = buckets[b]
            buckets[b] = []
            // Binary search for the key's position in the sorted bucket.
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
            buckets[b] = rows
        }
        var level = StateTree.levels
        for b in dirty { nodes[level][b] = StateTree.bucketHash(buckets[b]) }
        var parents = dirty
        while level > 0 {
            parents = Set(parents.map { $0 >> 4 })
            level -= 1
            for p in parents {
                nodes[level][p] = StateTree.nodeHash(Array(nodes[level + 1][(p << 4)..<((p << 4) + 16)]))
            }
        }
    }

    /// The leaf hash of a row.
    public static func leafHash(key: [UInt8], value: [UInt8]) -> Hash256 {
        var hasher = SHA256()
        var prefix: [UInt8] = [0x00]
        let length = UInt32(key.count)
        prefix += [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
        hasher.update(data: prefix)
        hasher.update(data: key)
        hasher.update(data: value)
        return Hash256(hasher.finalize())
    }

    static func bucket(of key: [UInt8]) -> Int {
        let digest = SHA256.hash(data: key)
        return digest.withUnsafeBytes { Int($0[0]) << 8 | Int($0[1]) }
    }

    static func bucketHash(_ rows: [Row]) -> Hash256 {
        var hasher = SHA256()
        hasher.update(data: [0x01] as [UInt8])
        for row in rows { row.leaf.update(&hasher) }
        return Hash256(hasher.finalize())
    }

    static func nodeHash(_ children: [Hash256]) -> Hash256 {
        var hasher = SHA256()
        hasher.update(data: [0x02] as [UInt8])
        for child in children { child.update(&hasher) }
        return Hash256(hasher.finalize())
    }
}
