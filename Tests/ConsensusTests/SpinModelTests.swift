import Foundation
import Testing

/// Runs the spin model check of the consensus protocol (Models/tendermint.pml): agreement
/// and validity for n = 4, f = 1, two rounds. Needs `spin` and a C compiler
/// (`./scripts/setup.sh` installs spin); without them the test says so and passes.
/// The three-round check: `./scripts/check-model.sh --full`.
struct SpinModelTests {
    static let modelPath = #filePath.replacingOccurrences(of: "Tests/ConsensusTests/SpinModelTests.swift", with: "Models/tendermint.pml")

    static func tool(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Checks `model` with spin; returns spin's verifier output.
    static func check(_ model: String, rounds: Int) throws -> String {
        guard let spin = tool("spin"), let cc = tool("cc") ?? tool("gcc") ?? tool("clang") else { return "skipped" }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("medchain-spin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try model.write(to: work.appendingPathComponent("model.pml"), atomically: true, encoding: .utf8)
        func run(_ executable: String, _ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.currentDirectoryURL = work
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let generated = try run(spin, ["-a", "-DR=\(rounds)", "model.pml"])
        let compiled = try run(cc, ["-O2", "-DSAFETY", "-DCOLLAPSE", "-o", "pan", "pan.c"])
        guard FileManager.default.fileExists(atPath: work.appendingPathComponent("pan").path) else {
            return "spin or cc failed:\n\(generated)\n\(compiled)"
        }
        return try run(work.appendingPathComponent("pan").path, ["-E", "-m200000"])
    }

    static var model: String { (try? String(contentsOfFile: modelPath, encoding: .utf8)) ?? "" }

    @Test func theModelSatisfiesAgreementAndValidity() throws {
        #expect(!Self.model.isEmpty, "Models/tendermint.pml is missing")
        let output = try Self.check(Self.model, rounds: 2)
        if output == "skipped" {
            print("SpinModelTests: spin or a C compiler is not installed (run ./scripts/setup.sh); model check skipped")
            return
        }
        #expect(output.contains("errors: 0"), "\(output)")
        #expect(output.contains("states, stored"))
    }

    /// The check can fail: a validator that ignores its lock (prevotes any valid fresh
    /// proposal) breaks agreement, and spin finds it.
    @Test func ignoringTheLockBreaksAgreement() throws {
        let lock = ":: valid(v) && (lockedR == -1 || lockedV == v) -> prevote[round * H + i] = v"
        #expect(Self.model.contains(lock))
        let mutant = Self.model.replacingOccurrences(of: lock, with: ":: valid(v) -> prevote[round * H + i] = v")
        let output = try Self.check(mutant, rounds: 2)
        if output == "skipped" { return }
        #expect(output.contains("assertion violated"), "\(output)")
    }
}
