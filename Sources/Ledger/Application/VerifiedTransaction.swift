import Dispatch
import Foundation

/// A transaction whose bytes decoded canonically, whose size is within the limit and whose
/// signature verified. Only `TransactionVerifier` makes these, so holding one is proof the
/// expensive Ed25519 check is done: a mempool keeps them, and a proposer's or a validator's
/// block processing need not verify them again.
public struct VerifiedTransaction: Hashable, Sendable {
    public let transaction: SignedTransaction

    fileprivate init(_ transaction: SignedTransaction) { self.transaction = transaction }

    public var hash: Hash256 { transaction.hash }
    public var bytes: [UInt8] { transaction.bytes }
}

/// Decodes and verifies transactions, spreading the Ed25519 work over every core.
public enum TransactionVerifier {
    /// Size check, canonical decoding and signature verification of one transaction.
    public static func verify(_ bytes: [UInt8], maxBytes: Int) throws(TransactionRejection) -> VerifiedTransaction {
        guard bytes.count <= maxBytes else { throw .oversized(size: bytes.count, limit: maxBytes) }
        let tx = try SignedTransaction(decoding: bytes)
        guard tx.hasValidSignature else { throw .badSignature(sender: tx.sender) }
        return VerifiedTransaction(tx)
    }

    /// Verifies a signed transaction already in memory (e.g. one this node just signed).
    public static func verify(_ tx: SignedTransaction, maxBytes: Int) throws(TransactionRejection) -> VerifiedTransaction {
        guard tx.bytes.count <= maxBytes else { throw .oversized(size: tx.bytes.count, limit: maxBytes) }
        guard tx.hasValidSignature else { throw .badSignature(sender: tx.sender) }
        return VerifiedTransaction(tx)
    }

    /// Verifies many transactions in parallel; results are in input order.
    public static func verifyAll(_ transactions: [[UInt8]], maxBytes: Int) -> [Result<VerifiedTransaction, TransactionRejection>] {
        parallelMap(transactions.count) { i in
            Result { () throws(TransactionRejection) -> VerifiedTransaction in try verify(transactions[i], maxBytes: maxBytes) }
        }
    }

    /// The active cores, read once: on Linux `activeProcessorCount` reads the cgroup's CPU
    /// quota files on every call, and `parallelMap` runs for every block.
    static let coreCount = ProcessInfo.processInfo.activeProcessorCount

    /// Maps `0..<count` in parallel across the cores (chunks of up to 32 items, at least four
    /// per core when there are few, claimed dynamically so a core that finishes early takes
    /// more), keeping results in order. A block of a few signatures (≈ 50 µs each) is split too.
    public static func parallelMap<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let chunk = max(1, min(32, count / (4 * coreCount)))
        let chunks = (count + chunk - 1) / chunk
        let results = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
        // Each chunk writes a disjoint range of `results`, so unsynchronised writes are safe.
        nonisolated(unsafe) let output = results
        if chunks == 1 {
            for i in 0..<count { (output.baseAddress! + i).initialize(to: transform(i)) }
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                    (output.baseAddress! + i).initialize(to: transform(i))
                }
            }
        }
        let array = Array(results)
        results.baseAddress!.deinitialize(count: count)
        results.deallocate()
        return array
    }
}
