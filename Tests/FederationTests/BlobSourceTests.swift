import Foundation
import Testing
@testable import ContentStore
@testable import Federation

struct BlobSourceTests {
    /// 600,000 bytes: three 256 KiB leaves under a dag-pb root.
    static let blob = (0..<600_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }

    static func stores() throws -> (home: URL, local: Blockstore, peer: Blockstore) {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("blob-source-\(UUID().uuidString)")
        return (home, try Blockstore(home: home.appendingPathComponent("local")),
                try Blockstore(home: home.appendingPathComponent("peer")))
    }

    @Test func aPeersBlobIsReturnedAndKeptOnlyWhenAsked() throws {
        let (home, local, peer) = try Self.stores()
        defer { try? FileManager.default.removeItem(at: home) }
        let cid = try peer.put(bytes: Self.blob).root
        #expect(try LocalFirstBlobSource(local: local, peers: [peer], keepsFetched: false).bytes(of: cid.description) == Self.blob)
        #expect(!local.has(cid))
        #expect(try LocalFirstBlobSource(local: local, peers: [peer]).bytes(of: cid.description) == Self.blob)
        #expect(local.has(cid))
        #expect(try local.pins() == [cid])
    }

    /// A peer that substitutes a leaf — sealed properly under its own key, so only the hash
    /// can tell — is caught while the file is read: the bytes are never handed back.
    @Test func aSubstitutedBlockAtAPeerIsRefused() throws {
        let (home, local, peer) = try Self.stores()
        defer { try? FileManager.default.removeItem(at: home) }
        let cid = try peer.put(bytes: Self.blob).root
        let leaf = try DAGPBNode(decoding: peer.block(cid)).links[1].cid
        var forged = try peer.block(leaf)
        forged[1000] ^= 0xFF
        let path = peer.path(of: leaf.multihash)
        try Data(BlockEnvelope.seal(forged, cid: leaf, key: peer.key)).write(to: URL(fileURLWithPath: path))
        for keeps in [false, true] {
            let source = LocalFirstBlobSource(local: local, peers: [peer], keepsFetched: keeps)
            #expect(throws: BlockstoreError.self) { try source.bytes(of: cid.description) }
        }
        #expect(!local.has(cid))
        #expect(try local.pins().isEmpty)
    }

    @Test func aBlobInNoStoreAndAMalformedCIDAreClearErrors() throws {
        let (home, local, peer) = try Self.stores()
        defer { try? FileManager.default.removeItem(at: home) }
        let source = LocalFirstBlobSource(local: local, peers: [peer])
        let absent = try local.put(bytes: [1, 2, 3]).root
        try local.unpin(absent)
        _ = try local.collectGarbage()
        #expect(throws: FederationError.self) { try source.bytes(of: absent.description) }
        #expect(throws: FederationError.self) { try source.bytes(of: "not-a-cid") }
    }
}
