import Tensor

/// Loads MedMNIST-layout `.npz` files: `train_images`/`train_labels`, `val_*` and `test_*`.
///
/// Images are uint8, `(N, H, W)` for grey-scale or `(N, H, W, 3)` for colour sets; they become
/// features of shape `[N, C, H, W]` holding pixel / 255 in [0, 1] (the scaling PyTorch users
/// apply with `ToTensor`, and nothing else). Labels are `(N, 1)` or `(N,)` whole numbers; the
/// class count is the largest label in any split plus one, and classes are named by number
/// because the file does not carry their names.
///
/// ```swift
/// let splits = try MedMNIST.load(contentsOf: "Data/pneumoniamnist-balanced.npz")
/// splits.train.features.shape   // [2428, 1, 28, 28]
/// ```
public enum MedMNIST {
    /// Reads the archive at `path`.
    public static func load(contentsOf path: String) throws(DataSetError) -> DatasetSplits {
        try load(ZipArchive(contentsOf: path))
    }

    /// Reads the splits of an opened archive. The train split is required; validation and
    /// test are `nil` when the archive has neither of their members.
    public static func load(_ archive: ZipArchive) throws(DataSetError) -> DatasetSplits {
        let train = try split("train", in: archive)
        guard let train, train.images.shape[0] > 0 else {
            throw DataSetError(
                .missingMember, file: archive.name,
                train == nil
                    ? "no 'train_images.npy' member; a MedMNIST .npz holds train_images, train_labels, val_* and test_*"
                    : "'train_images.npy' holds no images")
        }
        let validation = try split("val", in: archive)
        let test = try split("test", in: archive)

        // Every split must hold images of one size.
        let exampleShape = train.exampleShape
        for other in [validation, test].compactMap({ $0 }) where other.exampleShape != exampleShape {
            throw DataSetError(
                .shapeMismatch, file: archive.name,
                "member '\(other.images.name)' holds images of shape \(other.exampleShape) (C, H, W) but '\(train.images.name)' holds \(exampleShape)")
        }

        let classCount = ([train, validation, test].compactMap { $0?.labels.max() }.max() ?? 0) + 1
        func labeled(_ split: RawSplit?) -> LabeledData? {
            guard let split else { return nil }
            return LabeledData(features: split.features(), labels: split.labels, classCount: classCount)
        }
        return DatasetSplits(
            train: labeled(train)!, validation: labeled(validation), test: labeled(test),
            featureNames: nil, classNames: (0..<classCount).map(String.init))
    }

    /// One split's arrays, checked but not yet converted to `Float`.
    private struct RawSplit {
        var images: NPYArray
        var labels: [Int]
        /// `[C, H, W]`.
        var exampleShape: [Int]

        func features() -> Tensor {
            let shape = images.shape
            let (n, height, width) = (shape[0], shape[1], shape[2])
            let channels = exampleShape[0]
            var storage = [Float](repeating: 0, count: n * channels * height * width)
            images.data.withUnsafeBufferPointer { pixels in
                storage.withUnsafeMutableBufferPointer { target in
                    // Division rather than multiplication by 1/255 gives the same correctly
                    // rounded Float32 values as PyTorch's `x / 255.0`.
                    if channels == 1 {
                        for i in 0..<pixels.count { target[i] = Float(pixels[i]) / 255 }
                    } else {
                        // (N, H, W, C) to (N, C, H, W).
                        let plane = height * width
                        for example in 0..<n {
                            let base = example * plane * channels
                            for position in 0..<plane {
                                for channel in 0..<channels {
                                    target[base + channel * plane + position] =
                                        Float(pixels[base + position * channels + channel]) / 255
                                }
                            }
                        }
                    }
                }
            }
            return Tensor(shape: [n] + exampleShape, storage: storage)
        }
    }

    private static func member(_ name: String, in archive: ZipArchive) -> ZipArchive.Entry? {
        archive.entry(named: name + ".npy") ?? archive.entry(named: name)
    }

    private static func split(_ prefix: String, in archive: ZipArchive) throws(DataSetError) -> RawSplit? {
        let imagesEntry = member(prefix + "_images", in: archive)
        let labelsEntry = member(prefix + "_labels", in: archive)
        guard imagesEntry != nil || labelsEntry != nil else { return nil }
        guard let imagesEntry, let labelsEntry else {
            let (present, absent) = imagesEntry == nil ? ("labels", "images") : ("images", "labels")
            throw DataSetError(
                .missingMember, file: archive.name,
                "'\(prefix)_\(present).npy' has no matching '\(prefix)_\(absent).npy' member")
        }
        func fail(_ code: DataSetError.Code, _ member: String, _ message: String) -> DataSetError {
            DataSetError(code, file: archive.name, "member '\(member)' \(message)")
        }
        let images = try namedArray(imagesEntry, in: archive)
        let labelArray = try namedArray(labelsEntry, in: archive)

        guard images.dtype.kind == .unsigned, images.dtype.size == 1 else {
            throw fail(.wrongDType, images.name, "has dtype \(images.dtype); MedMNIST images must be uint8 (|u1) pixels 0–255")
        }
        let exampleShape: [Int]
        switch images.shape.count {
        case 3: exampleShape = [1, images.shape[1], images.shape[2]]
        case 4 where [1, 3].contains(images.shape[3]):
            exampleShape = [images.shape[3], images.shape[1], images.shape[2]]
        default:
            throw fail(.shapeMismatch, images.name, "has shape \(images.shape); expected (N, H, W) or (N, H, W, 3)")
        }

        let count = images.shape[0]
        guard labelArray.shape == [count] || labelArray.shape == [count, 1] else {
            let problem = labelArray.shape.count == 2 && labelArray.shape[0] == count
                ? "multi-label sets are not supported"
                : "'\(images.name)' holds \(count) images"
            throw fail(.shapeMismatch, labelArray.name, "has shape \(labelArray.shape); expected (\(count),) or (\(count), 1): \(problem)")
        }
        guard labelArray.dtype.isIntegral else {
            throw fail(.wrongDType, labelArray.name, "has dtype \(labelArray.dtype); labels must be integers")
        }
        let labels: [Int]
        do {
            labels = try labelArray.integers()
        } catch {
            throw fail(error.code, labelArray.name, error.message)
        }
        if let negative = labels.firstIndex(where: { $0 < 0 }) {
            throw fail(.invalidValue, labelArray.name, "has label \(labels[negative]) at index \(negative); labels must be 0 or more")
        }
        return RawSplit(images: images, labels: labels, exampleShape: exampleShape)
    }

    private static func namedArray(_ entry: ZipArchive.Entry, in archive: ZipArchive) throws(DataSetError) -> NPYArray {
        let bytes = try archive.contents(of: entry)
        do {
            return try NPYArray(bytes: bytes, name: entry.name)
        } catch {
            // Name the archive and the member, not just the member.
            throw DataSetError(error.code, file: archive.name, "member '\(entry.name)': \(error.message)")
        }
    }
}
