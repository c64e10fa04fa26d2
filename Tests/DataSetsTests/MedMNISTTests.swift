import Testing
@testable import DataSets

struct MedMNISTTests {
    /// The fixture's pixel rule (see `make_fixtures.py`): element i of a split is (37 i + 11) mod 256.
    static func pixel(_ i: Int) -> Float { Float((i * 37 + 11) % 256) / 255 }

    @Test func greyScaleSplitsBecomeNCHWFeaturesScaledToUnitRange() throws {
        let splits = try MedMNIST.load(contentsOf: Fixtures.path("medmnist_gray.npz"))
        #expect(splits.train.features.shape == [6, 1, 4, 5])
        #expect(splits.train.features.storage == (0..<120).map(Self.pixel))
        #expect(splits.train.labels == [0, 1, 0, 1, 2, 0])
        #expect(splits.validation?.features.shape == [2, 1, 4, 5])
        #expect(splits.validation?.labels == [1, 0])
        #expect(splits.test?.features.storage == (0..<60).map(Self.pixel))
        #expect(splits.test?.labels == [0, 1, 1])
        // Label 2 appears only in train; every split shares the class count.
        #expect(splits.train.classCount == 3 && splits.test?.classCount == 3)
        #expect(splits.classNames == ["0", "1", "2"])
        #expect(splits.featureNames == nil)
        #expect(splits.train.features.storage.allSatisfy { (0...1).contains($0) })
    }

    @Test func colourImagesAreTransposedFromNHWCToNCHW() throws {
        let splits = try MedMNIST.load(contentsOf: Fixtures.path("medmnist_rgb.npz"))
        #expect(splits.train.features.shape == [2, 3, 2, 3])
        var expected: [Float] = []
        for n in 0..<2 {
            for c in 0..<3 {
                for h in 0..<2 {
                    for w in 0..<3 { expected.append(Self.pixel(((n * 2 + h) * 3 + w) * 3 + c)) }
                }
            }
        }
        #expect(splits.train.features.storage == expected)
        #expect(splits.train.labels == [1, 0])
        #expect(splits.classNames == ["0", "1"])
    }

    @Test func nonUint8ImagesAreAWrongDTypeErrorNamingTheMember() {
        let path = Fixtures.path("medmnist_float_images.npz")
        let error = #expect(throws: DataSetError.self) { try MedMNIST.load(contentsOf: path) }
        #expect(error?.code == .wrongDType)
        #expect(error?.description == "\(path): member 'val_images.npy' has dtype <f4; MedMNIST images must be uint8 (|u1) pixels 0–255")
    }

    @Test func labelCountThatDisagreesWithImageCountIsAnError() {
        let path = Fixtures.path("medmnist_label_count.npz")
        let error = #expect(throws: DataSetError.self) { try MedMNIST.load(contentsOf: path) }
        #expect(error?.code == .shapeMismatch)
        #expect(error?.description == "\(path): member 'test_labels.npy' has shape [2, 1]; expected (3,) or (3, 1): 'test_images.npy' holds 3 images")
    }

    @Test func imagesOfAnotherSizeInOneSplitAreAnError() {
        let path = Fixtures.path("medmnist_size_mismatch.npz")
        let error = #expect(throws: DataSetError.self) { try MedMNIST.load(contentsOf: path) }
        #expect(error?.code == .shapeMismatch)
        #expect(error?.description.contains("'val_images.npy' holds images of shape [1, 5, 4]") == true)
    }

    @Test func missingTrainLabelsIsAnError() {
        let path = Fixtures.path("medmnist_no_labels.npz")
        let error = #expect(throws: DataSetError.self) { try MedMNIST.load(contentsOf: path) }
        #expect(error?.code == .missingMember)
        #expect(error?.description == "\(path): 'train_images.npy' has no matching 'train_labels.npy' member")
    }

    @Test func truncatedArchiveIsAnErrorNamingTheFile() {
        let path = Fixtures.path("truncated.npz")
        let error = #expect(throws: DataSetError.self) { try MedMNIST.load(contentsOf: path) }
        #expect(error?.description.hasPrefix("\(path): truncated ZIP archive") == true)
    }

    /// The bundled PneumoniaMNIST subset, found next to this source file (SwiftPM runs tests
    /// from the checkout). Reference values from
    /// `python3 -c "import numpy as np; d = np.load('Data/pneumoniamnist-balanced.npz'); print(d['train_images'].astype(int).sum(), d['train_images'][0, 14].tolist())"`.
    @Test func bundledPneumoniaMNISTLoadsWithTheShapesAndPixelsNumPyReports() throws {
        let path = #filePath.replacingOccurrences(
            of: "Tests/DataSetsTests/MedMNISTTests.swift", with: "Data/pneumoniamnist-balanced.npz")
        let splits = try loadDataset(path: path)
        #expect(splits.train.features.shape == [2428, 1, 28, 28])
        #expect(splits.validation?.count == 270)
        #expect(splits.test?.count == 468)
        #expect(splits.train.labelCounts == [1214, 1214])
        #expect(splits.test?.labelCounts == [234, 234])
        #expect(splits.train.labels.prefix(3) == [1, 1, 1])
        let pixelSum = splits.train.features.storage.reduce(0) { $0 + Int(($1 * 255).rounded()) }
        #expect(pixelSum == 273_679_017)
        let row = Array(splits.train.features.storage[(14 * 28)..<(15 * 28)])
        #expect(row.map { Int(($0 * 255).rounded()) } == [
            74, 110, 120, 97, 88, 105, 126, 139, 155, 160, 160, 165, 178, 179,
            175, 179, 166, 164, 151, 124, 92, 70, 65, 68, 73, 98, 110, 100,
        ])
        #expect(row[5] == Float(0.4117647))  // numpy: np.float32(105) / np.float32(255)
    }
}
