import Testing
@testable import Ledger

/// Golden bytes for the canonical encoding. The expected hex was produced independently of
/// this code, by packing the fields with Python's `struct` as docs/ledger.md specifies and
/// signing with OpenSSL (Python `cryptography` 48.0.0); the script is reproduced in
/// docs/ledger.md ("Golden vectors").
struct CanonicalEncodingTests {
    static let goldenTransaction = """
        010000000a746573742d636861696e8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394\
        000000000000000504010000006a1111111111111111111111111111111111111111111111111111111111111111\
        000000020000000a6261667975706461746500000000000001f43fe8000000000000000000020000000861636375\
        726163793fe999999999999a000000046c6f73733fd999999999999a43b3feb281dbaf7dfe5da542425316a830e8\
        970101bc07250e7ce039529e1fdc52b1289b951960ce17cf12428d0038fd19304da9a4dbae1dacd4a68c9f991502
        """
    static let goldenTransactionHash = "85716574f838a3e4963883725f17c0e654c72e07bb946bdd53e6bc27d9e527d9"

    static func goldenSubmitUpdate() -> Transaction {
        Transaction(chainID: "test-chain", sender: TestChain.key(2).publicKey, nonce: 5, payload: .submitUpdate(SubmitUpdate(
            task: Hash256(bytes: [UInt8](repeating: 0x11, count: 32))!, round: 2, updateCID: "bafyupdate", sampleCount: 500,
            norm: 0.75, metrics: NamedValues(["loss": 0.4, "accuracy": 0.8])!)))
    }

    @Test func aSignedSubmitUpdateHasTheGoldenBytesAndHash() {
        let signed = Self.goldenSubmitUpdate().signed(by: TestChain.key(2))
        #expect(signed.bytes.hexString == Self.goldenTransaction)
        #expect(signed.hash.hex == Self.goldenTransactionHash)
        #expect(signed.hasValidSignature)
    }

    @Test func theGoldenBytesDecodeToTheSameTransaction() throws {
        let decoded = try SignedTransaction(decoding: [UInt8](hex: Self.goldenTransaction)!)
        #expect(decoded.transaction == Self.goldenSubmitUpdate())
        #expect(decoded.hash.hex == Self.goldenTransactionHash)
        #expect(decoded.hasValidSignature)
    }

