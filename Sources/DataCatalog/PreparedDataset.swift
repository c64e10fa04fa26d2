import ContentStore
import DataSets

/// A dataset read, checked and described, with every blob's CID computed but nothing stored
/// yet: the first half of an import.
///
/// Preparing first lets a caller check everything that can fail — the file, the mapping, the
/// ledger transaction carrying `manifestCID` — before the store changes; `store(into:)` is
/// then the second half.
public struct PreparedDataset: Sendable {
    /// One blob to store.
    public struct Blob: Sendable {
        /// `source`, `mapping`, `split:<name>` or `manifest`.
        public var role: String
        public var bytes: [UInt8]
        public var cid: CID
    }

    public let manifest: DatasetManifest
    /// The CID `RegisterDataset` carries.
    public let manifestCID: CID
    /// For a FHIR bundle: what was read, skipped and imputed (nil for other formats).
    public let fhirReport: FHIRDataset.Report?
    /// Split blobs, then the source, the mapping, and the manifest last.
    public let blobs: [Blob]

    init(manifest: DatasetManifest, fhirReport: FHIRDataset.Report?, blobs: [Blob]) throws(CatalogError) {
        let bytes = manifest.canonicalJSON()
        let manifestBlob = Blob(role: "manifest", bytes: bytes, cid: try Self.cid(of: bytes))
        self.manifest = manifest
        self.manifestCID = manifestBlob.cid
        self.fhirReport = fhirReport
        self.blobs = blobs + [manifestBlob]
    }

    /// Problems skipped in a lenient FHIR import.
    public var issues: [FHIRIssue] { fhirReport?.issues ?? [] }

    /// Stores every blob and pins it, the manifest last; returns the CIDs it newly pinned.
    ///
    /// Blobs are written unpinned first and pinned only once all are in, so a failure part-way
    /// leaves no pin (and no manifest) behind: the blocks written so far are garbage that the
    /// next `gc` removes. Pinning walks each DAG, so every block is read back and re-hashed.
    @discardableResult
    public func store(into store: Blockstore) throws(CatalogError) -> [CID] {
        let before: Set<CID>
        do { before = Set(try store.pins()) } catch { throw CatalogError("cannot list the pins of the block store: \(error)") }
        for blob in blobs {
            let stored: CID
            do { stored = try store.put(bytes: blob.bytes, pin: false).root } catch {
                throw CatalogError("storing the \(blob.role) blob failed, so nothing was registered: \(error)")
            }
            guard stored == blob.cid else {
                throw CatalogError("the \(blob.role) blob was stored as \(stored), not the prepared \(blob.cid)")
            }
        }
        let contents = Set(blobs.map(\.cid)).subtracting(before).subtracting([manifestCID])
        let order = contents.sorted { $0.description < $1.description } + (before.contains(manifestCID) ? [] : [manifestCID])
        var pinned: [CID] = []
        for cid in order {
            do { try store.pin(cid) } catch {
                unpin(pinned, from: store)
                throw CatalogError("pinning \(cid) failed, so nothing was registered: \(error)")
            }
            pinned.append(cid)
        }
        return pinned
    }

    /// Undoes `store(into:)`'s pins (for a caller whose next step failed); the blocks go at
    /// the next garbage collection unless another pin needs them.
    public func unpin(_ pinned: [CID], from store: Blockstore) {
        for cid in pinned.reversed() { try? store.unpin(cid) }
    }

    /// The CID `ipfs add` (Kubo defaults) gives `bytes`.
    static func cid(of bytes: [UInt8]) throws(CatalogError) -> CID {
        do { return try bytes.withUnsafeBytes { try UnixFSImporter(workerCount: 1).cid(ofBytes: $0) } } catch {
            throw CatalogError("cannot compute a CID: \(error)")
        }
    }
}
