// Tiny loopback servers for the Probe tests: raw TCP (exact bytes, so header order, case and
// repeats are under the test's control), optionally behind TLS, plus an HTTP/2 server.
import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// What the raw server does once it has read a request's header section.
enum Behavior: Sendable {
    /// Write these bytes, then close.
    case respond(String)
    /// Write these raw bytes (which need not be UTF-8), then close.
    case respondBytes([UInt8])
    /// Write these bytes and keep the connection open: the client must know from framing alone
    /// (HEAD, Content-Length, chunked) that the response is complete.
    case respondKeepOpen(String)
    /// Accept, read, never answer.
    case silent
    /// Write these bytes on the first bytes received, whatever they are, then close: what a plain
    /// HTTP server does to a TLS ClientHello.
    case onAnyBytes(String)
    /// Write `head`, then `bodyBytes` bytes of "x" in 64 KiB chunks, then close.
    case stream(head: String, bodyBytes: Int)
}

/// Request header sections the server has seen, in arrival order.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var _requests: [String] = []
    var requests: [String] { lock.withLock { _requests } }
    func add(_ r: String) { lock.withLock { _requests.append(r) } }
}

final class RawServer: @unchecked Sendable {
    let channel: Channel
    let recorder: Recorder
    /// Read once at start: a closed channel has no local address any more.
    let port: Int

    private init(channel: Channel, recorder: Recorder) {
        self.channel = channel
        self.recorder = recorder
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(_ behavior: Behavior, tls: NIOSSLContext? = nil) async throws -> RawServer {
        let recorder = Recorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try child.pipeline.syncOperations.addHandler(RawHandler(behavior: behavior, recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return RawServer(channel: channel, recorder: recorder)
    }

    func stop() async { try? await channel.close() }
}

private final class RawHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let behavior: Behavior
    let recorder: Recorder
    var buffer: [UInt8] = []
    var answered = false

    init(behavior: Behavior, recorder: Recorder) {
        self.behavior = behavior
        self.recorder = recorder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        if case .onAnyBytes(let raw) = behavior {
            answered = true
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: raw)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        buffer += unwrapInboundIn(data).readableBytesView
        let text = String(decoding: buffer, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return }
        answered = true
        recorder.add(String(text[..<end.lowerBound]))
        switch behavior {
        case .silent, .onAnyBytes:
            break
        case .respondKeepOpen(let raw):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: raw)), promise: nil)
        case .respond(let raw):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: raw)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .respondBytes(let raw):
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: raw)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .stream(let head, let bodyBytes):
            context.write(wrapOutboundOut(ByteBuffer(string: head)), promise: nil)
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 65536)
            var left = bodyBytes
            while left > 0 {
                let n = min(left, chunk.readableBytes)
                context.write(wrapOutboundOut(chunk.getSlice(at: 0, length: n)!), promise: nil)
                left -= n
            }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer()))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}

/// HTTP/2 over TLS (ALPN h2): every request gets a 401 with two WWW-Authenticate lines.
final class H2Server: @unchecked Sendable {
    let channel: Channel
    let port: Int
    private init(channel: Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(tls: NIOSSLContext) async throws -> H2Server {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    _ = try child.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .server,
                        connectionConfiguration: .init(),
                        streamConfiguration: .init(),
                        inboundStreamInitializer: { stream in
                            stream.eventLoop.makeCompletedFuture {
                                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                                try stream.pipeline.syncOperations.addHandler(H2Responder())
                            }
                        })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return H2Server(channel: channel)
    }

    func stop() async { try? await channel.close() }
}

private final class H2Responder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "www-authenticate", value: "Basic realm=\"one\"")
        headers.add(name: "www-authenticate", value: "Bearer realm=\"two\"")
        headers.add(name: "content-length", value: "6")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http2, status: .unauthorized, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "denied")))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
