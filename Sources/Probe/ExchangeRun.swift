import Evidence
import NIOCore
import NIOHTTP1
import NIOSSL
// NIOTLS (TLSUserEvent) comes with NIOSSL; it should be listed in Package.swift for this target.
import NIOTLS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a finished run hands back to `Prober` (immutable, crosses threads).
struct RunOutcome: Sendable {
    var failure: ProbeFailure?
    var status: Int?
    var headers: [HeaderField] = []
    var body: [UInt8] = []
    /// The `WWW-Authenticate` / `Proxy-Authenticate` values as the bytes that arrived (HTTP/1):
    /// the decoder turns header bytes into Strings, and a realm in ISO-8859-1 would be lost.
    var rawChallengeFields: [[UInt8]] = []
    var peer: String?
    var httpVersion: String?
    var connect: Double?
    var tls: Double?
    var firstByte: Double?
}

/// The mutable state of one exchange, shared by the handlers of one connection.
///
/// Why one object instead of state spread across handlers: several things can end an exchange
/// (response end, body cap, read timeout, deadline, peer close, error), in any order, and exactly
/// the first one must win. Everything here runs on the channel's event loop, which is what makes
/// the `@unchecked Sendable` sound.
final class ExchangeRun: @unchecked Sendable {
    let eventLoop: EventLoop
    let options: ProbeOptions
    let promise: EventLoopPromise<RunOutcome>
    let startedAt: NIODeadline
    let isTLS: Bool

    var channel: Channel?
    /// When the TCP connect began (after DNS): phases are timed separately, not cumulatively.
    var connectStartedAt: NIODeadline?
    var connectedAt: NIODeadline?
    var handshakeAt: NIODeadline?
    var requestSentAt: NIODeadline?
    var firstByteAt: NIODeadline?
    var peer: String?
    var httpVersion: String?
    /// Only HTTP/1 counts raw header bytes (HPACK has its own list-size limit).
    var countHeaderBytes = false
    var headerBytesSeen = 0
    /// The bytes of the response head(s) as received, up to `maxHeaderBytes` (HTTP/1 only).
    var rawHead: [UInt8] = []
    var headReceived = false
    var status: Int?
    var headers: [HeaderField] = []
    var body: [UInt8] = []
    private(set) var finished = false
    var deadlineTask: Scheduled<Void>?
    /// Called once the TLS handshake is done, with the ALPN protocol the server chose.
    var onHandshake: ((String?) -> Void)?

    init(eventLoop: EventLoop, options: ProbeOptions, startedAt: NIODeadline, isTLS: Bool) {
        self.eventLoop = eventLoop
        self.options = options
        self.promise = eventLoop.makePromise(of: RunOutcome.self)
        self.startedAt = startedAt
        self.isTLS = isTLS
    }

    func succeed() { complete(nil) }

    func fail(_ failure: ProbeFailure) { complete(failure) }

    /// Maps whatever error a handler saw into a failure, by phase: an error before the handshake
    /// finished is a TLS problem whatever its type.
    func fail(error: Error) {
        if isTLS && connectedAt != nil && handshakeAt == nil {
            fail(.tlsFailed(reason: TLSConfig.reason(for: error)))
        } else {
            fail(Self.classify(error))
        }
    }

    private func complete(_ failure: ProbeFailure?) {
        guard !finished else { return }
        finished = true
        // Break the run's reference cycles now (the deadline's closure, the handshake callback and the
        // channel all lead back to this run): otherwise every exchange stays in memory for good.
        deadlineTask?.cancel()
        deadlineTask = nil
        onHandshake = nil
        var out = RunOutcome(failure: failure, peer: peer, httpVersion: httpVersion)
        if failure == nil {
            out.status = status
            out.headers = headers
            out.body = body
            out.rawChallengeFields = RawHead.challengeFields(rawHead, proxy: status == 407)
        }
        out.connect = connectedAt.map { ms(connectStartedAt ?? startedAt, $0) }
        out.tls = handshakeAt.flatMap { h in connectedAt.map { ms($0, h) } }
        out.firstByte = firstByteAt.flatMap { f in requestSentAt.map { ms($0, f) } }
        let open = channel
        channel = nil
        open?.close(promise: nil)
        promise.succeed(out)
    }

    private func ms(_ a: NIODeadline, _ b: NIODeadline) -> Double {
        Double((b - a).nanoseconds) / 1_000_000
    }

    static func classify(_ error: Error) -> ProbeFailure {
        if let e = error as? HTTPParserError {
            if e == .headerOverflow { return .headersTooLarge }
            return .protocolError("malformed response (\(e))")
        }
        if let e = error as? IOError {
            if e.errnoCode == ECONNRESET { return .protocolError("connection reset by peer") }
            return .other("I/O error: \(e)")
        }
        if let e = error as? NIOSSLError, case .uncleanShutdown = e {
            return .protocolError("connection closed without TLS close_notify before the response ended")
        }
        if let e = error as? ChannelError {
            if case .ioOnClosedChannel = e { return .protocolError("connection closed before a complete response") }
            return .other("channel error: \(e)")
        }
        return .other(String(describing: error))
    }
}

