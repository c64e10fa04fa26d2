import NIOCore

/// Turns a burst of sends from other threads into one flush per event-loop turn.
///
/// Each frame is written by a task on the channel's event loop; the first write of a burst
/// queues the flush behind the tasks already waiting, so the frames queued meanwhile leave in
/// one TLS flush and one `writev` instead of one each. Under load (thousands of gossiped
/// transactions a second) this saves most of the per-message syscalls.
/// `@unchecked Sendable`: `flushQueued` is only touched on `channel.eventLoop`.
final class FlushCoalescer: @unchecked Sendable {
    private let channel: Channel
    private var flushQueued = false

    init(channel: Channel) {
        self.channel = channel
    }

    func write(_ frame: ByteBuffer) {
        let loop = channel.eventLoop
        loop.execute { [self] in
            channel.write(frame, promise: nil)
            guard !flushQueued else { return }
            flushQueued = true
            loop.execute { [self] in
                flushQueued = false
                channel.flush()
            }
        }
    }
}
