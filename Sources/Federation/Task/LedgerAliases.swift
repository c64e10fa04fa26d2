import Ledger

// The module `Ledger` contains a class `Ledger`, so `Ledger.PrivacyPolicy` does not name the
// module's type, and `Privacy` has a `PrivacyPolicy` of its own. This file imports only Ledger.
typealias LedgerPrivacyPolicy = PrivacyPolicy
