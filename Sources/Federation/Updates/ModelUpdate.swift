import Foundation
import Tensor

/// What a hospital contributes in one round: its quantised model delta, dense or sparse.
///
/// The blob format (what goes into the content store and is referenced by CID on the ledger) is
/// little-endian and self-describing, so any validator can parse and re-check it:
///
/// ```
/// "MCUP" magic, u8 version = 1, u8 encoding (0 dense, 1 sparse)
/// u32 bits, f32 range, u64 parameter count, u64 entry count
/// dense:  entry count × value (entry count = parameter count)
/// sparse: entry count × u32 strictly increasing indices, then entry count × value
/// ```
///
/// Each value is a two's-complement integer in `⌈bits / 8⌉` bytes (2 for the default 16-bit
/// codec), so an update of the reference CNN is 412 KB: two IPFS chunks instead of four.
public struct ModelUpdate: Sendable, Equatable {
    public var codec: FixedPointCodec
    /// The length of the full parameter vector.
    public var parameterCount: Int
    /// Coordinates sent, increasing; `nil` for a dense update (all coordinates).
    public var indices: [UInt32]?
    /// Quantised values, one per sent coordinate.
    public var values: [Int32]

    public init(codec: FixedPointCodec, parameterCount: Int, indices: [UInt32]? = nil, values: [Int32]) {
        precondition(indices == nil ? values.count == parameterCount : indices!.count == values.count)
        self.codec = codec
        self.parameterCount = parameterCount
        self.indices = indices
        self.values = values
    }

    public var isSparse: Bool { indices != nil }

    /// The dense integer vector (unsent coordinates are 0).
    public func denseValues() -> [Int32] {
        guard let indices else { return values }
        var dense = [Int32](repeating: 0, count: parameterCount)
        for (i, v) in zip(indices, values) { dense[Int(i)] = v }
        return dense
    }

    /// L2 norm of the decoded update.
    public var norm: Double {
        let step = codec.step
        return (values.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot() * step
    }

    // MARK: Blob encoding

    static let magic: [UInt8] = Array("MCUP".utf8)

    public func encoded() -> Data {
        var out = Data()
        out.append(contentsOf: Self.magic)
        out.append(1)
        out.append(isSparse ? 1 : 0)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt32(codec.bits))
        put(codec.range.bitPattern)
        put(UInt64(parameterCount))
        put(UInt64(values.count))
        if let indices { for i in indices { put(i) } }
        let width = Self.valueWidth(bits: codec.bits)
        let packed = [UInt8](unsafeUninitializedCapacity: values.count * width) { buffer, initialized in
            values.withUnsafeBufferPointer { source in
                for k in source.indices {
                    let u = UInt32(bitPattern: source[k])
                    for b in 0..<width { buffer[k * width + b] = UInt8(truncatingIfNeeded: u >> (8 * b)) }
                }
            }
            initialized = values.count * width
        }
        out.append(contentsOf: packed)
        return out
    }

    /// Bytes per stored value.
    static func valueWidth(bits: Int) -> Int { (bits + 7) / 8 }

    /// Parses a blob, rejecting anything malformed with a reason.
    public init(decoding data: Data) throws(UpdateFormatError) {
        try self.init(decoding: [UInt8](data))
    }

    /// Parses a blob as fetched from a store, without copying it first.
    public init(decoding bytes: [UInt8]) throws(UpdateFormatError) {
        var at = 0
        func take(_ n: Int) throws(UpdateFormatError) -> ArraySlice<UInt8> {
            guard at + n <= bytes.count else { throw UpdateFormatError("update blob is truncated at byte \(at)") }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        func read<T: FixedWidthInteger>(_: T.Type) throws(UpdateFormatError) -> T {
            let slice = try take(MemoryLayout<T>.size)
            var v = T.zero
            for (k, b) in slice.enumerated() { v |= T(b) << (8 * k) }
            return v
        }
        guard Array(try take(4)) == Self.magic else { throw UpdateFormatError("not a MedChain update blob (bad magic)") }
        guard try read(UInt8.self) == 1 else { throw UpdateFormatError("unsupported update blob version") }
        let encoding = try read(UInt8.self)
        guard encoding <= 1 else { throw UpdateFormatError("unknown update encoding \(encoding)") }
        let bits = Int(try read(UInt32.self))
        let range = Float(bitPattern: try read(UInt32.self))
        guard (2...31).contains(bits), range > 0, range.isFinite else { throw UpdateFormatError("bad fixed-point parameters") }
        let parameterCount = try read(UInt64.self), count = try read(UInt64.self)
        guard parameterCount <= 1 << 32, count <= parameterCount else { throw UpdateFormatError("bad sizes") }
        let width = Self.valueWidth(bits: bits)
        let expected = Int(count) * ((encoding == 1 ? 4 : 0) + width)
        guard bytes.count - at == expected else {
            throw UpdateFormatError("update blob has \(bytes.count - at) payload bytes, expected \(expected)")
        }
        var indices: [UInt32]?
        if encoding == 1 {
            var list = [UInt32]()
            list.reserveCapacity(Int(count))
            for _ in 0..<count {
                let i = try read(UInt32.self)
                guard UInt64(i) < parameterCount, list.last.map({ $0 < i }) ?? true else {
                    throw UpdateFormatError("sparse indices must be increasing and below the parameter count")
                }
                list.append(i)
            }
            indices = list
        } else if count != parameterCount {
            throw UpdateFormatError("dense update has \(count) values for \(parameterCount) parameters")
        }
        let codec = FixedPointCodec(bits: bits, range: range)
        // Little-endian two's complement in `width` bytes, sign-extended. The common widths
        // (2 and 4 bytes) load whole integers instead of assembling them byte by byte.
        let shift = UInt32(32 - 8 * width)
        let limit = codec.maxLevel
        var outOfRange: Int32?
        let n = Int(count)
        let values = [Int32](unsafeUninitializedCapacity: n) { out, initialized in
            bytes.withUnsafeBytes { raw in
                let src = raw.baseAddress! + at
                var low = Int32.max, high = Int32.min
                switch width {
                case 2:
                    if n > 0 { (low, high) = FixedPointKernels.widen16(src, into: out.baseAddress!, count: n) }
                case 4:
                    for k in 0..<n {
                        let v = Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * k, as: Int32.self))
                        out[k] = v
                        low = min(low, v)
                        high = max(high, v)
                    }
                default:
                    let bytes = src.assumingMemoryBound(to: UInt8.self)
                    for k in 0..<n {
                        var u: UInt32 = 0
                        for b in 0..<width { u |= UInt32(bytes[k * width + b]) << UInt32(8 * b) }
                        let v = Int32(bitPattern: u << shift) >> Int32(shift)
                        out[k] = v
                        low = min(low, v)
                        high = max(high, v)
                    }
                }
                if high > limit { outOfRange = high } else if n > 0, low < -limit { outOfRange = low }
            }
            initialized = n
        }
        if let bad = outOfRange {
            throw UpdateFormatError("value \(bad) outside the \(bits)-bit range")
        }
        self.init(codec: codec, parameterCount: Int(parameterCount), indices: indices, values: values)
    }
}

/// A malformed update blob.
public struct UpdateFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
