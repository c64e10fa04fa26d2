import Foundation
import Synchronization
import Testing
@testable import Federation

struct UploadPipelineTests {
    struct Refused: Error, Equatable { var index: Int }

    @Test func jobsRunOneAtATimeInOrderAndResultsComeBackInOrder() throws {
        let pipeline = UploadPipeline<Int>()
        let log = Mutex<[Int]>([])
        for i in 0..<20 {
            pipeline.add {
                // Later jobs are quicker: out-of-order execution would show in the log.
                Thread.sleep(forTimeInterval: Double(20 - i) / 10_000)
                log.withLock { $0.append(i) }
                return i * i
            }
        }
        #expect(try pipeline.results() == (0..<20).map { $0 * $0 })
        #expect(log.withLock { $0 } == Array(0..<20))
    }

    @Test func theFirstFailureIsReportedAndLaterJobsDoNotRun() throws {
        let pipeline = UploadPipeline<Int>()
        let ran = Mutex<[Int]>([])
        for i in 0..<6 {
            pipeline.add {
                ran.withLock { $0.append(i) }
                if i == 2 || i == 4 { throw Refused(index: i) }
                return i
            }
        }
        #expect(throws: Refused(index: 2)) { try pipeline.results() }
        #expect(ran.withLock { $0 } == [0, 1, 2])
    }

    @Test func anEmptyPipelineHasNoResults() throws {
        #expect(try UploadPipeline<String>().results().isEmpty)
    }
}
