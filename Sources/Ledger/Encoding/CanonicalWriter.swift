import Foundation

/// Appends values in MedChain's canonical binary encoding (see docs/ledger.md, "Canonical encoding").
///
/// Every value has exactly one encoding, so the same transaction or header always has the same
/// bytes and therefore the same hash on every node:
/// - unsigned and signed integers: fixed width, big-endian (two's complement for signed);
/// - `Bool`: one byte, 0 or 1;
/// - `Double`: the 8-byte big-endian IEEE-754 bit pattern; NaN, ±∞ and −0 are not encodable;
/// - byte strings and UTF-8 strings: a `UInt32` length, then the bytes;
/// - fixed-size values (hashes, keys, signatures): their bytes, no length;
/// - arrays: a `UInt32` count, then the elements; maps: the same, sorted by key bytes.
public struct CanonicalWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var data: Data { Data(bytes) }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func write(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    public mutating func write(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    public mutating func write(_ value: Int64) { write(UInt64(bitPattern: value)) }

    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Writes the IEEE-754 bits. Callers validate finiteness first (`CanonicalReader` rejects
    /// NaN, infinities and negative zero, so a writer producing them would make undecodable bytes).
    public mutating func write(_ value: Double) {
        precondition(value.isFinite, "canonical encoding has no NaN or infinity")
        write(value == 0 ? 0 : value.bitPattern)
    }

    /// Length-prefixed bytes.
    public mutating func write<C: Collection>(lengthPrefixed value: C) where C.Element == UInt8 {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// Fixed-size bytes (the reader knows the length from the type).
    public mutating func write<C: Collection>(raw value: C) where C.Element == UInt8 {
        bytes.append(contentsOf: value)
    }

    public mutating func write(_ value: String) { write(lengthPrefixed: Array(value.utf8)) }

    public mutating func write<T: CanonicalEncodable>(_ value: T) { value.encode(to: &self) }

    public mutating func write<T: CanonicalEncodable>(_ values: [T]) {
        write(UInt32(values.count))
        for value in values { value.encode(to: &self) }
    }

    public mutating func write<T: CanonicalEncodable>(_ value: T?) {
        if let value {
            write(UInt8(1))
            value.encode(to: &self)
        } else {
            write(UInt8(0))
        }
    }

    public mutating func write(_ values: [String]) {
        write(UInt32(values.count))
        for value in values { write(value) }
    }

    public mutating func write(_ values: [UInt64]) {
        write(UInt32(values.count))
        for value in values { write(value) }
    }
}
