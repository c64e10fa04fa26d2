import ArgumentParser
import Foundation
import Paillier

/// `medchain paillier …`: python-paillier's `pheutil`, with the same arguments and files.
///
/// Keys are JWKs (`kty` "DAJ", `alg` "PAI-GN1"); encrypted numbers are
/// `{"v": "<decimal ciphertext>", "e": <exponent>}`. Files written by either tool are read by
/// the other. Pass `--` before a negative plaintext, as with pheutil.
struct PaillierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paillier",
        abstract: "Paillier keys and encrypted numbers, compatible with python-paillier's pheutil.",
        subcommands: [
            PaillierKeygen.self, PaillierExtract.self, PaillierEncrypt.self, PaillierDecrypt.self,
            PaillierAddEncrypted.self, PaillierAdd.self, PaillierMultiply.self,
        ]
    )
}

/// File arguments where "-" means standard input or output, as in pheutil (click.File).
enum CommandFiles {
    static func read(_ path: String, what: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read \(what) file '\(path)': it does not exist or is not readable")
        }
        return data
    }

    static func write(_ text: String, to path: String?) throws {
        let line = text + "\n"
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(Data(line.utf8))
            return
        }
        do {
            try Data(line.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// Runs a Paillier operation, turning its typed errors into one clear CLI line.
func paillierStep<T>(_ context: String, _ body: () throws(PaillierError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw CommandFailure("\(context): \(error.message)")
    }
}

/// pheutil reads every plaintext with Python's `float()`.
func parsePlaintext(_ text: String) throws -> Double {
    let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
    guard let value = Double(trimmed) else {
        throw CommandFailure("plaintext '\(text)' is not a number (use -- before negative numbers)")
    }
    return value
}

func loadPublicKey(_ path: String) throws -> PaillierPublicKey {
    let data = try CommandFiles.read(path, what: "public key")
    return try paillierStep("public key '\(path)'") { () throws(PaillierError) in try PaillierJWK.publicKey(from: data) }
}

func loadEncryptedNumber(_ path: String, publicKey: PaillierPublicKey) throws -> PaillierEncryptedNumber {
    let data = try CommandFiles.read(path, what: "encrypted number")
    return try paillierStep("encrypted number '\(path)'") { () throws(PaillierError) in
        try PaillierEncryptedNumber(json: data, publicKey: publicKey)
    }
}

/// Writes an encrypted number as pheutil does: exponent lowered to −32 when higher, fresh
/// randomness so the output reveals nothing about how it was computed.
func writeEncryptedNumber(_ number: PaillierEncryptedNumber, publicKey: PaillierPublicKey, to path: String?) throws {
    if number.exponent < PaillierEncryptedNumber.pheutilExponent {
        CommandFiles.log("Exponent is less than -32")
    }
    let output = try paillierStep("serialising the result") { () throws(PaillierError) in
        try publicKey.pheutilSerializable(number)
    }
    try CommandFiles.write(output.json, to: path)
}

struct PaillierKeygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a Paillier private key as a JWK (pheutil genpkey).",
        discussion: "Writes the private key, with the public key embedded under \"pub\", to OUTPUT (\"-\" for standard output). Use `extract` to get the public key.",
        aliases: ["genpkey"]
    )

    @Argument(help: "Where to write the private key JWK (\"-\" for standard output).")
    var output: String

    @Option(help: "The key size in bits (2048 or 3072 recommended).")
    var keysize: Int = 2048

    @Option(help: "An identifying comment stored as the keys' \"kid\" (default: a timestamp).")
    var id: String?

    @Flag(help: "Make a subgroup key (docs/paillier.md): its holder decrypts `encrypt --fast` ciphertexts about 4x faster. The public JWK gains the mask base \"medchain_hs\"; pheutil reads both files and decrypts as usual.")
    var subgroup = false

    func validate() throws {
        guard keysize >= PaillierPublicKey.minimumModulusBits, keysize % 2 == 0 else {
            throw ValidationError("--keysize must be even and at least \(PaillierPublicKey.minimumModulusBits) (2048 or 3072 recommended)")
        }
    }

    func run() throws {
        CommandFiles.log("Generating a paillier keypair with keysize of \(keysize)")
        let key = subgroup ? PaillierPrivateKey.generate(bits: keysize, subgroupBits: nil) : PaillierPrivateKey.generate(bits: keysize)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let date = formatter.string(from: Date())
        let publicKid = id ?? "Paillier public key generated by medchain on \(date)"
        let privateKid = id ?? "Paillier private key generated by medchain on \(date)"
        try CommandFiles.write(PaillierJWK.encode(privateKey: key, kid: privateKid, publicKid: publicKid), to: output)
        CommandFiles.log("Private key written to \(output == "-" ? "<stdout>" : output)")
    }
}

struct PaillierExtract: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract the public key from a private key (pheutil extract)."
    )

    @Argument(help: "The private key JWK (\"-\" for standard input).")
    var input: String

    @Argument(help: "Where to write the public key JWK (\"-\" for standard output).")
    var output: String

    func run() throws {
        let data = try CommandFiles.read(input, what: "private key")
        let publicJSON = try paillierStep("private key '\(input)'") { () throws(PaillierError) in
            try PaillierJWK.extractPublic(fromPrivate: data)
        }
        try CommandFiles.write(publicJSON, to: output)
    }
}

