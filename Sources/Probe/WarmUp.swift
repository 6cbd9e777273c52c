import Dispatch
import Evidence
import NIOCore
import NIOEmbedded
import NIOPosix

extension Prober {
    /// Starts, on another core, the one-time work that the first exchange of a process would otherwise
    /// do on its critical path: NIO's event-loop threads, and the Swift runtime's first lookups of the
    /// types and conformances an HTTP/1.1 exchange uses. Each first lookup scans every conformance record
    /// in the binary (about 12 000 in why401), and together they made the first exchange of a check
    /// several times slower than the next ones. A caller starts this before parsing its arguments, so
    /// the two overlap; the lookups are cached process-wide, so the real exchange finds them done.
    ///
    /// It rehearses one exchange through the real handlers on an `EmbeddedChannel`: nothing is sent or
    /// opened, no state is shared with later exchanges, and whatever fails in it is ignored.
    public static func warmUp() {
        DispatchQueue.global(qos: .userInitiated).async {
            _ = MultiThreadedEventLoopGroup.singleton.next()
            rehearse()
        }
    }

    /// One exchange on an in-memory channel: the request written by `HTTP1Client`, a 401 with a
    /// Basic challenge read back by the decoder, the collector and the watcher.
    static func rehearse() {
        let channel = EmbeddedChannel()
        let run = ExchangeRun(
            eventLoop: channel.embeddedEventLoop, options: ProbeOptions(), startedAt: .now(), isTLS: false)
        defer {
            run.fail(.other("warm-up"))  // completes the promise if the rehearsal did not
            _ = try? channel.finish()
        }
        guard let url = try? URLParts.parse("http://127.0.0.1/").get(),
            let wire = try? WireRequest.build(
                ProbeRequest(url: "http://127.0.0.1/", headers: [HeaderField("Authorization", "Basic d2FybTp1cA==")]),
                url: url, options: ProbeOptions(), http2: false
            ).get()
        else { return }
        do {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(IdleStateHandler(readTimeout: .seconds(10)))
            try sync.addHandler(ConnectionWatcher(run: run))
            run.channel = channel
            HTTP1Client.start(channel: channel, run: run, request: wire)
            while try channel.readOutbound(as: ByteBuffer.self) != nil {}
            let answer =
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"warm-up\"\r\nContent-Length: 0\r\n\r\n"
            try channel.writeInbound(ByteBuffer(string: answer))
        } catch {}
    }
}