/// Sits right after TLS (or first, on plain TCP) and watches the connection as a whole: the
/// handshake result, the idle timer, errors and EOF. It forwards everything unchanged.
///
/// It also counts header bytes *before* the HTTP/1 decoder, so a server that streams an endless
/// header section is cut off at `maxHeaderBytes` instead of growing a buffer without bound.
final class ConnectionWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let run: ExchangeRun

    init(run: ExchangeRun) { self.run = run }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !run.finished else { return }
        let buffer = unwrapInboundIn(data)
        let bytes = buffer.readableBytes
        // Keep the head's raw bytes before the decoder (which may finish the head in this very
        // read) turns them into Strings.
        if run.countHeaderBytes && !run.headReceived && run.rawHead.count < run.options.maxHeaderBytes {
            run.rawHead.append(
                contentsOf: buffer.readableBytesView.prefix(run.options.maxHeaderBytes - run.rawHead.count))
        }
        if run.requestSentAt != nil && run.firstByteAt == nil && run.countHeaderBytes {
            run.firstByteAt = .now()
        }
        context.fireChannelRead(data)
        if run.countHeaderBytes && !run.headReceived {
            run.headerBytesSeen += bytes
            if run.headerBytesSeen > run.options.maxHeaderBytes { run.fail(.headersTooLarge) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            run.fail(.readTimeout)
            return
        }
        if let tls = event as? TLSUserEvent, case .handshakeCompleted(let proto) = tls {
            run.handshakeAt = .now()
            let callback = run.onHandshake
            run.onHandshake = nil
            callback?(proto)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        run.fail(error: error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if run.isTLS && run.handshakeAt == nil {
            run.fail(.tlsFailed(reason: "connection closed during the handshake"))
        }
        // The HTTP/1 decoder behind us ends a body that has neither Content-Length nor chunked
        // framing at EOF (RFC 9112 §6.3, Python's WSGI servers do this): let it see the close
        // first; only a response still open after that is incomplete.
        context.fireChannelInactive()
        run.fail(.protocolError("connection closed before a complete response"))
    }
}

/// Receives the decoded response (from the HTTP/1 decoder, or from the HTTP/2 stream codec, which
/// produces the same parts) and records it: every header line in order with repeats, and at most
/// `maxBodyBytes` of body, after which the connection is closed rather than drained.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let run: ExchangeRun

    init(run: ExchangeRun) { self.run = run }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !run.finished else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            run.headReceived = true
            if run.firstByteAt == nil { run.firstByteAt = .now() }
            run.status = Int(head.status.code)
            run.headers = head.headers.map { HeaderField($0.name, $0.value) }
        case .body(var buffer):
            let room = run.options.maxBodyBytes - run.body.count
            if buffer.readableBytes >= room {
                if room > 0, let bytes = buffer.readBytes(length: room) { run.body += bytes }
                run.succeed()  // cap reached: stop here, the close discards the rest
            } else {
                run.body += buffer.readableBytesView
            }
        case .end:
            run.succeed()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        run.fail(error: error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        run.fail(.protocolError("stream closed before a complete response"))
        context.fireChannelInactive()
    }
}

/// Reads header values back out of a raw HTTP/1 response head.
enum RawHead {
    /// The values of `WWW-Authenticate` (or `Proxy-Authenticate` for a 407) in the final
    /// (non-1xx) head, in order, as bytes with surrounding whitespace trimmed.
    static func challengeFields(_ raw: [UInt8], proxy: Bool) -> [[UInt8]] {
        let wanted = Array((proxy ? "proxy-authenticate" : "www-authenticate").utf8)
        var heads: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i + 3 < raw.count {
            if raw[i] == 13 && raw[i + 1] == 10 && raw[i + 2] == 13 && raw[i + 3] == 10 {
                heads.append(raw[start..<i])
                start = i + 4
                i += 4
            } else {
                i += 1
            }
        }
        // The final head: the first whose status line is not 1xx (`HTTP/1.1 1..`).
        guard let head = heads.first(where: { $0.count < 9 || $0[$0.startIndex + 9] != UInt8(ascii: "1") }) else {
            return []
        }
        var fields: [[UInt8]] = []
        for line in head.split(separator: 10, omittingEmptySubsequences: true).dropFirst() {
            var line = line
            if line.last == 13 { line = line.dropLast() }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = line[line.startIndex..<colon].map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
            guard name == wanted else { continue }
            let value = line[line.index(after: colon)...].drop(while: { $0 == 32 || $0 == 9 })
            var trimmed = Array(value)
            while let last = trimmed.last, last == 32 || last == 9 { trimmed.removeLast() }
            fields.append(trimmed)
        }
        return fields
    }
}
