import HTTPAuth
import NIOCore
import NIOHTTP1
import NIOPosix

// The lab's HTTP/1.1 server on SwiftNIO: two listeners on the given host only (the second one is
// another origin, the target of the cross-origin redirect), one event loop thread, one request per
// connection (`Connection: close`), bounded everywhere: header section > 64 KB → 431, request body
// > 1 MB → 413, 30 s without reading → closed, malformed requests → 400 (NIO's error handler).
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

public final class LabServer: Sendable {
    /// The host both listeners are bound to (default `127.0.0.1`).
    public let host: String
    /// The main listener: every scenario path, `/` and `/.well-known/oauth-protected-resource`.
    public let port: Int
    /// A second listener on the same host: another origin (the cross-origin redirect target).
    public let secondPort: Int
    private let group: MultiThreadedEventLoopGroup
    private let channels: [any Channel]
    let state: LabState

    /// `http://127.0.0.1:PORT` (no trailing slash; append a scenario's `path`).
    public var baseURL: String { state.baseURL }
    /// `http://127.0.0.1:SECONDPORT`.
    public var secondBaseURL: String { state.secondBaseURL }
    /// The scenarios with tokens minted for the lab's clock (use these when a clock was injected).
    public var scenarios: [LabScenario] { LabScenarios.all(now: state.clock(), issuer: state.baseURL) }

    private init(
        host: String, port: Int, secondPort: Int, group: MultiThreadedEventLoopGroup, channels: [any Channel],
        state: LabState
    ) {
        self.host = host
        self.port = port
        self.secondPort = secondPort
        self.group = group
        self.channels = channels
        self.state = state
    }

    /// Starts both listeners on `host` (`port` 0 / `secondPort` 0: an ephemeral port each).
    /// `clock` drives `Date` headers, nonce lifetimes and JWT checks.
    /// `onReady` runs once the ports are known and before the first request is served (a CLI
    /// prints its banner there, so anyone who reaches the lab has already seen it).
    public static func start(
        host: String = "127.0.0.1", port: Int = 0, secondPort: Int = 0,
        clock: @escaping @Sendable () -> Date = { Date() },
        onReady: (@Sendable (LabServer) -> Void)? = nil
    ) async throws -> LabServer {
        // One thread: every connection's handler runs on it, which is what makes LabState safe.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = LabState(host: host, clock: clock)
        do {
            let main = try await bootstrap(group: group, state: state, listener: .main).bind(host: host, port: port)
                .get()
            let second: any Channel
            do {
                second = try await bootstrap(group: group, state: state, listener: .second).bind(
                    host: host, port: secondPort
                ).get()
            } catch {
                try? await main.close().get()
                throw error
            }
            guard let mainPort = main.localAddress?.port, let otherPort = second.localAddress?.port else {
                throw LabServerError.noLocalAddress
            }
            try await group.any().submit {
                state.mainPort = mainPort
                state.secondPort = otherPort
            }.get()
            let lab = LabServer(
                host: host, port: mainPort, secondPort: otherPort, group: group, channels: [main, second], state: state)
            onReady?(lab)
            try await main.setOption(.autoRead, value: true).get()
            try await second.setOption(.autoRead, value: true).get()
            return lab
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Closes both listeners and every open connection. Calling it again does nothing.
    public func stop() async throws {
        for channel in channels where channel.isActive {
            do {
                try await channel.close().get()
            } catch ChannelError.alreadyClosed {
                // closed concurrently: fine
            }
        }
        try await group.shutdownGracefully()
    }

    private static func bootstrap(group: MultiThreadedEventLoopGroup, state: LabState, listener: LabListener)
        -> ServerBootstrap
    {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            // Connections wait in the backlog until `start` has recorded both ports: pages and
            // redirects never show port 0, however fast the first client is.
            .serverChannelOption(.autoRead, value: false)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: .seconds(30)))
                    try sync.addHandler(HeaderSectionLimitHandler(limit: LabRouter.maxHeaderSection))
                    try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try sync.addHandler(LabHTTPHandler(state: state, listener: listener))
                }
            }
            .childChannelOption(.maxMessagesPerRead, value: 16)
    }
}

public enum LabServerError: Error, Sendable, CustomStringConvertible {
    case noLocalAddress

    public var description: String {
        switch self {
        case .noLocalAddress: "the lab's listener has no local address"
        }
    }
}

