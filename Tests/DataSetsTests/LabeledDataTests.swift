import Testing
import Tensor
@testable import DataSets

struct LabeledDataTests {
    @Test func subsetTakesExamplesInTheGivenOrder() {
        let data = LabeledData(
            features: Tensor(shape: [3, 2], storage: [0, 1, 10, 11, 20, 21]),
            labels: [0, 1, 1], classCount: 2)
        let picked = data.subset([2, 0])
        #expect(picked.features.storage == [20, 21, 0, 1])
        #expect(picked.labels == [1, 0])
        #expect(data.labelCounts == [1, 2])
    }
}
