import Crypto
import Foundation

/// The on-disk form of one block: a header naming the block and the key, then the block
/// encrypted with AES-256-GCM.
///
/// ```text
/// offset  size  field
///      0     4  magic "MCB1"
///      4     8  key id (StoreKey.id)
///     12     8  plaintext length, little-endian
///     20    12  nonce (random per write)
///     32     1  CID length L
///     33     L  CID bytes (as first stored)
///   33+L     n  ciphertext (n = plaintext length)
/// 33+L+n    16  GCM tag
/// ```
///
/// The whole header is the GCM additional data, so the CID is bound to the ciphertext: a
/// block file copied under another block's name is caught by the name check, and one whose
/// header is rewritten to match is caught by GCM. The CID keeps hashing the *plaintext*, so it
/// is the CID IPFS gives the same bytes. Each check that can fail has its own error, in the
/// order below, so a wrong key is not reported as tampering and truncation is not reported as
/// a bad tag.
enum BlockEnvelope {
    static let magic: [UInt8] = Array("MCB1".utf8)
    static let fixedHeaderLength = 33
    static let tagLength = 16

    static func seal(_ block: [UInt8], cid: CID, key: StoreKey) throws -> [UInt8] {
        let cidBytes = cid.bytes
        precondition(cidBytes.count <= 255)
        var header = magic + key.id
        withUnsafeBytes(of: UInt64(block.count).littleEndian) { header += $0 }
        let nonce = AES.GCM.Nonce()
        header += Array(nonce)
        header.append(UInt8(cidBytes.count))
        header += cidBytes
        let sealed = try AES.GCM.seal(block, using: key.key, nonce: nonce, authenticating: header)
        var file = header
        file.reserveCapacity(header.count + block.count + tagLength)
        file += sealed.ciphertext
        file += sealed.tag
        return file
    }

    /// The CID recorded in a block file's header, if the header is readable (not checked:
    /// for naming a block in reports before it is opened).
    static func recordedCID(_ file: [UInt8]) -> CID? {
        guard file.count >= fixedHeaderLength, Array(file[0..<4]) == magic else { return nil }
        let end = fixedHeaderLength + Int(file[32])
        guard file.count >= end else { return nil }
        return try? CID(bytes: Array(file[fixedHeaderLength..<end]))
    }

    /// Checks and decrypts a block file read from `path`, which should hold `expected`.
    ///
    /// - Returns: the plaintext block and the CID recorded when it was stored.
    static func open(
        _ file: [UInt8], expected: CID, key: StoreKey, path: String
    ) throws(BlockstoreError) -> (block: [UInt8], storedCID: CID) {
        guard file.count >= magic.count else {
            throw .truncated(expected, path: path, expectedBytes: fixedHeaderLength, actualBytes: file.count)
        }
        guard Array(file[0..<4]) == magic else { throw .notABlockFile(path: path) }
        guard file.count >= fixedHeaderLength else {
            throw .truncated(expected, path: path, expectedBytes: fixedHeaderLength, actualBytes: file.count)
        }
        let cidLength = Int(file[32])
        let headerLength = fixedHeaderLength + cidLength
        guard file.count >= headerLength else {
            throw .truncated(expected, path: path, expectedBytes: headerLength, actualBytes: file.count)
        }
        let storedCID: CID
        do {
            storedCID = try CID(bytes: Array(file[fixedHeaderLength..<headerLength]))
        } catch {
            throw .corrupt(expected, path: path, reason: "header CID unreadable (\(error))")
        }
        guard storedCID.multihash == expected.multihash else {
            throw .misplaced(expected, path: path, holds: storedCID)
        }
        guard Array(file[4..<12]) == key.id else { throw .wrongKey(expected, path: path) }
        let plaintextLength = file[12..<20].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let total = UInt64(headerLength) + plaintextLength + UInt64(tagLength)
        guard UInt64(file.count) >= total else {
            throw .truncated(expected, path: path, expectedBytes: Int(clamping: total), actualBytes: file.count)
        }
        guard UInt64(file.count) == total else {
            throw .corrupt(expected, path: path, reason: "\(UInt64(file.count) - total) bytes after the GCM tag")
        }
        let block: [UInt8]
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: file[20..<32]),
                ciphertext: file[headerLength..<file.count - tagLength],
                tag: file[(file.count - tagLength)...])
            block = Array(try AES.GCM.open(box, using: key.key, authenticating: file[0..<headerLength]))
        } catch {
            throw .tampered(expected, path: path)
        }
        do {
            guard try expected.multihash.matches(block) else { throw BlockstoreError.hashMismatch(expected, path: path) }
        } catch let error as BlockstoreError {
            throw error
        } catch {
            throw .unsupportedHash(expected)
        }
        return (block, storedCID)
    }
}