/// Sits before the HTTP decoder and counts the bytes of the header section (request line
/// included). Over the limit before the blank line: a raw `431`, output closed, the rest of the
/// input read and dropped (so the client sees the answer, not a reset). Also closes idle connections.
final class HeaderSectionLimitHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case head(count: Int, tail: UInt32)
        case body
        case rejected(discarded: Int)
    }

    private let limit: Int
    private var state: State = .head(count: 0, tail: 0)

    init(limit: Int) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .body:
            context.fireChannelRead(data)
        case .rejected(let discarded):
            let buffer = unwrapInboundIn(data)
            let total = discarded + buffer.readableBytes
            state = .rejected(discarded: total)
            if total > 4 << 20 { context.close(promise: nil) }
        case .head(var count, var tail):
            let buffer = unwrapInboundIn(data)
            var endOffset: Int? = nil
            buffer.withUnsafeReadableBytes { bytes in
                for (i, byte) in bytes.enumerated() {
                    count += 1
                    tail = tail << 8 | UInt32(byte)
                    // CRLF CRLF ends the head (a bare LF LF too, as lenient parsers accept it).
                    if tail == 0x0D0A_0D0A || tail & 0xFFFF == 0x0A0A {
                        endOffset = i
                        break
                    }
                    if count > limit { break }
                }
            }
            if endOffset != nil, count <= limit {
                state = .body
                context.fireChannelRead(data)
            } else if count > limit {
                state = .rejected(discarded: 0)
                reject(context: context)
            } else {
                state = .head(count: count, tail: tail)
                context.fireChannelRead(data)
            }
        }
    }

    private func reject(context: ChannelHandlerContext) {
        let body = "431 Request Header Fields Too Large: the header section is over \(limit / 1024) KB.\n"
        let head =
            """
            HTTP/1.1 431 Request Header Fields Too Large\r\nServer: why401-lab\r\nContent-Type: text/plain; \
            charset=utf-8\r\n
            """
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let buffer = context.channel.allocator.buffer(string: head + body)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.close(mode: .output, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.fireErrorCaught(error)
    }
}

/// One request per connection: collects the head, counts (and drops) the body, answers via
/// `LabRouter`, then closes.
final class LabHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: LabState
    private let listener: LabListener
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var answered = false

    init(state: LabState, listener: LabListener) {
        self.state = state
        self.listener = listener
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            guard !answered else { return }
            head = requestHead
            bodyBytes = 0
            if let length = requestHead.headers.first(name: "Content-Length").flatMap(Int.init),
                length > LabRouter.maxBody
            {
                tooLarge(context: context)
            }
        case .body(let buffer):
            guard !answered, head != nil else { return }
            bodyBytes += buffer.readableBytes
            if bodyBytes > LabRouter.maxBody { tooLarge(context: context) }
        case .end:
            guard !answered, let head else { return }
            answered = true
            let request = LabRequest(
                method: head.method.rawValue, target: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) }, listener: listener)
            let response = LabRouter.respond(to: request, state: state)
            write(response, isHead: head.method == .HEAD, context: context, closeOutputOnly: false)
        }
    }

    private func tooLarge(context: ChannelHandlerContext) {
        answered = true
        let response = LabResponse.text(
            413, "413 Content Too Large: request bodies are limited to \(LabRouter.maxBody / 1024) KB.\n")
        write(response, isHead: false, context: context, closeOutputOnly: true)
    }

    private func write(_ response: LabResponse, isHead: Bool, context: ChannelHandlerContext, closeOutputOnly: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Date", value: HTTPDate.imfFixdate(Double(state.now() + response.dateOffset)))
        headers.add(name: "Server", value: "why401-lab")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if !response.hasHeader("Cache-Control") { headers.add(name: "Cache-Control", value: "no-store") }
        if response.status != 204 && response.status != 304 {
            headers.add(name: "Content-Length", value: String(response.body.count))
        }
        headers.add(name: "Connection", value: "close")
        let status = HTTPResponseStatus(
            statusCode: response.status, reasonPhrase: HTTPStatusText.reason(response.status))
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !isHead, !response.body.isEmpty, response.status != 204 {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))),
                promise: nil)
        }
        let channel = context.channel
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closeOutputOnly {
            // The client may still be sending the body: stop writing, keep reading (and dropping)
            // so that it reads our answer instead of a connection reset.
            context.close(mode: .output, promise: nil)
        } else {
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// A malformed request: NIO's error handler has already answered 400; stop writing, keep
    /// draining what the client still sends (so it reads the 400, not a reset), close on its EOF
    /// or when idle.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answered = true
        context.close(mode: .output, promise: nil)
    }
}

extension LabServer {
    /// Starts a lab on loopback, runs `body` against it, and always stops it — the scoped form
    /// tests and embedders want (no listener outlives the work).
    public static func with<T>(host: String = "127.0.0.1", _ body: (LabServer) async throws -> T) async throws -> T {
        let lab = try await LabServer.start(host: host)
        do {
            let result = try await body(lab)
            try await lab.stop()
            return result
        } catch {
            try? await lab.stop()
            throw error
        }
    }
}
