import Testing
@testable import Tensor

struct TensorTests {
    @Test func reshapingKeepsElementsInRowMajorOrder() {
        let t = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6]).reshaped([3, 2])
        #expect(t.shape == [3, 2])
        #expect(t.storage == [1, 2, 3, 4, 5, 6])
        #expect(t.count == 6)
    }
}
