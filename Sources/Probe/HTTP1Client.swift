import Evidence
import NIOCore
import NIOHTTP1

/// The wire form of a request, built once so the record shows exactly what was sent.
struct WireRequest {
    var method: HTTPMethod
    var target: String
    var headers: [HeaderField]
    var body: [UInt8]

    /// Adds what a well-behaved client sends (Host, User-Agent, Content-Length, Connection: close)
    /// unless the caller set it: the plan may deliberately test another Host.
    ///
    /// `Connection: close` (HTTP/1 only; HTTP/2 forbids it): one connection per exchange, so each
    /// piece of evidence belongs to exactly one address and no state (e.g. an NTLM handshake or a
    /// keep-alive quirk) leaks from one probe into the next.
    static func build(_ request: ProbeRequest, url: URLParts, options: ProbeOptions, http2: Bool) -> Result<
        WireRequest, ProbeFailure
    > {
        let method = request.method  // case-sensitive (RFC 9110 §9.1): sent as given
        guard !method.isEmpty, method.utf8.allSatisfy(isTokenByte) else {
            return .failure(.other("invalid request method"))
        }
        for field in request.headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(isTokenByte) else {
                return .failure(.other("invalid request header name"))
            }
            // CR/LF/NUL in a value would let a value smuggle extra header lines; the value itself is
            // a possible secret, so only the header's name is reported.
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
                return .failure(.other("request header \(field.name) has a control character in its value"))
            }
        }
        let has: (String) -> Bool = { name in request.headers.contains { $0.name.lowercased() == name } }
        var headers: [HeaderField] = []
        if !has("host") { headers.append(HeaderField("Host", url.hostHeader)) }
        if !has("user-agent") && !options.userAgent.isEmpty {
            headers.append(HeaderField("User-Agent", options.userAgent))
        }
        headers += request.headers
        let bodyless = ["GET", "HEAD", "DELETE", "TRACE", "OPTIONS", "CONNECT"].contains(method.uppercased())
        if !has("content-length") && !has("transfer-encoding") && (!request.body.isEmpty || !bodyless) {
            headers.append(HeaderField("Content-Length", String(request.body.count)))
        }
        if http2 {
            let connectionSpecific: Set<String> = [
                "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
            ]
            headers.removeAll { connectionSpecific.contains($0.name.lowercased()) }
        } else if !has("connection") {
            headers.append(HeaderField("Connection", "close"))
        }
        return .success(
            WireRequest(
                method: HTTPMethod(rawValue: method), target: url.pathAndQuery, headers: headers, body: request.body))
    }

    var head: HTTPRequestHead {
        var h = HTTPHeaders()
        for f in headers { h.add(name: f.name, value: f.value) }
        return HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: h)
    }

    /// RFC 9110 token characters.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }
}

/// HTTP/1.1 on an established (plain or TLS) connection.
enum HTTP1Client {
    /// Adds the codec and collector, then writes the request. Must run on the channel's event loop.
    static func start(channel: Channel, run: ExchangeRun, request: WireRequest) {
        do {
            var limits = NIOHTTPDecoderLimitConfiguration()
            // The watcher enforces the total; the decoder's own limits are raised to match so it
            // does not reject a legitimate large header section earlier with a vaguer error.
            limits.maxHeaderFieldSize = run.options.maxHeaderBytes
            limits.maxHeaderListSize = run.options.maxHeaderBytes
            let sync = channel.pipeline.syncOperations
            try sync.addHTTPClientHandlers(decoderLimitConfiguration: limits)
            try sync.addHandler(ResponseCollector(run: run))
        } catch {
            run.fail(.other("cannot set up HTTP/1.1: \(error)"))
            return
        }
        run.httpVersion = "HTTP/1.1"
        run.countHeaderBytes = true
        write(request, to: channel, run: run)
    }

    /// Writes head, body and end.
    static func write(_ request: WireRequest, to channel: Channel, run: ExchangeRun) {
        channel.write(HTTPClientRequestPart.head(request.head), promise: nil)
        if !request.body.isEmpty {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: request.body))), promise: nil)
        }
        let sent = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: sent)
        // writeAndFlush hands the bytes to the socket synchronously; the answer can only come later.
        run.requestSentAt = .now()
        sent.futureResult.assumeIsolated().whenFailure { error in run.fail(error: error) }
    }
}