struct PaillierEncrypt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt",
        abstract: "Encrypt a number with a public key (pheutil encrypt).",
        discussion: "PLAINTEXT is read as a floating-point number. The output is {\"v\": \"<ciphertext>\", \"e\": <exponent>} with the exponent fixed at -32 where possible. Put -- before a negative plaintext."
    )

    @Argument(help: "The public key JWK.")
    var `public`: String

    @Argument(help: "The number to encrypt.")
    var plaintext: String

    @Option(help: "Save to this file instead of standard output.")
    var output: String?

    @Flag(help: "Use the fast DJN encryptor (short exponent, fixed-base table) instead of textbook r^n; the output is an ordinary Paillier ciphertext that pheutil decrypts.")
    var fast = false

    func run() throws {
        let value = try parsePlaintext(plaintext)
        let publicKey = try loadPublicKey(`public`)
        guard fast else {
            let encrypted = try paillierStep("encrypting \(plaintext)") { () throws(PaillierError) in try publicKey.encrypt(value) }
            return try writeEncryptedNumber(encrypted, publicKey: publicKey, to: output)
        }
        // Encode at pheutil's exponent first, so the written ciphertext is exactly the DJN
        // encryption (no textbook re-randomisation on top).
        let encrypted = try paillierStep("encrypting \(plaintext)") { () throws(PaillierError) in
            var encoded = try PaillierEncodedNumber.encode(value, publicKey: publicKey)
            if encoded.exponent > PaillierEncryptedNumber.pheutilExponent {
                encoded = try encoded.decreasingExponent(to: PaillierEncryptedNumber.pheutilExponent, publicKey: publicKey)
            }
            return PaillierEncryptedNumber(ciphertext: try PaillierEncryptor(publicKey: publicKey).encrypt(raw: encoded.encoding),
                                           exponent: encoded.exponent)
        }
        if encrypted.exponent < PaillierEncryptedNumber.pheutilExponent { CommandFiles.log("Exponent is less than -32") }
        try CommandFiles.write(encrypted.json, to: output)
    }
}

struct PaillierDecrypt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Decrypt an encrypted number with a private key (pheutil decrypt)."
    )

    @Argument(help: "The private key JWK.")
    var `private`: String

    @Argument(help: "The encrypted number JSON (\"-\" for standard input).")
    var ciphertext: String

    @Option(help: "Save to this file instead of standard output.")
    var output: String?

    func run() throws {
        let data = try CommandFiles.read(`private`, what: "private key")
        let key = try paillierStep("private key '\(`private`)'") { () throws(PaillierError) in try PaillierJWK.privateKey(from: data) }
        let number = try loadEncryptedNumber(ciphertext, publicKey: key.publicKey)
        let value = try paillierStep("decrypting '\(ciphertext)'") { () throws(PaillierError) in try key.decrypt(number) }
        try CommandFiles.write(value.description, to: output)
    }
}

struct PaillierAddEncrypted: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addenc",
        abstract: "Add two encrypted numbers together (pheutil addenc)."
    )

    @Argument(help: "The public key JWK.")
    var `public`: String

    @Argument(help: "The first encrypted number.")
    var encryptedA: String

    @Argument(help: "The second encrypted number.")
    var encryptedB: String

    @Option(help: "Save to this file instead of standard output.")
    var output: String?

    func run() throws {
        let publicKey = try loadPublicKey(`public`)
        let a = try loadEncryptedNumber(encryptedA, publicKey: publicKey)
        let b = try loadEncryptedNumber(encryptedB, publicKey: publicKey)
        let sum = try paillierStep("adding") { () throws(PaillierError) in try publicKey.add(a, b) }
        try writeEncryptedNumber(sum, publicKey: publicKey, to: output)
    }
}

struct PaillierAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a plaintext number to an encrypted number (pheutil add)."
    )

    @Argument(help: "The public key JWK.")
    var `public`: String

    @Argument(help: "The encrypted number.")
    var encrypted: String

    @Argument(help: "The plaintext number to add.")
    var plaintext: String

    @Option(help: "Save to this file instead of standard output.")
    var output: String?

    func run() throws {
        let publicKey = try loadPublicKey(`public`)
        let a = try loadEncryptedNumber(encrypted, publicKey: publicKey)
        let value = try parsePlaintext(plaintext)
        let sum = try paillierStep("adding \(plaintext)") { () throws(PaillierError) in try publicKey.add(a, scalar: value) }
        try writeEncryptedNumber(sum, publicKey: publicKey, to: output)
    }
}

struct PaillierMultiply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multiply",
        abstract: "Multiply an encrypted number by a plaintext number (pheutil multiply)."
    )

    @Argument(help: "The public key JWK.")
    var `public`: String

    @Argument(help: "The encrypted number.")
    var encrypted: String

    @Argument(help: "The plaintext number to multiply by.")
    var plaintext: String

    @Option(help: "Save to this file instead of standard output.")
    var output: String?

    func run() throws {
        let publicKey = try loadPublicKey(`public`)
        let a = try loadEncryptedNumber(encrypted, publicKey: publicKey)
        let value = try parsePlaintext(plaintext)
        let product = try paillierStep("multiplying by \(plaintext)") { () throws(PaillierError) in try publicKey.multiply(a, by: value) }
        try writeEncryptedNumber(product, publicKey: publicKey, to: output)
    }
}
