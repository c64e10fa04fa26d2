#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Eight modular exponentiations at once with AVX-512 IFMA: the `mbx_exp*_mb8` functions of
/// Intel's crypto_mb (Intel Cryptography Primitives Library, Apache-2.0), loaded at run time.
///
/// Paillier decryption is two exponentiations per ciphertext modulo p² and q²; GMP does them
/// one at a time with 64-bit multiplies, crypto_mb does eight side by side in 52-bit digits
/// with the CPU's fused multiply-add on 512-bit vectors, ≈ 3.7× the throughput on this
/// machine's AVX-512 cores (docs/paillier.md). The library is optional: `scripts/setup.sh`
/// fetches it into `.deps/crypto-mb/lib`, and where it is missing, cannot load, reports the
/// CPU unsuitable or fails the known-answer check below, ``shared`` is nil and callers use GMP.
/// Results are identical either way.
///
/// Only the documented entry points are used (`mbx_exp_BufferSize`, `mbx_exp{1024,2048,3072,
/// 4096}_mb8`, `mbx_is_crypto_mb_applicable`, `mbx_getversion`). crypto_mb was written for
/// RSA private-key operations: fixed windows, every table entry read on each lookup.
public final class MultiBufferExponentiator: @unchecked Sendable {
    // @unchecked: the function pointers and sizes are set once in init; the C functions are
    // reentrant (every call gets its own scratch buffer).

    /// Exponentiations per call.
    public static let lanes = 8

    /// The loaded library, or nil (see ``unavailableReason``).
    public static let shared: MultiBufferExponentiator? = {
        if case .success(let engine) = loadResult { return engine }
        return nil
    }()

    /// Why ``shared`` is nil, or nil when it is loaded.
    public static var unavailableReason: String? {
        if case .failure(let failure) = loadResult { return failure.reason }
        return nil
    }

    /// Where the library was loaded from and its version, for benches and logs.
    public let description: String

    typealias ExpFunction = @convention(c) (
        UnsafePointer<UnsafeMutablePointer<UInt64>?>?, UnsafePointer<UnsafePointer<UInt64>?>?,
        UnsafePointer<UnsafePointer<UInt64>?>?, Int32,
        UnsafePointer<UnsafePointer<UInt64>?>?, Int32,
        UnsafeMutablePointer<UInt8>?, Int32
    ) -> UInt32
    typealias BufferSizeFunction = @convention(c) (Int32) -> Int32
    typealias ApplicableFunction = @convention(c) (UInt64) -> Int32

    /// The supported modulus sizes and their functions.
    private let functions: [(bits: Int, exp: ExpFunction)]
    private let bufferSize: BufferSizeFunction

    struct LoadFailure: Error { let reason: String }

    /// The environment variable naming the library's directory, or `off` to use GMP only.
    public static let environmentVariable = "MEDCHAIN_CRYPTO_MB"

    static let loadResult: Result<MultiBufferExponentiator, LoadFailure> = {
        let setting = ProcessInfo.processInfo.environment[environmentVariable]
        if setting == "off" { return .failure(LoadFailure(reason: "\(environmentVariable)=off")) }
        let directories = setting.map { [$0] } ?? defaultDirectories()
        guard let directory = directories.first(where: {
            FileManager.default.fileExists(atPath: $0 + "/libcrypto_mb.so.13")
        }) else {
            return .failure(LoadFailure(reason: "libcrypto_mb.so.13 not found (run scripts/setup.sh, or set \(environmentVariable) to its directory)"))
        }
        return Result { try MultiBufferExponentiator(directory: directory) }
            .mapError { $0 as? LoadFailure ?? LoadFailure(reason: "\($0)") }
    }()

