import Testing
@testable import PeerNetwork

struct PeerAddressTests {
    @Test(arguments: [
        ("127.0.0.1:26656", "127.0.0.1", 26656),
        ("localhost:0", "localhost", 0),
        ("[::1]:9000", "::1", 9000),
        (" node-3.example:443 ", "node-3.example", 443),
    ])
    func parsesHostAndPort(text: String, host: String, port: Int) throws {
        let address = try PeerAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
        #expect(try PeerAddress(parsing: address.description) == address)
    }

    @Test(arguments: ["127.0.0.1", ":80", "host:", "host:65536", "host:-1", "::1:80", "[::1:80", "[::1]80"])
    func refusesMalformedAddressesWithAReason(text: String) {
        #expect(throws: PeerAddressError.self) { try PeerAddress(parsing: text) }
    }
}
