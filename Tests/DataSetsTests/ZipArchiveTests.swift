import Testing
@testable import DataSets

struct ZipArchiveTests {
    @Test(arguments: ["tiny_stored.npz", "tiny_deflate.npz", "zip64.npz"])
    func membersOfStoredDeflatedAndZip64ArchivesReadBackIdentically(file: String) throws {
        let archive = try ZipArchive(contentsOf: Fixtures.path(file))
        #expect(archive.entries.map(\.name) == ["a.npy", "b.npy", "c.npy"])
        let a = try NPYArray(bytes: archive.contents(of: "a.npy"), name: "a.npy")
        #expect(a.shape == [2, 3])
        #expect(try a.integers() == [0, 1, 2, 253, 254, 255])
        // The same member decompresses to the same bytes whatever the method.
        let reference = try ZipArchive(contentsOf: Fixtures.path("tiny_stored.npz"))
        for name in ["a.npy", "b.npy", "c.npy"] {
            #expect(try archive.contents(of: name) == reference.contents(of: name))
        }
    }

    @Test func storedAndDeflateMethodsAreRecordedAsNumPyWroteThem() throws {
        let stored = try ZipArchive(contentsOf: Fixtures.path("tiny_stored.npz"))
        let deflated = try ZipArchive(contentsOf: Fixtures.path("tiny_deflate.npz"))
        #expect(stored.entries.allSatisfy { $0.method == 0 })
        #expect(deflated.entries.allSatisfy { $0.method == 8 && $0.compressedSize < $0.uncompressedSize })
        // Sizes from `python3 -c "import zipfile; print([i.file_size for i in zipfile.ZipFile('tiny_stored.npz').infolist()])"`.
        #expect(stored.entries.map(\.uncompressedSize) == [134, 140, 140])
    }

    @Test func zip64EndRecordIsUsedWhenTheClassicOneIsSaturated() throws {
        let archive = try ZipArchive(contentsOf: Fixtures.path("zip64.npz"))
        #expect(archive.entries.count == 3)
        #expect(archive.entries.map(\.uncompressedSize) == [134, 140, 140])
    }

    @Test func truncatedArchiveIsReportedAsTruncatedNamingTheFile() throws {
        let path = Fixtures.path("truncated.npz")
        let error = #expect(throws: DataSetError.self) { try ZipArchive(contentsOf: path) }
        #expect(error?.code == .corruptArchive)
        #expect(error?.description.hasPrefix(path + ": truncated") == true)
    }

    @Test func memberWhoseDataRunsPastTheEndIsReportedAsTruncated() throws {
        // Claim 1 MiB for `c.npy` in its central-directory entry (the third "PK\u{1}\u{2}").
        var bytes = try Fixtures.bytes("tiny_stored.npz")
        let entries = Self.centralEntries(bytes)
        #expect(entries.count == 3)
        for field in [20, 24] { Self.patch(&bytes, at: entries[2] + field, 0x0010_0000) }
        let damaged = try ZipArchive(bytes: bytes, name: "cut.npz")
        #expect(throws: Never.self) { try damaged.contents(of: "a.npy") }
        let error = #expect(throws: DataSetError.self) { try damaged.contents(of: "c.npy") }
        #expect(error?.code == .corruptArchive)
        #expect(error?.description.hasPrefix("cut.npz: truncated or corrupt: the data of member 'c.npy'") == true)
    }

    /// Where each central-directory entry ("PK\u{1}\u{2}") starts.
    static func centralEntries(_ bytes: [UInt8]) -> [Int] {
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        return (0...(bytes.count - 4)).filter { Array(bytes[$0..<($0 + 4)]) == signature }
    }

    static func patch(_ bytes: inout [UInt8], at offset: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    @Test(arguments: [
        (UInt32(100), "deflate.npz: member 'a.npy': the data decompresses to more than the 100 bytes the archive declares"),
        (UInt32(200), "deflate.npz: member 'a.npy': the data decompresses to 134 bytes, not the 200 the archive declares"),
        (UInt32(0x7FFF_FFFF), "deflate.npz: corrupt: member 'a.npy' claims 2147483647 bytes from only "),
    ])
    func declaredSizeThatDisagreesWithTheDeflateStreamIsAnError(size: UInt32, message: String) throws {
        var bytes = try Fixtures.bytes("tiny_deflate.npz")
        Self.patch(&bytes, at: Self.centralEntries(bytes)[0] + 24, size)
        let archive = try ZipArchive(bytes: bytes, name: "deflate.npz")
        let error = #expect(throws: DataSetError.self) { try archive.contents(of: "a.npy") }
        #expect(error?.code == .corruptArchive)
        #expect(error?.description.hasPrefix(message) == true)
    }

    @Test func changedDataByteFailsTheCRCCheck() throws {
        let archive = try ZipArchive(contentsOf: Fixtures.path("corrupt_crc.npz"))
        #expect(throws: Never.self) { try archive.contents(of: "b.npy") }
        let error = #expect(throws: DataSetError.self) { try archive.contents(of: "a.npy") }
        #expect(error?.code == .corruptArchive)
        #expect(error?.description.contains("CRC-32") == true)
        #expect(error?.description.contains("a.npy") == true)
    }

    @Test func corruptDeflateStreamIsAnError() throws {
        var bytes = try Fixtures.bytes("tiny_deflate.npz")
        let archive = try ZipArchive(bytes: bytes, name: "bad.npz")
        let entry = archive.entries[0]
        let nameLength = Int(bytes[entry.localHeaderOffset + 26]) | Int(bytes[entry.localHeaderOffset + 27]) << 8
        let extraLength = Int(bytes[entry.localHeaderOffset + 28]) | Int(bytes[entry.localHeaderOffset + 29]) << 8
        let start = entry.localHeaderOffset + 30 + nameLength + extraLength
        // 0xFF everywhere makes block type 3, which deflate reserves as invalid.
        for i in start..<(start + 8) { bytes[i] = 0xFF }
        let damaged = try ZipArchive(bytes: bytes, name: "bad.npz")
        let error = #expect(throws: DataSetError.self) { try damaged.contents(of: entry) }
        #expect(error?.code == .corruptArchive)
        #expect(error?.description.contains("a.npy") == true)
    }

    @Test func fileThatIsNotAZipSaysSo() {
        let error = #expect(throws: DataSetError.self) {
            try ZipArchive(bytes: Array("id,label\n1,0\n".utf8), name: "table.npz")
        }
        #expect(error?.description == "table.npz: not a ZIP/.npz archive (no end-of-central-directory record)")
    }

    @Test func missingMemberListsTheMembersThatExist() throws {
        let archive = try ZipArchive(contentsOf: Fixtures.path("tiny_stored.npz"))
        let error = #expect(throws: DataSetError.self) { try archive.contents(of: "z.npy") }
        #expect(error?.code == .missingMember)
        #expect(error?.description.contains("a.npy, b.npy, c.npy") == true)
    }

    @Test func missingFileIsAnErrorNamingIt() {
        let error = #expect(throws: DataSetError.self) { try ZipArchive(contentsOf: "/nonexistent/x.npz") }
        #expect(error?.description == "/nonexistent/x.npz: no such file; check the path")
    }
}
