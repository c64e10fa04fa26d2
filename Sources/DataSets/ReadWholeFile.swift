import Foundation

/// The bytes of the file at `path`, or an error naming it.
func readWholeFile(_ path: String) throws(DataSetError) -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw DataSetError(.unreadableFile, file: path, "no such file; check the path")
    }
    guard !isDirectory.boolValue else {
        throw DataSetError(.unreadableFile, file: path, "is a directory, not a data file")
    }
    do {
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw DataSetError(.unreadableFile, file: path, "cannot be read (\(error.localizedDescription))")
    }
}
