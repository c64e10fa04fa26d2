/// The dataset files `DatasetImporter` reads.
public enum DatasetFileFormat: String, Sendable, CaseIterable {
    /// A MedMNIST-layout NumPy archive (`MedMNIST`).
    case npz
    /// A table with a header row and a label column (`CSVDataset`).
    case csv
    /// A FHIR R4 `Bundle` in JSON, read with a mapping (`FHIRDataset`).
    case fhir

    /// The format the file name's extension names: `.npz`, `.csv`, or `.json` for FHIR.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "npz": self = .npz
        case "csv": self = .csv
        case "json", "fhir": self = .fhir
        default: return nil
        }
    }

    /// The manifest's `format` value.
    public var manifestName: String {
        switch self {
        case .npz: "medmnist-npz"
        case .csv: "csv"
        case .fhir: "fhir-r4"
        }
    }
}
