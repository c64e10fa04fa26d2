import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The HTTP/1.1 status endpoint (SwiftNIO): serves `StatusRoutes` on one address until a
/// graceful shutdown, which stops accepting and closes open connections (long polls too).
///
/// Bodies above `maxRequestBytes` are refused with 413 as soon as the declared length (or the
/// bytes received) pass the limit, and the connection is closed.
public final class StatusServer: Service, Sendable {
    public let routes: StatusRoutes
    public let host: String
    public let port: Int
    public let maxRequestBytes: Int
    let group: any EventLoopGroup
    let logger: Logger
    private let bound = Mutex<Int?>(nil)

    public init(routes: StatusRoutes, host: String, port: Int, maxRequestBytes: Int,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.routes = routes
        self.host = host
        self.port = port
        self.maxRequestBytes = maxRequestBytes
        self.group = group
        self.logger = logger
    }

    /// The port actually bound (useful with port 0), once `run()` is listening.
    public var boundPort: Int? { bound.withLock { $0 } }

    public func run() async throws {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let actual = server.channel.localAddress?.port ?? port
        bound.withLock { $0 = actual }
        logger.info("status endpoint listening", metadata: ["address": "\(host):\(actual)"])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
                group.cancelAll()          // open keep-alive connections and long polls end
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
        logger.info("status endpoint closed")
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let next):
                        head = next
                        body = []
                        if let declared = next.headers.first(name: "content-length").flatMap(Int.init), declared > maxRequestBytes {
                            try await write(.text(413, "request body of \(declared) bytes is over the limit of \(maxRequestBytes)"),
                                            version: next.version, keepAlive: false, to: outbound)
                            return
                        }
                    case .body(let chunk):
                        guard body.count + chunk.readableBytes <= maxRequestBytes else {
                            try await write(.text(413, "request body is over the limit of \(maxRequestBytes) bytes"),
                                            version: head?.version ?? .http1_1, keepAlive: false, to: outbound)
                            return
                        }
                        body.append(contentsOf: chunk.readableBytesView)
                    case .end:
                        guard let request = head else { return }
                        let response = await routes.respond(method: request.method.rawValue, target: request.uri, body: body)
                        try await write(response, version: request.version, keepAlive: request.isKeepAlive, to: outbound)
                        if !request.isKeepAlive { return }
                        head = nil
                        body = []
                    }
                }
            }
        } catch {
            logger.debug("status connection ended", metadata: ["error": "\(error)"])
        }
    }

    private func write(_ response: StatusRoutes.Response, version: HTTPVersion, keepAlive: Bool,
                       to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        try await outbound.write(.head(HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status),
                                                        headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        try await outbound.write(.end(nil))
    }
}
