import Foundation

/// Reading and writing the safetensors format (Hugging Face): an 8-byte little-endian header
/// length, a JSON header mapping tensor names to `{dtype, shape, data_offsets}` plus an optional
/// `__metadata__` string map, then the raw little-endian tensor bytes.
///
/// MedChain writes only `F32`. The header is written with a fixed key order (metadata first,
/// then tensors in the order given) and padded with spaces to a multiple of 8 bytes, so saving
/// the same tensors always produces the same bytes.
public enum Safetensors {
    /// One named tensor.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// Serialises tensors and metadata.
    public static func encode(_ entries: [Entry], metadata: [String: String] = [:]) -> Data {
        let header = header(entries.map { ($0.name, $0.shape, $0.values.count) }, metadata: metadata)
        var data = Data(capacity: header.count + entries.reduce(0) { $0 + 4 * $1.values.count })
        data.append(contentsOf: header)
        for e in entries {
            e.values.withUnsafeBufferPointer { buffer in
                if Int(1).littleEndian == 1 {
                    data.append(UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!)
                        .assumingMemoryBound(to: UInt8.self), count: buffer.count * 4))
                } else {
                    for v in buffer { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                }
            }
        }
        return data
    }

    /// The same bytes as `encode(_:metadata:)` for tensors stored back to back in `values`
    /// (each of `tensors` takes the next `shape`-many values), written in one pass without
    /// splitting `values` into per-tensor arrays: validators encode a model every round.
    public static func encode(tensors: [(name: String, shape: [Int])], values: [Float],
                              metadata: [String: String] = [:]) -> [UInt8] {
        let header = header(tensors: tensors, metadata: metadata)
        precondition(tensors.reduce(0) { $0 + $1.shape.reduce(1, *) } == values.count, "tensor shapes do not cover the values")
        let total = header.count + 4 * values.count
        return [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            _ = out.initialize(from: header)
            values.withUnsafeBufferPointer { buffer in
                if Int(1).littleEndian == 1 {
                    UnsafeMutableRawPointer(out.baseAddress! + header.count)
                        .copyMemory(from: buffer.baseAddress!, byteCount: 4 * buffer.count)
                } else {
                    for (k, v) in buffer.enumerated() {
                        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes in
                            for b in 0..<4 { out[header.count + 4 * k + b] = bytes[b] }
                        }
                    }
                }
            }
            initialized = total
        }
    }

    /// The bytes `encode(tensors:values:metadata:)` writes before the values.
    public static func header(tensors: [(name: String, shape: [Int])], metadata: [String: String] = [:]) -> [UInt8] {
        header(tensors.map { ($0.name, $0.shape, $0.shape.reduce(1, *)) }, metadata: metadata)
    }

    /// The 8-byte length and the JSON header (metadata first, then the tensors in order),
    /// padded with spaces to a multiple of 8 bytes.
    private static func header(_ tensors: [(name: String, shape: [Int], count: Int)], metadata: [String: String]) -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for t in tensors {
            let bytes = t.count * 4
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(t.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var json = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json
    }

    /// Parses a safetensors file, checking every structural rule: header length within the
    /// file, valid JSON, known dtype, offsets contiguous, in bounds and matching the shapes.
    ///
    /// - Parameter file: the name used in error messages.
    /// - Returns: the tensors in data order, and the metadata.
    public static func decode(_ data: Data, file: String) throws -> (entries: [Entry], metadata: [String: String]) {
        func fail(_ reason: String) -> ModelError { .malformedFile(file: file, reason: reason) }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8), headerLength <= 100_000_000 else {
            throw fail("header length \(headerLength) exceeds the file size (\(data.count) bytes): truncated file?")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let object = try? JSONSerialization.jsonObject(with: headerData), let header = object as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        let body = 8 + Int(headerLength)
        let bodyLength = data.count - body
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let map = raw as? [String: Any] else { throw fail("__metadata__ is not an object") }
            for (k, v) in map {
                guard let s = v as? String else { throw fail("__metadata__ value for '\(k)' is not a string") }
                metadata[k] = s
            }
        }
        var spans: [(name: String, shape: [Int], start: Int, end: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any] else { throw fail("tensor '\(name)' has no description object") }
            guard let dtype = info["dtype"] as? String else { throw fail("tensor '\(name)' has no dtype") }
            guard dtype == "F32" else { throw fail("tensor '\(name)' has dtype \(dtype); MedChain models are F32") }
            guard let shapeAny = info["shape"] as? [Any], let offsetsAny = info["data_offsets"] as? [Any],
                  offsetsAny.count == 2 else { throw fail("tensor '\(name)' lacks shape or data_offsets") }
            let shape = try shapeAny.map { v -> Int in
                guard let n = (v as? NSNumber)?.intValue, n >= 0 else { throw fail("tensor '\(name)' has a bad shape") }
                return n
            }
            let offsets = try offsetsAny.map { v -> Int in
                guard let n = (v as? NSNumber)?.intValue, n >= 0 else { throw fail("tensor '\(name)' has bad data_offsets") }
                return n
            }
            guard offsets[0] <= offsets[1], offsets[1] <= bodyLength else {
                throw fail("tensor '\(name)' data_offsets \(offsets) exceed the \(bodyLength) data bytes: truncated file?")
            }
            guard offsets[1] - offsets[0] == shape.reduce(1, *) * 4 else {
                throw fail("tensor '\(name)' has \(offsets[1] - offsets[0]) bytes but shape \(shape) needs \(shape.reduce(1, *) * 4)")
            }
            spans.append((name, shape, offsets[0], offsets[1]))
        }
        spans.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        var expected = 0
        for s in spans {
            guard s.start == expected else { throw fail("tensor data is not contiguous at '\(s.name)' (overlap or gap)") }
            expected = s.end
        }
        guard expected == bodyLength else { throw fail("\(bodyLength - expected) unexplained bytes after the last tensor") }
        let entries = data.withUnsafeBytes { raw -> [Entry] in
            spans.map { s in
                let count = (s.end - s.start) / 4
                var values = [Float](repeating: 0, count: count)
                values.withUnsafeMutableBytes { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(body + s.start)..<(body + s.end)]))
                }
                if Int(1).littleEndian != 1 { values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) } }
                return Entry(name: s.name, shape: s.shape, values: values)
            }
        }
        return (entries, metadata)
    }

    /// A JSON string literal with the escapes RFC 8259 requires.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
