/// A raw Paillier ciphertext: an integer in `1 ..< n²` coprime to n.
///
/// It does not carry its key; the key's operations check the range when a ciphertext arrives
/// from outside (``PaillierPublicKey/ciphertext(_:)``).
public struct PaillierCiphertext: Sendable, Hashable {
    public let value: GMPInteger

    /// Wraps a value that is already known to be a valid ciphertext (produced by this module).
    init(trusted value: GMPInteger) {
        self.value = value
    }
}
