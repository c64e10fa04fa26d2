import Testing
@testable import DataSets

struct NPYArrayTests {
    /// The arrays of `dtypes.npz`, written by `make_fixtures.py`.
    static let dtypes = Result { try ZipArchive(contentsOf: Fixtures.path("dtypes.npz")) }

    static func array(_ name: String) throws -> NPYArray {
        try NPYArray(bytes: dtypes.get().contents(of: "\(name).npy"), name: "\(name).npy")
    }

    static let integerCases: [(String, String, [Int])] = [
        ("u1", "|u1", [0, 7, 255]),
        ("i1", "|i1", [-128, -1, 127]),
        ("u2", "<u2", [1, 258, 65535]),
        ("i2", "<i2", [-32768, -2, 32767]),
        ("u4", "<u4", [0, 70000, 4_294_967_295]),
        ("i4", "<i4", [-2_147_483_648, -3, 2_147_483_647]),
        ("i8", "<i8", [-(1 << 62), -4, 1 << 40]),
        ("b1", "|b1", [1, 0, 1]),
        ("big_u2", ">u2", [1, 258, 65535]),
        ("big_i4", ">i4", [1, -2, 300_000]),
        ("float_labels", "<f4", [0, 1, 2]),
    ]

    @Test(arguments: integerCases)
    func integerValuesMatchWhatNumPyWrote(name: String, descr: String, expected: [Int]) throws {
        let array = try Self.array(name)
        #expect(array.dtype.description == descr)
        #expect(array.shape == [3])
        #expect(try array.integers() == expected)
        #expect(array.floats() == expected.map(Float.init))
    }

    static let floatCases: [(String, String, [Float])] = [
        ("f4", "<f4", [Float(0.1), -2.5, .infinity]),
        ("f8", "<f8", [Float(0.1 as Double), -2.5, .infinity]),  // 1e300 overflows Float
        ("big_f4", ">f4", [1.5, -0.25, 1e10]),
        ("big_f8", ">f8", [Float(0.1 as Double), -2.5, .infinity]),
        ("u8", "<u8", [0, 9, Float(UInt64(1) << 63)]),
    ]

    @Test(arguments: floatCases)
    func floatValuesMatchWhatNumPyWrote(name: String, descr: String, expected: [Float]) throws {
        let array = try Self.array(name)
        #expect(array.dtype.description == descr)
        #expect(array.floats() == expected)
    }

    @Test func fortranOrderArraysAreRearrangedIntoCOrder() throws {
        let f8 = try Self.array("fortran_f8")
        #expect(f8.shape == [2, 3, 4])
        #expect(f8.floats() == (0..<24).map { Float($0) * 0.5 })
        let u1 = try Self.array("fortran_u1")
        #expect(u1.shape == [2, 3])
        #expect(try u1.integers() == [0, 1, 2, 3, 4, 5])
    }

    @Test func zeroDimensionalArrayHasOneElement() throws {
        let scalar = try Self.array("scalar")
        #expect(scalar.shape == [])
        #expect(scalar.count == 1)
        #expect(try scalar.integers() == [42])
    }

    @Test func valuesThatAreNotWholeNumbersCannotBeIntegers() throws {
        let half = try Self.array("half_labels")
        let error = #expect(throws: DataSetError.self) { try half.integers() }
        #expect(error?.description == "half_labels.npy: element 1 is 1.5, not a whole number that fits in Int")
        #expect(throws: DataSetError.self) { try Self.array("u8").integers() }  // 2^63 + 1
    }

    @Test(arguments: ["version2.npy", "version3.npy"])
    func formatVersionsTwoAndThreeAreRead(file: String) throws {
        let array = try NPYArray(bytes: Fixtures.bytes(file), name: file)
        #expect(array.shape == [2, 3])
        #expect(try array.integers() == [0, 1, 2, 3, 4, 5])
    }

