/// Receives the blocks of a DAG as the importer makes them.
///
/// Leaves arrive from several threads at once and in no particular order; inner nodes arrive
/// on the importing thread, each after all the blocks below it.
public protocol BlockSink: Sendable {
    func store(_ block: [UInt8], cid: CID) throws
}
