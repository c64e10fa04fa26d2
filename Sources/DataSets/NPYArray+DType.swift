extension NPYArray {
    /// A NumPy scalar type as a `descr` string spells it, e.g. `<f4` or `|u1`.
    ///
    /// Supported: booleans (`b1`), signed and unsigned integers of 1, 2, 4 and 8 bytes, and
    /// 4- and 8-byte floats, in either byte order. Structured, complex, string, datetime and
    /// object dtypes are rejected with `DataSetError.Code.unsupportedDType`.
    public struct DType: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Character, Sendable {
            case boolean = "b"
            case signed = "i"
            case unsigned = "u"
            case float = "f"
        }

        public var kind: Kind
        /// Bytes per element.
        public var size: Int
        /// `true` for `>` (big-endian). `<`, `|` and `=` (native; every platform Swift runs on
        /// here is little-endian) are little-endian.
        public var isBigEndian: Bool

        public init(kind: Kind, size: Int, isBigEndian: Bool = false) {
            self.kind = kind
            self.size = size
            self.isBigEndian = isBigEndian
        }

        /// The dtype that `descr` names, or a failure message.
        init(descr: String) throws(DescrFailure) {
            var scalars = Substring(descr)
            var bigEndian = false
            switch scalars.first {
            case "<", "=": scalars.removeFirst()
            case ">": bigEndian = true; scalars.removeFirst()
            case "|": scalars.removeFirst()
            default: break
            }
            guard let kindCharacter = scalars.first else { throw .unsupported }
            let size = Int(scalars.dropFirst())
            guard let kind = Kind(rawValue: kindCharacter), let size else { throw .unsupported }
            let valid: Set<Int> = switch kind {
            case .boolean: [1]
            case .signed, .unsigned: [1, 2, 4, 8]
            case .float: [4, 8]
            }
            guard valid.contains(size) else { throw .unsupported }
            if descr.first == "|" && size != 1 { throw .malformed("'|' (no byte order) on a \(size)-byte type") }
            self.init(kind: kind, size: size, isBigEndian: bigEndian && size > 1)
        }

        enum DescrFailure: Error {
            case unsupported
            case malformed(String)
        }

        /// The canonical `descr`, as NumPy would write it.
        public var description: String {
            let order = size == 1 ? "|" : (isBigEndian ? ">" : "<")
            return "\(order)\(kind.rawValue)\(size)"
        }

        /// Whether every value is a whole number (booleans and integers).
        public var isIntegral: Bool { kind != .float }
    }
}
