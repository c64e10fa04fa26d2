import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal keep-alive HTTP/1.1 client for a node's status endpoint (the benchmark, the
/// tests): one connection, one request at a time.
///
/// ```swift
/// try await StatusClient.withConnection(host: "127.0.0.1", port: 26601) { client in
///     let (status, body) = try await client.request("POST", "/tx", body: tx.bytes)
/// }
/// ```
public final class StatusClient {
    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    private let host: String

    private init(inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator,
                 outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>, host: String) {
        self.inbound = inbound
        self.outbound = outbound
        self.host = host
    }

    /// Connects, runs `body` with the connection, and closes it.
    public static func withConnection<T: Sendable>(host: String, port: Int,
                                                   group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                                                   _ body: (StatusClient) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let client = StatusClient(inbound: inbound.makeAsyncIterator(), outbound: outbound, host: host)
            return try await body(client)
        }
    }

    /// Sends one request and reads the whole reply.
    public func request(_ method: String, _ path: String, body: [UInt8] = [], contentType: String = "application/octet-stream") async throws -> Reply {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Length", value: String(body.count))
        if !body.isEmpty { headers.add(name: "Content-Type", value: contentType) }
        try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path, headers: headers)))
        if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        try await outbound.write(.end(nil))
        var status = 0
        var reply: [UInt8] = []
        while let part = try await inbound.next() {
            switch part {
            case .head(let head): status = Int(head.status.code)
            case .body(let chunk): reply.append(contentsOf: chunk.readableBytesView)
            case .end: return Reply(status: status, body: reply)
            }
        }
        throw StatusClientError("the server closed the connection before replying to \(method) \(path)")
    }

    /// `GET path`, decoding a JSON reply.
    public func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let reply = try await request("GET", path)
        guard reply.status == 200 else { throw StatusClientError("GET \(path): HTTP \(reply.status): \(reply.text)") }
        return try JSONDecoder().decode(T.self, from: Data(reply.body))
    }
}

public struct StatusClientError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
