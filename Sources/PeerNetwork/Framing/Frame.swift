import NIOCore

/// One unit on a peer link: `u32 payload length (big-endian) ‖ u8 type ‖ payload`, inside TLS.
struct Frame: Sendable {
    /// The 5 bytes before every payload.
    static let headerBytes = 5

    var type: FrameType
    var payload: ByteBuffer

    /// The frame as it goes on the wire.
    static func encode(_ type: FrameType, payload: some Collection<UInt8>, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: headerBytes + payload.count)
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeInteger(type.rawValue)
        buffer.writeBytes(payload)
        return buffer
    }

    static func encode(_ type: FrameType, payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: headerBytes + payload.readableBytes)
        buffer.writeInteger(UInt32(payload.readableBytes))
        buffer.writeInteger(type.rawValue)
        buffer.writeImmutableBuffer(payload)
        return buffer
    }
}

/// What a frame carries.
enum FrameType: UInt8, Sendable, CaseIterable {
    /// First frame each way after TLS: protocol version, chain ID, public key, node name.
    case hello = 1
    /// An encoded `ConsensusMessage`, handed to the consensus node as is.
    case consensus = 2
    /// `u64 request id ‖ CID text`: send me the block with this CID.
    case contentRequest = 3
    /// `u64 request id ‖ u8 status (0 found, 1 not found) ‖ block bytes`.
    case contentResponse = 4
    /// Keepalive; answered with `pong`. Empty payload.
    case ping = 5
    case pong = 6
}

/// Why the byte stream of a link is not a sequence of frames.
enum FrameError: Error, Equatable, CustomStringConvertible {
    case oversized(length: UInt32, limit: Int)
    case unknownType(UInt8)

    var description: String {
        switch self {
        case .oversized(let length, let limit): "a frame of \(length) bytes exceeds the limit of \(limit) bytes"
        case .unknownType(let type): "unknown frame type \(type)"
        }
    }
}

/// Cuts the decrypted byte stream into frames. Refuses a frame as soon as its header
/// announces more than `limit` payload bytes, before reading (or buffering) any of it.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = Frame
    let limit: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
              let rawType = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self) else {
            return .needMoreData
        }
        guard Int(length) <= limit else { throw FrameError.oversized(length: length, limit: limit) }
        guard let type = FrameType(rawValue: rawType) else { throw FrameError.unknownType(rawType) }
        guard buffer.readableBytes >= Frame.headerBytes + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: Frame.headerBytes)
        let payload = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(Self.wrapInboundOut(Frame(type: type, payload: payload)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
