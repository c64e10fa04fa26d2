import Foundation

/// Test inputs copied into the test bundle from `Inputs/` (see `Inputs/make_fixtures.py`).
enum Fixtures {
    static func path(_ name: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Inputs").appendingPathComponent(name).path
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// A path for a file the test writes itself, unique per call.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("DataSetsTests-\(UUID().uuidString)-\(name)").path
    }
}
