import Ledger

/// Blocks and committed blocks on the consensus wire: `header ‖ u32 n ‖ n × bytes tx`, and a
/// committed block adds `‖ certificate`.
extension Block: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        header.encode(to: &writer)
        writer.write(UInt32(transactions.count))
        for tx in transactions { writer.write(lengthPrefixed: tx) }
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        let header = try BlockHeader(from: &reader)
        let count = try reader.readCount("transactions", minimumElementSize: 4)
        var transactions: [[UInt8]] = []
        transactions.reserveCapacity(count)
        for _ in 0..<count { transactions.append(try reader.readLengthPrefixed("transaction")) }
        self.init(header: header, transactions: transactions)
    }
}

extension CommittedBlock: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        block.encode(to: &writer)
        certificate.encode(to: &writer)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        let block = try Block(from: &reader)
        let certificate = try CommitCertificate(from: &reader)
        self.init(block: block, certificate: certificate)
    }
}
