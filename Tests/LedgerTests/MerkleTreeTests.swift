import Testing
@testable import Ledger

/// RFC 6962 Merkle trees against the Certificate Transparency reference vectors
/// (transparency-dev/merkle testonly constants: leaves, roots for sizes 0...8, and audit paths).
struct MerkleTreeTests {
    static let leaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                    "606162636465666768696a6b6c6d6e6f"].map { [UInt8](hex: $0)! }
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    @Test("Roots match the RFC 6962 reference for every size 0...8", arguments: 0...8)
    func rootMatchesReference(size: Int) {
        #expect(MerkleTree(leaves: Array(Self.leaves.prefix(size))).root.hex == Self.roots[size])
    }

    @Test func auditPathsMatchTheReference() {
        let tree = MerkleTree(leaves: Self.leaves)
        #expect(tree.proof(forLeafAt: 0).path.map(\.hex) == [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ])
        #expect(tree.proof(forLeafAt: 5).path.map(\.hex) == [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ])
    }

    @Test("Every leaf's proof verifies in every tree size up to 33, and fails for any flipped bit")
    func proofsVerifyAndFailWhenFlipped() {
        let all = (0..<33).map { [UInt8($0), UInt8($0 &* 7)] }
        for size in 1...all.count {
            let tree = MerkleTree(leaves: Array(all.prefix(size)))
            for index in 0..<size {
                let proof = tree.proof(forLeafAt: index)
                let leaf = MerkleTree.leafHash(all[index])
                #expect(proof.verifies(leafHash: leaf, root: tree.root))
                // A flipped bit in the leaf, in each path element, or in the root: all fail.
                var badLeaf = leaf.bytes
                badLeaf[31] ^= 1
                #expect(!proof.verifies(leafHash: Hash256(bytes: badLeaf)!, root: tree.root))
                for i in proof.path.indices {
                    var bad = proof
                    var bytes = bad.path[i].bytes
                    bytes[i % 32] ^= 0x80
                    bad.path[i] = Hash256(bytes: bytes)!
                    #expect(!bad.verifies(leafHash: leaf, root: tree.root))
                }
                var badRoot = tree.root.bytes
                badRoot[0] ^= 4
                #expect(!proof.verifies(leafHash: leaf, root: Hash256(bytes: badRoot)!))
                if size > 1 {
                    var moved = proof
                    moved.leafIndex = UInt64((index + 1) % size)
                    #expect(!moved.verifies(leafHash: leaf, root: tree.root))
                }
            }
        }
    }
}
