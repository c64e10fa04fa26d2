import ArgumentParser
import ContentStore
import Foundation

/// `medchain bench cid`: CID throughput on a generated stream, and the process's peak memory.
struct CIDBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cid",
        abstract: "Hash a generated stream (default 1 GiB) into a CID; report throughput and peak RSS."
    )

    @Option(help: "Bytes to hash.")
    var bytes: Int = 1 << 30

    @Option(name: .customLong("cid-version"), help: "CID version: 0 (default) or 1.")
    var cidVersion: Int = 0

    @Option(name: .customLong("raw-leaves"), help: "true|false; defaults to true for CIDv1 only.")
    var rawLeaves: Bool?

    @Option(help: "Hashing threads (default: all cores).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard CID.Version(rawValue: cidVersion) != nil else {
            throw ValidationError("--cid-version must be 0 or 1, not \(cidVersion)")
        }
        guard bytes >= 0 else { throw ValidationError("--bytes must not be negative") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
        let options = ImportOptions(cidVersion: CID.Version(rawValue: cidVersion)!, rawLeaves: rawLeaves)
        // The stream is generated as it is read (a memcpy from a 64 KiB pattern), not stored.
        var source = DeterministicBytes(seed: 1, count: bytes)
        let importer = UnixFSImporter(options: options, workerCount: workers)
        let cpuBefore = Self.cpuSeconds()
        let start = ContinuousClock.now
        let cid = try importer.cid(of: &source)
        let elapsed = ContinuousClock.now - start
        let cpu = Self.cpuSeconds() - cpuBefore
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let rate = Double(bytes) / seconds
        let peak = Self.peakResidentBytes()
        if json {
            print("""
                {"benchmark":"cid","bytes":\(bytes),"seconds":\(String(format: "%.4f", seconds)),\
                "bytes_per_second":\(Int(rate)),"cpu_seconds":\(String(format: "%.4f", cpu)),"peak_rss_bytes":\(peak),"cid":"\(cid)",\
                "cid_version":\(cidVersion),"raw_leaves":\(options.rawLeaves),"workers":\(workers)}
                """)
        } else {
            print("\(cid)  \(bytes) bytes in \(String(format: "%.3f", seconds)) s = "
                + "\(String(format: "%.2f", rate / 1e9)) GB/s, peak RSS \(peak / 1_048_576) MiB")
        }
    }
}

extension CIDBenchCommand {
    /// User plus system CPU time of the whole process so far (all threads), in seconds.
    ///
    /// Next to wall time it shows how much of the machine a run got: the 2 cores here are shared,
    /// and a busy neighbour lowers `bytes_per_second` but not `cpu_seconds`.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The process's peak resident set size (`VmHWM` in /proc/self/status), or -1 where there is
    /// no /proc.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return (kilobytes ?? -1) * 1024
        }
        return -1
    }
}
