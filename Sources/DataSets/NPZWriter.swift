import Foundation

/// Writes NumPy `.npz` archives: a ZIP (stored, no compression) of `.npy` version 1.0 members,
/// the layout `np.savez` produces, so NumPy and this module's `MedMNIST` loader read them.
public enum NPZWriter {
    /// One array: a name (without `.npy`), a NumPy dtype string and C-order little-endian bytes.
    public struct Array: Sendable {
        public var name: String
        public var descr: String
        public var shape: [Int]
        public var data: [UInt8]

        public init(name: String, descr: String, shape: [Int], data: [UInt8]) {
            self.name = name
            self.descr = descr
            self.shape = shape
            self.data = data
        }

        /// A `uint8` array.
        public static func uint8(_ name: String, shape: [Int], _ values: [UInt8]) -> Array {
            Array(name: name, descr: "|u1", shape: shape, data: values)
        }
    }

    /// The `.npy` bytes of one array (format version 1.0, header padded to 64 bytes).
    public static func npy(_ a: Array) -> [UInt8] {
        let shape = a.shape.count == 1 ? "(\(a.shape[0]),)" : "(" + a.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(a.descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Swift.Array(header.utf8)
        return out + a.data
    }

    /// The archive bytes.
    public static func archive(_ arrays: [Array]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        for a in arrays {
            let body = npy(a)
            let name = Swift.Array((a.name + ".npy").utf8)
            let crc = Zlib.crc32(body[...])
            let offset = UInt32(out.count)
            // Local file header: version 2.0, no flags, stored, fixed DOS time 1980-01-01.
            let common = le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
                + le32(UInt32(body.count)) + le32(UInt32(body.count)) + le16(name.count) + le16(0)
            out += le32(0x0403_4B50) + common + name + body
            central += le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + name
        }
        let centralOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(arrays.count) + le16(arrays.count)
            + le32(UInt32(central.count)) + le32(centralOffset) + le16(0)
        return out
    }
}
