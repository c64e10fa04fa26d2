import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs every node of a `TestnetLayout` as its own `medchain node --home HOME` process and
/// stops them together.
///
/// Each child's output goes to `HOME/node.log`. A child that dies on its own (e.g. `kill -9`
/// in a fault test) is reported and left down: the others keep running, and it can be
/// restarted by hand with the same command (`restart(_:)` does that).
public final class TestnetSupervisor: @unchecked Sendable {
    // @unchecked: `children`, `stopping` and `exitHandler` are guarded by `lock`.
    public let layout: TestnetLayout
    public let executable: URL
    private let lock = NSLock()
    private var children: [String: Process] = [:]
    private var exitHandler: (@Sendable (String) -> Void)?
    private var stopping = false

    /// Receives one line per child that exits while the supervisor is running.
    public var onExit: (@Sendable (String) -> Void)? {
        get { lock.withLock { exitHandler } }
        set { lock.withLock { exitHandler = newValue } }
    }

    /// - Parameter executable: the `medchain` binary (usually the running one: `currentExecutable()`).
    public init(layout: TestnetLayout, executable: URL) {
        self.layout = layout
        self.executable = executable
    }

    /// The path of the running program (so `medchain testnet` starts its own binary).
    public static func currentExecutable() -> URL {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return URL(fileURLWithPath: path) }
        #endif
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }

    /// Starts every node that is not running.
    public func startAll() throws {
        for node in layout.nodes { try start(node.name) }
    }

    /// Starts (or restarts) one node by name.
    public func start(_ name: String) throws {
        guard let node = layout.nodes.first(where: { $0.name == name }) else { throw TestnetError("no node named \(name) in this testnet") }
        if let running = lock.withLock({ children[name] }), running.isRunning { return }
        let logURL = URL(fileURLWithPath: node.home).appendingPathComponent("node.log")
        if !FileManager.default.fileExists(atPath: logURL.path) { _ = FileManager.default.createFile(atPath: logURL.path, contents: nil) }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["node", "--home", node.home]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [weak self] child in
            try? log.close()
            guard let self, !self.lock.withLock({ self.stopping }) else { return }
            let how = child.terminationReason == .uncaughtSignal ? "signal \(child.terminationStatus)" : "status \(child.terminationStatus)"
            self.onExit?("\(name) (pid \(child.processIdentifier)) exited with \(how); see \(logURL.path)")
        }
        do { try process.run() } catch {
            throw TestnetError("cannot start \(executable.path) node --home \(node.home): \(error.localizedDescription)")
        }
        lock.withLock { children[name] = process }
    }

    /// Process IDs of the running nodes, by name.
    public var processIDs: [String: Int32] {
        lock.withLock { children.filter { $0.value.isRunning }.mapValues(\.processIdentifier) }
    }

    /// Sends SIGTERM to every node (graceful shutdown), waits up to `graceSeconds`, then
    /// SIGKILLs whatever is left.
    public func stopAll(graceSeconds: Double = 15) {
        let running = lock.withLock {
            stopping = true
            return Array(children.values)
        }
        for child in running where child.isRunning { child.terminate() }
        let deadline = Date().addingTimeInterval(graceSeconds)
        while running.contains(where: \.isRunning), Date() < deadline { usleep(20_000) }
        for child in running where child.isRunning { kill(child.processIdentifier, SIGKILL) }
        for child in running { child.waitUntilExit() }
        lock.withLock {
            children = [:]
            stopping = false
        }
    }
}

import UnixSignals

extension TestnetSupervisor {
    /// Starts every node, then waits for SIGINT or SIGTERM and stops them all.
    /// - Parameter started: called once the children are running.
    public func runUntilSignalled(started: @Sendable () -> Void = {}) async throws {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        do { try startAll() } catch {
            stopAll()
            throw error
        }
        started()
        for await _ in signals { break }
        stopAll()
    }
}
