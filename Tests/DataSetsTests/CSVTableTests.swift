import Testing
@testable import DataSets

struct CSVTableTests {
    static func table(_ text: String) throws -> CSVTable {
        try CSVTable(bytes: Array(text.utf8), file: "t.csv")
    }

    @Test func quotedFieldsKeepCommasDoubledQuotesAndLineBreaks() throws {
        let table = try Self.table("\u{FEFF}a,\"b, c\"\r\n\"x \"\"y\"\"\",\"two\r\nlines\"\r\n\"\",z\r\n")
        #expect(table.columns == ["a", "b, c"])
        #expect(table.rows == [["x \"y\"", "two\r\nlines"], ["", "z"]])
        #expect(table.lines == [2, 4])
    }

    @Test func blankLinesAndAMissingFinalNewlineAreAccepted() throws {
        let table = try Self.table("a,b\n\n1,2\n\n3,4")
        #expect(table.rows == [["1", "2"], ["3", "4"]])
        #expect(table.lines == [3, 5])
    }

    @Test func emptyFieldsAreKept() throws {
        let table = try Self.table("a,b,c\n,,\n")
        #expect(table.rows == [["", "", ""]])
    }

    @Test func quoteInsideAnUnquotedFieldIsLiteralAsInPythonsCSV() throws {
        let table = try Self.table("size,label\n5\"x,1\n")
        #expect(table.rows == [["5\"x", "1"]])
    }

    @Test(arguments: [
        ("a,b\n1,2\n3\n", "t.csv: line 3 has 1 fields but the header has 2"),
        ("a,b\n1,\"open\n2,3\n", "t.csv: line 2: a quoted field is never closed"),
        ("a,b\n\"1\"x,2\n", "t.csv: line 2: unexpected 'x' after a closing quote (double a quote inside a quoted field: \"\")"),
        ("a,a\n1,2\n", "t.csv: the header names column 'a' twice"),
        ("", "t.csv: the file is empty; it needs a header row and data rows"),
    ])
    func malformedFilesAreRejectedNamingTheLine(text: String, message: String) {
        let error = #expect(throws: DataSetError.self) { try Self.table(text) }
        #expect(error?.code == .malformedCSV)
        #expect(error?.description == message)
    }
}