    @Test func headerWithOtherKeyOrderQuotesSpacingAndTrailingCommaIsRead() throws {
        let array = try NPYArray(bytes: Fixtures.bytes("odd_header.npy"), name: "odd_header.npy")
        #expect(array.shape == [2, 2])
        #expect(array.dtype == .init(kind: .signed, size: 2))
        #expect(try array.integers() == [1, 2, 3, 4])
    }

    // MARK: Malformed input, built byte by byte

    /// A version-1.0 `.npy` file with `header` (padding added) followed by `payload`.
    static func npy(_ header: String, _ payload: [UInt8], major: UInt8 = 1) -> [UInt8] {
        var text = Array(header.utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        return [0x93] + Array("NUMPY".utf8) + [major, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
            + text + payload
    }

    static let malformedCases: [(String, DataSetError.Code, String)] = [
        ("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", DataSetError.Code.unsupportedDType,
         "x.npy: unsupported dtype '<c8' (supported: b1, i1/u1, i2/u2, i4/u4, i8/u8, f4, f8)"),
        ("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,)}", .unsupportedDType,
         "x.npy: structured (record) dtypes are not supported; save a plain numeric array"),
        ("{'descr': '<i4', 'fortran_order': False}", .malformedArray,
         "x.npy: malformed .npy header: the key 'shape' is missing"),
        ("{'descr': '<i4', 'fortran_order': Flase, 'shape': (1,)}", .malformedArray,
         "x.npy: malformed .npy header: unknown name 'Flase' at character 34"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (-1,)}", .malformedArray,
         "x.npy: malformed .npy header: 'shape' must hold non-negative integers"),
        ("{'descr': '|i4', 'fortran_order': False, 'shape': (1,)}", .malformedArray,
         "x.npy: malformed .npy header: dtype '|i4': '|' (no byte order) on a 4-byte type"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)}", .malformedArray,
         "x.npy: data length 4 bytes does not match shape [2] × 4-byte <i4 (the file is truncated or the header is wrong)"),
        ("{'descr': '<i2', 'fortran_order': False, 'shape': (1,)}", .malformedArray,
         "x.npy: data length 4 bytes does not match shape [1] × 2-byte <i2 (extra bytes after the data)"),
    ]

    @Test(arguments: malformedCases)
    func malformedHeadersAndLengthsAreRejectedClearly(header: String, code: DataSetError.Code, message: String) {
        let error = #expect(throws: DataSetError.self) {
            try NPYArray(bytes: Self.npy(header, [1, 0, 0, 0]), name: "x.npy")
        }
        #expect(error?.code == code)
        #expect(error?.description == message)
    }

    @Test func unknownVersionAndMissingMagicAreRejected() {
        let header = "{'descr': '<i4', 'fortran_order': False, 'shape': (1,)}"
        let version4 = #expect(throws: DataSetError.self) {
            try NPYArray(bytes: Self.npy(header, [1, 0, 0, 0], major: 4), name: "x.npy")
        }
        #expect(version4?.description == "x.npy: unsupported .npy format version 4.0 (1.0, 2.0 and 3.0 are supported)")
        let magic = #expect(throws: DataSetError.self) {
            try NPYArray(bytes: Array("PK not numpy at all".utf8), name: "x.npy")
        }
        #expect(magic?.code == .malformedArray)
    }
}

struct PythonLiteralTests {
    @Test func dictOfEveryHeaderValueKindParses() throws {
        let value = try PythonLiteral.parse(" {'a' : (1, -2,), \"b\": [True, None, 3L], 'c': 'x\\'y', } ")
        #expect(value == .dictionary([
            (.string("a"), .sequence([.integer(1), .integer(-2)])),
            (.string("b"), .sequence([.boolean(true), .none, .integer(3)])),
            (.string("c"), .string("x'y")),
        ]))
        #expect(try PythonLiteral.parse("()") == .sequence([]))
    }

    @Test(arguments: ["{'a': 1", "{'a' 1}", "(1 2)", "'open", "{'a': 1} x", ""])
    func brokenLiteralsAreRejected(text: String) {
        #expect(throws: PythonLiteral.Failure.self) { try PythonLiteral.parse(text) }
    }
}
