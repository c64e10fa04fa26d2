import Ledger
import NIOCore

/// The first frame each way: `u8 version ‖ u16 n ‖ chain ID (n UTF-8 bytes) ‖ 32-byte public
/// key ‖ u16 m ‖ node name (m UTF-8 bytes)`. The key must be the one the TLS certificate
/// proved; the chain ID must be this node's; the version must be one this node speaks.
struct Hello: Equatable, Sendable {
    static let currentVersion: UInt8 = 1

    var version: UInt8 = Hello.currentVersion
    var chainID: String
    var publicKey: PublicKey
    var name: String

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = [version]
        Self.appendString(chainID, to: &bytes)
        bytes += publicKey.bytes
        Self.appendString(name, to: &bytes)
        return bytes
    }

    private static func appendString(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8.prefix(Int(UInt16.max)))
        bytes.append(UInt8(utf8.count >> 8))
        bytes.append(UInt8(utf8.count & 0xff))
        bytes += utf8
    }

    /// Parses a hello payload; nil when it is malformed (wrong lengths, trailing bytes).
    init?(payload: ByteBuffer) {
        var buffer = payload
        guard let version = buffer.readInteger(as: UInt8.self),
              let chainLength = buffer.readInteger(as: UInt16.self),
              let chainID = buffer.readString(length: Int(chainLength)),
              let keyBytes = buffer.readBytes(length: 32), let key = PublicKey(bytes: keyBytes),
              let nameLength = buffer.readInteger(as: UInt16.self),
              let name = buffer.readString(length: Int(nameLength)),
              buffer.readableBytes == 0 else { return nil }
        self.init(version: version, chainID: chainID, publicKey: key, name: name)
    }

    init(version: UInt8 = Hello.currentVersion, chainID: String, publicKey: PublicKey, name: String) {
        self.version = version
        self.chainID = chainID
        self.publicKey = publicKey
        self.name = name
    }
}