    @Test func aHeaderHasTheGoldenBytesAndID() throws {
        let header = BlockHeader(
            chainID: "test-chain", height: 1, previousID: Hash256(bytes: [UInt8](repeating: 0x22, count: 32))!,
            timestamp: 1_767_225_601_000, proposer: TestChain.key(1).publicKey,
            txRoot: Hash256(bytes: [UInt8](repeating: 0x33, count: 32))!, txCount: 3,
            typeCounts: [.submitUpdate: 1, .registerDataset: 2, .evidence: 0],
            stateRoot: Hash256(bytes: [UInt8](repeating: 0x44, count: 32))!,
            validatorsHash: Hash256(bytes: [UInt8](repeating: 0x55, count: 32))!, options: BlockOptions(), blacklist: [])
        #expect(header.canonicalBytes.hexString == """
            010000000a746573742d636861696e000000000000000122222222222222222222222222222222222222222222222222222222222222220000\
            019b76daabe88a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c333333333333333333333333333333333333\
            3333333333333333333333333333000000030000000202010000000204010000000144444444444444444444444444444444444444444444\
            444444444444444444445555555555555555555555555555555555555555555555555555555555555555020000000100000000
            """)
        #expect(header.id.hex == "af39ece92dbb2cc8d49b8fbb9c43b7ccf402ca5b9e02c9b2204622fcfb2d5cfd")
        let vote = CommitCertificate.vote(by: TestChain.key(1), chainID: "test-chain", height: 1, round: 0, blockID: header.id)
        #expect(vote.signature.hex == "95e6183261d08f3a22a2d6c9c0386e1de329ea022c252a75351ef05c11982fb7fc8df367e32159d7ed29a80e58a3911de837f40b8fad7f8d45a299c951f2cb0e")
        #expect(try BlockHeader(canonicalBytes: header.canonicalBytes, context: "header") == header)
    }

    @Test func everyPayloadTypeRoundTripsThroughItsBytes() throws {
        let chain = TestChain()
        let task = Hash256.sha256([1, 2, 3])
        let payloads: [TransactionPayload] = [
            .registerMember(RegisterMember(member: chain.outsider.publicKey, name: "clinic", roles: [.trainer, .auditor])),
            TestChain.dataset("bafydata"),
            TestChain.task(datasets: ["bafydata", "bafyother"]),
            TestChain.update(task: task, round: 1, cid: "bafyupdate"),
            TestChain.aggregate(task: task, round: 1, updates: [task, Hash256.sha256([4])], spend: [("bafydata", 0.25)]),
            .reputationChange(ReputationChange(member: chain.hospitalA.publicKey, delta: -7, reason: "late")),
            .evidence(Evidence(offender: chain.validator.publicKey, kind: .invalidAggregate, height: 4, blockID: task,
                               detail: "model CID did not recompute", proof: [1, 2, 3])),
            .closeTask(CloseTask(task: task, round: 2, reason: .budgetExhausted, detail: "ε budget spent")),
        ]
        for (i, payload) in payloads.enumerated() {
            let tx = chain.sign(chain.validator, nonce: UInt64(i), payload)
            let decoded = try SignedTransaction(decoding: tx.bytes)
            #expect(decoded == tx)
            #expect(decoded.kind == payload.kind)
        }
    }

    @Test func nonCanonicalBytesAreRejected() throws {
        let good = [UInt8](hex: Self.goldenTransaction)!
        // Trailing byte.
        #expect(throws: TransactionRejection.self) { try SignedTransaction(decoding: good + [0]) }
        // Truncated.
        #expect(throws: TransactionRejection.self) { try SignedTransaction(decoding: Array(good.dropLast())) }
        // Unknown type tag 0x0499 (a future SubmitUpdate version).
        var unknown = good
        let tagOffset = 1 + 4 + 10 + 32 + 8
        unknown[tagOffset + 1] = 0x99
        #expect(throws: TransactionRejection.unknownType(0x0499)) { try SignedTransaction(decoding: unknown) }
        // Metric names out of order ("loss" before "accuracy") are not canonical.
        var writer = CanonicalWriter()
        writer.write(UInt32(2)); writer.write("loss"); writer.write(0.4); writer.write("accuracy"); writer.write(0.8)
        #expect(throws: EncodingError.self) { try NamedValues(canonicalBytes: writer.bytes, context: "metrics") }
        // Negative zero and NaN have no canonical encoding.
        var negativeZero = CanonicalWriter()
        negativeZero.write(UInt64(0x8000_0000_0000_0000))
        var reader = CanonicalReader(bytes: negativeZero.bytes, context: "double")
        #expect(throws: EncodingError.self) { try reader.readDouble() }
        // A boolean other than 0/1.
        var badBool = CanonicalReader(bytes: [2], context: "bool")
        #expect(throws: EncodingError.self) { try badBool.readBool() }
    }
}

struct CanonicalJSONColumnTests {
    @Test func theStoresJSONColumnsParseBackExactly() throws {
        let values = NamedValues(["loss": 0.1 + 0.2, "accuracy": 1e-5, "q\"uote\\d": -3, "ü": 12345678.5, "\u{1}": 0])!
        let text = StoreValues.jsonText(values)
        #expect(text == #"{"\u0001":0.0,"accuracy":1e-05,"loss":0.30000000000000004,"q\"uote\\d":-3.0,"ü":12345678.5}"#)
        #expect(CanonicalJSON.namedValues(text) == values)
        #expect(CanonicalJSON.namedValues("{}") == NamedValues())
        #expect(CanonicalJSON.integers("[1,22,333]") == [1, 22, 333])
        #expect(CanonicalJSON.integers("[]") == [])
    }

    @Test("Other spellings of the same values are refused", arguments: [
        #"{"accuracy": 0.8}"#, #"{"accuracy":0.8,}"#, #"{"a":1.0,"a":2.0}"#, #"{"a":nan}"#, #"{"a":1.0} "#, "[1, 2]", "[1,,2]", "[-1]",
        #"{"a":0.80}"#, #"{"a":8e-1}"#, #"{"a":1}"#, #"{"b":1.0,"a":2.0}"#, #"{"a":-0.0}"#, "[01]", "[+1]",
    ])
    func nonCanonicalJSONIsRefused(_ text: String) {
        #expect(CanonicalJSON.namedValues(text) == nil && CanonicalJSON.integers(text) == nil)
    }
}
