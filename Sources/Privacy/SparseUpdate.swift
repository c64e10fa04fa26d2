/// A model update restricted to some coordinates: strictly increasing indices and their values.
///
/// This is all a client sends under partial sharing; the coordinates it leaves out are not in
/// the value, nor in its serialised bytes.
public struct SparseUpdate: Sendable, Hashable, Codable {
    /// The length of the dense update (the model's parameter count).
    public let dimension: Int
    /// The shared coordinates, strictly increasing, each below ``dimension``.
    public let indices: [UInt32]
    /// The values at ``indices``.
    public let values: [Float]

    /// - Throws: ``PrivacyError/Code/invalidSparseUpdate`` when the counts differ or the
    ///   indices are out of range, unsorted or repeated.
    public init(dimension: Int, indices: [UInt32], values: [Float]) throws(PrivacyError) {
        guard dimension >= 0, dimension <= Int(UInt32.max) else {
            throw PrivacyError(.invalidSparseUpdate, "sparse update dimension \(dimension) is out of range 0...\(UInt32.max)")
        }
        guard indices.count == values.count else {
            throw PrivacyError(.invalidSparseUpdate, "sparse update has \(indices.count) indices but \(values.count) values")
        }
        for (position, index) in indices.enumerated() {
            guard Int(index) < dimension else {
                throw PrivacyError(.invalidSparseUpdate, "sparse update index \(index) at position \(position) is not below the dimension \(dimension)")
            }
            if position > 0 && indices[position - 1] >= index {
                throw PrivacyError(.invalidSparseUpdate, "sparse update indices must be strictly increasing; position \(position) has \(index) after \(indices[position - 1])")
            }
        }
        self.dimension = dimension
        self.indices = indices
        self.values = values
    }

    public init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case dimension, indices, values }
        let container = try decoder.container(keyedBy: Keys.self)
        try self.init(dimension: container.decode(Int.self, forKey: .dimension),
                      indices: container.decode([UInt32].self, forKey: .indices),
                      values: container.decode([Float].self, forKey: .values))
    }

    /// The fraction of coordinates shared.
    public var density: Double { dimension == 0 ? 0 : Double(indices.count) / Double(dimension) }

    /// The dense vector with `fill` at unshared coordinates.
    public func densified(fill: Float = 0) -> [Float] {
        var dense = [Float](repeating: fill, count: dimension)
        for (index, value) in zip(indices, values) { dense[Int(index)] = value }
        return dense
    }

    // MARK: Binary form

    /// "MCSU" then version 1.
    static let magic: [UInt8] = [0x4D, 0x43, 0x53, 0x55, 0x01]

    /// Little-endian bytes: magic, dimension (u32), count (u32), indices (u32 each), values
    /// (IEEE-754 binary32 each). 13 + 8·k bytes for k shared coordinates.
    public func serialized() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(13 + 8 * indices.count)
        func append(_ word: UInt32) {
            withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
        }
        append(UInt32(dimension))
        append(UInt32(indices.count))
        for index in indices { append(index) }
        for value in values { append(value.bitPattern) }
        return bytes
    }

    /// Parses ``serialized()`` output, checking every field.
    public init(serialized bytes: [UInt8]) throws(PrivacyError) {
        guard bytes.count >= 13, Array(bytes[0..<5]) == Self.magic else {
            throw PrivacyError(.invalidSparseUpdate, "sparse update bytes do not start with the MCSU version 1 header")
        }
        func word(at offset: Int) -> UInt32 {
            UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        }
        let dimension = Int(word(at: 5))
        let count = Int(word(at: 9))
        guard bytes.count == 13 + 8 * count else {
            throw PrivacyError(.invalidSparseUpdate, "sparse update declares \(count) entries, which needs \(13 + 8 * count) bytes; got \(bytes.count)")
        }
        let indices = (0..<count).map { word(at: 13 + 4 * $0) }
        let values = (0..<count).map { Float(bitPattern: word(at: 13 + 4 * count + 4 * $0)) }
        try self.init(dimension: dimension, indices: indices, values: values)
    }
}
