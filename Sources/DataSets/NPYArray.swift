/// An n-dimensional array read from NumPy's `.npy` format (versions 1.0, 2.0 and 3.0).
///
/// The header is a Python dict literal with `descr` (the dtype), `fortran_order` and `shape`.
/// Arrays stored in Fortran (column-major) order are rearranged on load, so `data` is always
/// in C (row-major) order, the order `Tensor` uses.
///
/// ```swift
/// let labels = try NPYArray(bytes: archive.contents(of: "train_labels.npy"), name: "train_labels.npy")
/// labels.shape        // [2428, 1]
/// try labels.integers()
/// ```
public struct NPYArray: Sendable {
    /// The size of each dimension; `[]` for a 0-d (scalar) array.
    public let shape: [Int]
    public let dtype: DType
    /// The element bytes in C order and in the file's byte order (see `dtype.isBigEndian`).
    public let data: [UInt8]
    /// What error messages call this array (a file or archive member name).
    public let name: String

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Parses a complete `.npy` file; `name` labels errors.
    public init(bytes: [UInt8], name: String) throws(DataSetError) {
        self.name = name
        func malformed(_ message: String) -> DataSetError {
            DataSetError(.malformedArray, file: name, message)
        }

        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw malformed("not a .npy array (missing the \\x93NUMPY magic)")
        }
        let major = bytes[6], minor = bytes[7]
        let headerStart: Int, headerLength: Int
        switch (major, minor) {
        case (1, 0):
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case (2, 0), (3, 0):
            guard bytes.count >= 12 else { throw malformed("truncated .npy header") }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        default:
            throw malformed("unsupported .npy format version \(major).\(minor) (1.0, 2.0 and 3.0 are supported)")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw malformed("truncated: the header declares \(headerLength) bytes but the file has \(bytes.count - headerStart) after the preamble")
        }
        let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
        // Versions 1 and 2 are Latin-1, version 3 UTF-8 (for structured-dtype field names).
        let headerText = major == 3
            ? String(decoding: headerBytes, as: UTF8.self)
            : String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))

        let header = try Self.parseHeader(headerText, name: name)
        self.dtype = header.dtype
        self.shape = header.shape

        let (elementCount, countOverflow) = header.shape.reduce((1, false)) { partial, dimension in
            let product = partial.0.multipliedReportingOverflow(by: dimension)
            return (product.partialValue, partial.1 || product.overflow)
        }
        let (byteCount, byteOverflow) = elementCount.multipliedReportingOverflow(by: header.dtype.size)
        let available = bytes.count - headerStart - headerLength
        guard !countOverflow, !byteOverflow, byteCount == available else {
            throw malformed(
                "data length \(available) bytes does not match shape \(header.shape) × \(header.dtype.size)-byte \(header.dtype)"
                    + (countOverflow || byteOverflow || byteCount > available ? " (the file is truncated or the header is wrong)" : " (extra bytes after the data)"))
        }
        let payload = Array(bytes[(headerStart + headerLength)...])
        self.data = header.fortranOrder
            ? Self.fortranToC(payload, shape: header.shape, elementSize: header.dtype.size)
            : payload
    }

    // MARK: Header

    private struct Header {
        var dtype: DType
        var fortranOrder: Bool
        var shape: [Int]
    }

    private static func parseHeader(_ text: String, name: String) throws(DataSetError) -> Header {
        func malformed(_ message: String) -> DataSetError {
            DataSetError(.malformedArray, file: name, "malformed .npy header: \(message)")
        }
        let literal: PythonLiteral
        do {
            literal = try PythonLiteral.parse(text)
        } catch {
            throw malformed(error.reason)
        }
        guard case .dictionary(let pairs) = literal else { throw malformed("the header is not a dict") }
        func field(_ key: String) throws(DataSetError) -> PythonLiteral {
            guard let pair = pairs.first(where: { $0.key == .string(key) }) else {
                throw malformed("the key '\(key)' is missing")
            }
            return pair.value
        }

        let descr: String
        switch try field("descr") {
        case .string(let text): descr = text
        case .sequence:
            throw DataSetError(.unsupportedDType, file: name, "structured (record) dtypes are not supported; save a plain numeric array")
        default: throw malformed("'descr' is not a string")
        }
        let dtype: DType
        do {
            dtype = try DType(descr: descr)
        } catch {
            switch error {
            case .unsupported:
                throw DataSetError(
                    .unsupportedDType, file: name,
                    "unsupported dtype '\(descr)' (supported: b1, i1/u1, i2/u2, i4/u4, i8/u8, f4, f8)")
            case .malformed(let reason):
                throw malformed("dtype '\(descr)': \(reason)")
            }
        }

        guard case .boolean(let fortranOrder) = try field("fortran_order") else {
            throw malformed("'fortran_order' is not True or False")
        }

        guard case .sequence(let dimensions) = try field("shape") else {
            throw malformed("'shape' is not a tuple")
        }
        var shape: [Int] = []
        for dimension in dimensions {
            guard case .integer(let size) = dimension, size >= 0 else {
                throw malformed("'shape' must hold non-negative integers")
            }
            shape.append(size)
        }
        return Header(dtype: dtype, fortranOrder: fortranOrder, shape: shape)
    }

    /// Rearranges column-major element bytes into row-major order.
    private static func fortranToC(_ bytes: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        // With at most one dimension larger than 1 both orders coincide.
        guard shape.filter({ $0 > 1 }).count > 1 else { return bytes }
        var fortranStrides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.dropFirst() {
            fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1]
        }
        let count = shape.reduce(1, *)
        var output = [UInt8](repeating: 0, count: bytes.count)
        var index = [Int](repeating: 0, count: shape.count)
        var source = 0
        bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { target in
                for element in 0..<count {
                    let to = element * elementSize, from = source * elementSize
                    for byte in 0..<elementSize { target[to + byte] = input[from + byte] }
                    // Advance the C-order multi-index (last axis fastest), tracking its
                    // Fortran-order offset incrementally.
                    var axis = shape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        source += fortranStrides[axis]
                        if index[axis] < shape[axis] { break }
                        source -= fortranStrides[axis] * shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return output
    }

    // MARK: Values

    /// The elements converted to `Float`, in C order.
    ///
    /// Integers beyond 2^24 and `f8` values lose precision as `Float` always does; booleans
    /// become 0 and 1.
    public func floats() -> [Float] {
        var output = [Float](repeating: 0, count: count)
        let big = dtype.isBigEndian, size = dtype.size, kind = dtype.kind
        data.withUnsafeBytes { raw in
            output.withUnsafeMutableBufferPointer { target in
                func load<T: FixedWidthInteger>(_ type: T.Type, _ i: Int) -> T {
                    let value = raw.loadUnaligned(fromByteOffset: i * size, as: T.self)
                    return big ? T(bigEndian: value) : T(littleEndian: value)
                }
                let n = target.count
                switch (kind, size) {
                case (.unsigned, 1): for i in 0..<n { target[i] = Float(raw[i]) }
                case (.signed, 1): for i in 0..<n { target[i] = Float(Int8(bitPattern: raw[i])) }
                case (.boolean, _): for i in 0..<n { target[i] = raw[i] != 0 ? 1 : 0 }
                case (.unsigned, 2): for i in 0..<n { target[i] = Float(load(UInt16.self, i)) }
                case (.signed, 2): for i in 0..<n { target[i] = Float(load(Int16.self, i)) }
                case (.unsigned, 4): for i in 0..<n { target[i] = Float(load(UInt32.self, i)) }
                case (.signed, 4): for i in 0..<n { target[i] = Float(load(Int32.self, i)) }
                case (.unsigned, 8): for i in 0..<n { target[i] = Float(load(UInt64.self, i)) }
                case (.signed, 8): for i in 0..<n { target[i] = Float(load(Int64.self, i)) }
                case (.float, 4): for i in 0..<n { target[i] = Float(bitPattern: load(UInt32.self, i)) }
                case (.float, 8): for i in 0..<n { target[i] = Float(Double(bitPattern: load(UInt64.self, i))) }
                default: preconditionFailure("DType.init admits no other dtype")
                }
            }
        }
        return output
    }

    /// The elements as whole numbers, in C order (for labels).
    ///
    /// - Throws: `DataSetError` if a float element is not a finite whole number or an unsigned
    ///   64-bit element exceeds `Int.max`.
    public func integers() throws(DataSetError) -> [Int] {
        var output = [Int](repeating: 0, count: count)
        let big = dtype.isBigEndian, size = dtype.size, kind = dtype.kind
        var bad: (index: Int, value: String)?
        data.withUnsafeBytes { raw in
            func load<T: FixedWidthInteger>(_ type: T.Type, _ i: Int) -> T {
                let value = raw.loadUnaligned(fromByteOffset: i * size, as: T.self)
                return big ? T(bigEndian: value) : T(littleEndian: value)
            }
            for i in 0..<output.count {
                switch (kind, size) {
                case (.unsigned, 1): output[i] = Int(raw[i])
                case (.signed, 1): output[i] = Int(Int8(bitPattern: raw[i]))
                case (.boolean, _): output[i] = raw[i] != 0 ? 1 : 0
                case (.unsigned, 2): output[i] = Int(load(UInt16.self, i))
                case (.signed, 2): output[i] = Int(load(Int16.self, i))
                case (.unsigned, 4): output[i] = Int(load(UInt32.self, i))
                case (.signed, 4): output[i] = Int(load(Int32.self, i))
                case (.signed, 8): output[i] = Int(load(Int64.self, i))
                case (.unsigned, 8):
                    let value = load(UInt64.self, i)
                    guard let exact = Int(exactly: value) else { bad = (i, "\(value)"); return }
                    output[i] = exact
                case (.float, _):
                    let value = size == 4
                        ? Double(Float(bitPattern: load(UInt32.self, i)))
                        : Double(bitPattern: load(UInt64.self, i))
                    guard let exact = Int(exactly: value) else { bad = (i, "\(value)"); return }
                    output[i] = exact
                default: preconditionFailure("DType.init admits no other dtype")
                }
            }
        }
        if let bad {
            throw DataSetError(.invalidValue, file: name, "element \(bad.index) is \(bad.value), not a whole number that fits in Int")
        }
        return output
    }
}
