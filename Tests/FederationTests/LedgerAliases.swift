import Ledger

// `Federation` has a `RoundRecord` of its own, and the module `Ledger` contains a class
// `Ledger`, so the ledger's record is named from a file that imports only Ledger.
typealias LedgerRoundRecord = RoundRecord
