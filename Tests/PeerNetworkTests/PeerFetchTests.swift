import ContentStore
import Foundation
import Testing
@testable import Ledger
@testable import PeerNetwork

/// Blocks move between nodes by CID and are checked against it on arrival.
struct PeerFetchTests {
    static let blob = Array("a model update, quantised and clipped".utf8) + (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    static let cid = CID(v1: .raw, multihash: .sha2_256(blob)).description

    @Test func fetchReturnsTheBlobWhoseHashMatchesTheCID() async throws {
        try await TestNode.withMesh(TestPeers.keys(2)) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            b.network.contentProvider = { $0 == Self.cid ? Self.blob : nil }
            #expect(await TestPeers.eventually { nodes.fullyConnected() })
            let fetched = try await a.network.fetch(cid: Self.cid, from: b.publicKey)
            #expect(fetched == Self.blob)
            // The other direction, and a CIDv0 of a dag-pb block is checked the same way.
            a.network.contentProvider = { _ in Self.blob }
            let v0 = CID(v0: .sha2_256(Self.blob)).description
            #expect(try await b.network.fetch(cid: v0, from: a.publicKey) == Self.blob)
            #expect(b.network.statistics.contentRequestsServed == 1)
        }
    }

    @Test func aProviderReturningOtherBytesIsRefusedCountedAndLogged() async throws {
        try await TestNode.withMesh(TestPeers.keys(2)) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            b.network.contentProvider = { _ in Self.blob.dropLast() + [0] }
            #expect(await TestPeers.eventually { nodes.fullyConnected() })
            await #expect {
                _ = try await a.network.fetch(cid: Self.cid, from: b.publicKey)
            } throws: { error in
                if case PeerNetworkError.contentMismatch(Self.cid, b.publicKey) = error { true } else { false }
            }
            #expect(a.network.statistics.refusals(.contentMismatch) == 1)
            #expect(!a.log.refusals(.contentMismatch).isEmpty)
            // The link stays up.
            #expect(a.network.connectedPeers == [b.publicKey])
        }
    }

    @Test func missingBlobsUnknownPeersAndBadCIDsFailWithClearErrors() async throws {
        try await TestNode.withMesh(TestPeers.keys(2)) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            #expect(await TestPeers.eventually { nodes.fullyConnected() })
            await #expect {
                _ = try await a.network.fetch(cid: Self.cid, from: b.publicKey)  // no provider at all
            } throws: { error in
                if case PeerNetworkError.contentNotFound = error { true } else { false }
            }
            await #expect {
                _ = try await a.network.fetch(cid: Self.cid, from: TestPeers.key(50).publicKey)
            } throws: { error in
                if case PeerNetworkError.notConnected = error { true } else { false }
            }
            await #expect {
                _ = try await a.network.fetch(cid: "not-a-cid", from: b.publicKey)
            } throws: { error in
                if case PeerNetworkError.invalidCID = error { true } else { false }
            }
        }
    }

    @Test func peerBlockFetcherFillsABlockstoreFromAPeer() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medchain-network-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestNode.withMesh(TestPeers.keys(2)) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            b.network.contentProvider = { $0 == Self.cid ? Self.blob : nil }
            #expect(await TestPeers.eventually { nodes.fullyConnected() })
            let store = try Blockstore(home: directory)
            let cid = try CID(parsing: Self.cid)
            let fetcher = PeerBlockFetcher(network: a.network, peers: [TestPeers.key(60).publicKey, b.publicKey])
            #expect(try await store.block(cid, fetchingFrom: fetcher) == Self.blob)
            #expect(store.has(cid))
        }
    }
}
