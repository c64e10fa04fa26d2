import Foundation

/// Reads and writes a node key: `keys/identity.ed25519`, the seed as 64 hex digits and a
/// newline, file mode 0600.
public enum KeyFile {
    /// Creates the key file with mode 0600 from the start (never world-readable, even briefly).
    public static func write(_ key: SigningKey, to url: URL) throws(IdentityError) {
        let path = url.path
        if FileManager.default.fileExists(atPath: path) { throw .keyFileExists(path: path) }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unreadableKeyFile(path: path, reason: "cannot create its directory: \(error.localizedDescription)")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .unreadableKeyFile(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let text = Array((key.seed.hexString + "\n").utf8)
        let written = text.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == text.count else {
            throw .unreadableKeyFile(path: path, reason: "short write")
        }
    }

    /// Loads a key, refusing files that group or others can read.
    public static func read(from url: URL) throws(IdentityError) -> SigningKey {
        let path = url.path
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw .unreadableKeyFile(path: path, reason: "it does not exist (run `medchain init`)")
        }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw .keyFileTooOpen(path: path, mode: String(mode, radix: 8))
        }
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            throw .unreadableKeyFile(path: path, reason: "not UTF-8 text")
        }
        guard let seed = [UInt8](hex: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw .unreadableKeyFile(path: path, reason: "expected 64 hex digits")
        }
        return try SigningKey(seed: seed)
    }
}
