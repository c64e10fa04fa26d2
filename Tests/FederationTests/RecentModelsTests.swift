import Testing
@testable import Federation

struct RecentModelsTests {
    func model(_ round: Int) -> GlobalModel {
        GlobalModel(round: round, parameters: [Float(round)], serverState: .init(count: 1))
    }

    @Test func keepsOnlyTheMostRecentlyUsedModels() {
        var cache = RecentModels(capacity: 2)
        cache.insert(model(1), cid: "a")
        cache.insert(model(2), cid: "b")
        // Reading "a" makes it the most recent, so "b" is the one a third model evicts.
        #expect(cache.model("a")?.round == 1)
        cache.insert(model(3), cid: "c")
        #expect(cache.count == 2)
        #expect(cache.model("b") == nil)
        #expect(cache.model("a")?.round == 1)
        #expect(cache.model("c")?.round == 3)
    }

    @Test func reinsertingACIDReplacesItsModelWithoutGrowing() {
        var cache = RecentModels(capacity: 3)
        cache.insert(model(1), cid: "a")
        cache.insert(model(7), cid: "a")
        #expect(cache.count == 1)
        #expect(cache.model("a")?.round == 7)
    }

    /// A long task keeps a validator's memory flat: after many rounds only `capacity` models remain.
    @Test func manyRoundsStayWithinCapacity() {
        var cache = RecentModels(capacity: 8)
        for r in 0..<100 { cache.insert(model(r), cid: "round-\(r)") }
        #expect(cache.count == 8)
        #expect(cache.model("round-91") == nil)
        #expect(cache.model("round-92")?.round == 92)
        #expect(cache.model("round-99")?.round == 99)
    }
}