    /// `.deps/crypto-mb/lib` in the working directory or in any directory above the executable
    /// (`swift run` and `swift test` run binaries from inside `.build`).
    static func defaultDirectories() -> [String] {
        let relative = ".deps/crypto-mb/lib"
        var candidates = [FileManager.default.currentDirectoryPath + "/" + relative]
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
            for _ in 0..<6 {
                candidates.append(url.path + "/" + relative)
                url = url.deletingLastPathComponent()
            }
        }
        return candidates
    }

    init(directory: String) throws {
        // The Intel compiler runtime first, by path: crypto_mb names them without a path and
        // the dynamic loader then finds them already loaded (by soname).
        for dependency in ["libintlc.so.5", "libimf.so", "libsvml.so", "libirng.so"] {
            guard dlopen(directory + "/" + dependency, RTLD_NOW | RTLD_LOCAL) != nil else {
                throw LoadFailure(reason: "cannot load \(dependency): \(Self.lastError())")
            }
        }
        guard let handle = dlopen(directory + "/libcrypto_mb.so.13", RTLD_NOW | RTLD_LOCAL) else {
            throw LoadFailure(reason: "cannot load libcrypto_mb.so.13: \(Self.lastError())")
        }
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let address = dlsym(handle, name) else {
                throw LoadFailure(reason: "libcrypto_mb.so.13 lacks \(name)")
            }
            return unsafeBitCast(address, to: type)
        }
        let applicable = try symbol("mbx_is_crypto_mb_applicable", as: ApplicableFunction.self)
        guard applicable(0) != 0 else {
            throw LoadFailure(reason: "crypto_mb reports this CPU unsuitable (it needs AVX-512 IFMA)")
        }
        bufferSize = try symbol("mbx_exp_BufferSize", as: BufferSizeFunction.self)
        functions = try [1024, 2048, 3072, 4096].map { bits in
            (bits, try symbol("mbx_exp\(bits)_mb8", as: ExpFunction.self))
        }
        typealias VersionFunction = @convention(c) () -> UnsafeRawPointer?
        var version = "crypto_mb, unknown version"
        // mbx_getversion returns { int major, minor, revision; const char *name, *buildDate,
        // *strVersion }: three ints, padding, three pointers; strVersion sits at byte 32.
        if let getVersion = try? symbol("mbx_getversion", as: VersionFunction.self),
           let info = getVersion(),
           let text = info.load(fromByteOffset: 32, as: UnsafePointer<CChar>?.self) {
            version = String(cString: text)
        }
        description = "\(version) from \(directory)"
        try selfTest()
    }

    private static func lastError() -> String {
        dlerror().map { String(cString: $0) } ?? "unknown error"
    }

    /// Compares a batch of exponentiations with GMP for every supported modulus size, so that a
    /// library that loads but computes wrongly (another build, another ABI) is never used.
    private func selfTest() throws {
        for (bits, _) in functions {
            // An odd modulus of exactly `bits` bits, an exponent of exactly 200.
            let modulus = GMPInteger.random(bits: bits - 2).shiftedLeft(1) + GMPInteger(1).shiftedLeft(bits - 1) + 1
            let bases = (0..<5).map { _ in GMPInteger.random(below: modulus) }
            let exponent = GMPInteger.random(bits: 199) + GMPInteger(1).shiftedLeft(199)
            let expected = bases.map { $0.power(exponent, modulo: modulus) }
            guard let got = power(bases, exponent: exponent, modulus: modulus), got == expected else {
                throw LoadFailure(reason: "crypto_mb failed its known-answer check for \(bits)-bit moduli")
            }
        }
    }

    /// Whether an odd modulus of this many bits has a crypto_mb function.
    public func supports(modulusBits bits: Int) -> Bool { function(modulusBits: bits) != nil }

    /// crypto_mb accepts a modulus whose size, in 52-bit digits, equals that of 1, 2, 3 or 4 Kb
    /// and stays the same with two more bits.
    private func function(modulusBits bits: Int) -> (bits: Int, exp: ExpFunction)? {
        func digits(_ b: Int) -> Int { (b + 51) / 52 }
        guard digits(bits) == digits(bits + 2) else { return nil }
        return functions.first { digits($0.bits) == digits(bits) }
    }

    /// `bases[i]^exponent mod modulus` for up to eight bases, computed together.
    ///
    /// - Parameters:
    ///   - bases: 1 … 8 values in 0 ..< modulus.
    ///   - exponent: non-negative; its length is not hidden (it is a public parameter of the
    ///     call), its bits are.
    ///   - modulus: odd, of a size ``supports(modulusBits:)`` accepts.
    /// - Returns: the powers in order, or nil when the modulus is unsupported or the library
    ///   reports an error for any lane.
    public func power(_ bases: [GMPInteger], exponent: GMPInteger, modulus: GMPInteger) -> [GMPInteger]? {
        precondition((1...Self.lanes).contains(bases.count), "1 … \(Self.lanes) bases per call")
        let modulusBits = modulus.bitWidth
        guard modulus.isOdd, let (_, exp) = function(modulusBits: modulusBits),
              bases.allSatisfy({ $0.signum >= 0 && $0 < modulus }) else { return nil }
        let words = (modulusBits + 63) / 64
        let exponentBits = max(exponent.bitWidth, 1)
        // One zero word beyond the exponent's own, in case the library reads a word ahead.
        let exponentWords = (exponentBits + 63) / 64 + 1
        // One contiguous block: 8 bases, 8 results, then the modulus and exponent shared by all lanes.
        let block = UnsafeMutablePointer<UInt64>.allocate(capacity: 16 * words + words + exponentWords)
        defer { block.deallocate() }
        block.initialize(repeating: 0, count: 16 * words + words + exponentWords)
        for lane in 0..<Self.lanes {
            bases[min(lane, bases.count - 1)].exportWords(into: block + lane * words, count: words)
        }
        let modulusWords = block + 16 * words
        let exponentStart = modulusWords + words
        modulus.exportWords(into: modulusWords, count: words)
        exponent.exportWords(into: exponentStart, count: exponentWords)

        let scratchSize = Int(bufferSize(Int32(modulusBits)))
        guard scratchSize > 0 else { return nil }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 64)
        defer { scratch.deallocate() }

        var outputs = (0..<Self.lanes).map { Optional(block + (8 + $0) * words) }
        var inputs = (0..<Self.lanes).map { Optional(UnsafePointer(block + $0 * words)) }
        var exponents = [UnsafePointer<UInt64>?](repeating: UnsafePointer(exponentStart), count: Self.lanes)
        var moduli = [UnsafePointer<UInt64>?](repeating: UnsafePointer(modulusWords), count: Self.lanes)
        let status = exp(&outputs, &inputs, &exponents, Int32(exponentBits), &moduli, Int32(modulusBits),
                         scratch.assumingMemoryBound(to: UInt8.self), Int32(scratchSize))
        guard status == 0 else { return nil }
        return (0..<bases.count).map { lane in
            GMPInteger(littleEndianWords: UnsafeBufferPointer(start: block + (8 + lane) * words, count: words))
        }
    }
}
