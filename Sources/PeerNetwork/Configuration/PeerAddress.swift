import Foundation

/// Where a peer listens: a host name or IP literal and a TCP port.
///
/// Written `host:port`; an IPv6 literal is written in brackets, `[::1]:26656`.
///
/// ```swift
/// let address = try PeerAddress(parsing: "127.0.0.1:26656")
/// address.description  // "127.0.0.1:26656"
/// ```
public struct PeerAddress: Sendable, Codable, Hashable, CustomStringConvertible {
    public var host: String
    /// 0 when listening means "let the system pick" (see `PeerNetwork.boundPort`).
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (`[v6]:port` for IPv6 literals).
    ///
    /// - Throws: `PeerAddressError` naming the text and what is wrong with it.
    public init(parsing text: String) throws(PeerAddressError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let host: Substring
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw PeerAddressError(text: text, reason: "an IPv6 literal opened with '[' is never closed")
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw PeerAddressError(text: text, reason: "expected ':port' after the bracketed IPv6 address")
            }
            portText = rest.dropFirst()
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else {
                throw PeerAddressError(text: text, reason: "expected host:port, e.g. 127.0.0.1:26656")
            }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
            if host.contains(":") {
                throw PeerAddressError(text: text, reason: "write IPv6 addresses in brackets, e.g. [::1]:26656")
            }
        }
        guard !host.isEmpty else { throw PeerAddressError(text: text, reason: "the host is empty") }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw PeerAddressError(text: text, reason: "the port '\(portText)' is not a number in 0...65535")
        }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A peer address that could not be parsed.
public struct PeerAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String { "invalid peer address \"\(text)\": \(reason)" }
}
