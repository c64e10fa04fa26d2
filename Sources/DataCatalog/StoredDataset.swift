import ContentStore
import DataSets

/// A dataset in the local block store, opened by its manifest CID: the way a node reads back
/// its own registered data for training, every block re-hashed on the way.
///
/// ```swift
/// let dataset = try StoredDataset(CID(parsing: "Qm…"), in: store)
/// let train = try dataset.split("train")      // LabeledData, as the importer loaded it
/// ```
public struct StoredDataset: Sendable {
    public let cid: CID
    public let manifest: DatasetManifest
    let store: Blockstore

    /// Reads and decodes the manifest.
    ///
    /// - Throws: `CatalogError` when the CID is not in the store or is not a manifest.
    public init(_ cid: CID, in store: Blockstore) throws(CatalogError) {
        self.cid = cid
        self.store = store
        let bytes: [UInt8]
        do { bytes = try store.bytes(of: cid, limit: 1 << 20) } catch {
            throw CatalogError("\(cid) cannot be read from the block store: \(error)")
        }
        do { manifest = try DatasetManifest.decode(bytes) } catch {
            throw CatalogError("\(cid) is in the block store but is not a dataset manifest (\(Self.brief(error)))")
        }
    }

    /// A decoding error in a few words.
    static func brief(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: "it has no \(key.stringValue)"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case .dataCorrupted?: "it is not JSON"
        default: "\(error)"
        }
    }

    /// The split names the manifest lists, in the order train, validation, test.
    public var splitNames: [String] {
        ["train", "validation", "test"].filter { manifest.splitCIDs[$0] != nil }
    }

    /// One split's examples, with the manifest's class numbering: images as pixel / 255,
    /// tables as stored (not standardised; FHIR gaps already imputed).
    public func split(_ name: String) throws(CatalogError) -> LabeledData {
        guard let text = manifest.splitCIDs[name], let splitCID = try? CID(parsing: text) else {
            throw CatalogError("dataset \(cid) has no split '\(name)' (it has: \(splitNames.joined(separator: ", ")))")
        }
        let bytes: [UInt8]
        do { bytes = try store.bytes(of: splitCID) } catch { throw CatalogError("split '\(name)' of \(cid): \(error)") }
        let label = "split '\(name)' (\(splitCID))"
        do {
            return manifest.columns == nil ? try images(bytes, split: name, label: label) : try table(bytes, label: label)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError("\(error)")
        }
    }

    /// A MedMNIST split blob holds `<prefix>_images` and `<prefix>_labels`; they are renamed to
    /// `train_*` so that `MedMNIST` reads them with all its checks.
    private func images(_ bytes: [UInt8], split name: String, label: String) throws -> LabeledData {
        let archive = try ZipArchive(bytes: bytes, name: label)
        let prefix = name == "validation" ? "val" : name
        var arrays: [NPZWriter.Array] = []
        for kind in ["images", "labels"] {
            let member = "\(prefix)_\(kind).npy"
            let array = try NPYArray(bytes: archive.contents(of: member), name: member)
            arrays.append(NPZWriter.Array(name: "train_\(kind)", descr: "\(array.dtype)", shape: array.shape, data: array.data))
        }
        let data = try MedMNIST.load(ZipArchive(bytes: NPZWriter.archive(arrays), name: label)).train
        guard data.exampleShape == manifest.exampleShape, data.classCount <= manifest.classNames.count else {
            throw CatalogError("\(label) holds examples of shape \(data.exampleShape) with \(data.classCount) classes; the manifest says \(manifest.exampleShape) and \(manifest.classNames.count)")
        }
        return LabeledData(features: data.features, labels: data.labels, classCount: manifest.classNames.count)
    }

    /// A table split blob is a CSV of the feature columns then the label column.
    private func table(_ bytes: [UInt8], label: String) throws -> LabeledData {
        let labelName = manifest.labelName ?? "label"
        let loaded = try CSVDataset.load(CSVTable(bytes: bytes, file: label), file: label, options: .init(
            labelColumn: labelName, dropsIDColumn: false, testFraction: 0, validationFraction: 0, standardizes: false))
        guard loaded.featureNames == manifest.featureNames else {
            throw CatalogError("\(label) has columns \(loaded.featureNames ?? []); the manifest says \(manifest.featureNames ?? [])")
        }
        var labels: [Int] = []
        for index in loaded.train.labels {
            guard let mapped = manifest.classNames.firstIndex(of: loaded.classNames[index]) else {
                throw CatalogError("\(label) has class '\(loaded.classNames[index])', which the manifest does not list")
            }
            labels.append(mapped)
        }
        return LabeledData(features: loaded.train.features, labels: labels, classCount: manifest.classNames.count)
    }
}
