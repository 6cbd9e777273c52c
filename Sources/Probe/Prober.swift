import Evidence
import NIOCore
import NIOPosix
import NIOSSL

/// Sends one request and records one `Exchange`: the live-HTTP edge of why401.
///
/// Why NIO bootstraps and not a client library: the evidence needs the peer address actually
/// connected, per-phase timings, every header line in order with repeats, and hop-by-hop control
/// of redirects — a higher-level client hides all four. Redirects are never followed here; a 3xx
/// is returned like any other answer and the plan decides where credentials may go next.
///
/// Timings are per phase, not cumulative: `dns` the lookup (nil for a literal or a given address),
/// `connect` the TCP handshake, `tls` the TLS handshake, `firstByte` request sent → first response
/// byte (the server's think time, where auth backends show up), `total` the whole `send`.
///
/// Each exchange uses a fresh connection (`Connection: close`), so evidence is per address and no
/// probe can influence the next through connection state.
public final class Prober: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let options: ProbeOptions
    /// Built lazily per ALPN choice; NIOSSLContext is thread-safe and expensive to build.
    private let tlsContexts = Locked<[Bool: NIOSSLContext]>([:])
    private let shutDown = Locked(false)

    public init(options: ProbeOptions = .init()) {
        self.options = options
        // NIO's process-wide group: no thread to start per check and none to join at the end
        // (a CLI run is one short process; library users share it as NIO recommends for clients).
        self.group = MultiThreadedEventLoopGroup.singleton
    }

    /// Sends `request`. With `address`, connects to that IP (v4 or v6) while Host and SNI keep the
    /// URL's name, so the plan can test each resolved address on its own.
    /// Never throws: every failure is a `ProbeResult` whose exchange says what happened.
    public func send(_ request: ProbeRequest, address: String? = nil) async -> ProbeResult {
        let clock = ContinuousClock()
        let started = clock.now
        let startedAt = NIODeadline.now()
        let elapsed = { () -> Double in
            let d = clock.now - started
            return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        let parsed = URLParts.parse(request.url)
        let wire = parsed.flatMap { WireRequest.build(request, url: $0, options: options, http2: false) }
        let recordedHeaders = (try? wire.get().headers) ?? request.headers
        func result(_ outcome: RunOutcome, dns: Double?) -> ProbeResult {
            let total = elapsed()
            let response =
                outcome.failure == nil
                ? outcome.status.map {
                    RecordedResponse(
                        status: $0, headers: outcome.headers, bodyPrefix: Array(outcome.body.prefix(65_536)),
                        rawChallengeFields: outcome.rawChallengeFields)
                } : nil
            let failure = outcome.failure ?? (response == nil ? .protocolError("no response") : nil)
            var headers = recordedHeaders
            if outcome.httpVersion == "HTTP/2",
                let built = try? parsed.flatMap({
                    WireRequest.build(request, url: $0, options: options, http2: true)
                }).get()
            {
                headers = built.headers
            }
            let exchange = Exchange(
                request: RecordedRequest(method: request.method, url: request.url, headers: headers),
                response: response, peer: outcome.peer, milliseconds: total, purpose: request.purpose,
                timings: Timings(
                    dns: dns, connect: outcome.connect, tls: outcome.tls, firstByte: outcome.firstByte, total: total),
                httpVersion: outcome.httpVersion, failure: failure?.description)
            return ProbeResult(
                exchange: exchange, failure: failure,
                rawResponseHeaders: failure == nil ? outcome.headers : [],
                body: failure == nil ? outcome.body : [])
        }
        func failed(_ f: ProbeFailure, dns: Double? = nil) -> ProbeResult { result(RunOutcome(failure: f), dns: dns) }

        guard !shutDown.withLock({ $0 }) else { return failed(.other("prober is shut down")) }
        let url: URLParts
        let wireRequest: WireRequest
        switch (parsed, wire) {
        case (.success(let u), .success(let w)):
            url = u
            wireRequest = w
        case (.failure(let f), _), (_, .failure(let f)): return failed(f)
        }

        // Which address: the caller's, the --resolve map's, the literal, or the system resolver's first.
        var dns: Double?
        let target: String
        if let address {
            target = address
        } else if let mapped = options.resolve[url.resolveKey]?.first
            ?? options.resolve["\(url.host):\(url.port)"]?.first
        {
            target = mapped
        } else if Resolver.isIPLiteral(url.host) {
            target = url.host
        } else {
            let dnsStart = elapsed()
            let answer = await Resolver.resolve(host: url.host, timeout: min(options.deadline, 30))
            dns = elapsed() - dnsStart
            switch answer {
            case .success(let list): target = list[0]
            case .failure(let f): return failed(f, dns: dns)
            }
        }
        let bare = target.hasPrefix("[") && target.hasSuffix("]") ? String(target.dropFirst().dropLast()) : target
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: bare, port: url.port)
        } catch {
            return failed(
                .other("not an IP address to connect to: \(ProbeFailure.oneLine(String(bare.prefix(64))))"), dns: dns)
        }
        let display = bare.contains(":") ? "[\(bare)]:\(url.port)" : "\(bare):\(url.port)"

        var sslContext: NIOSSLContext?
        if url.isTLS {
            do { sslContext = try tlsContext() } catch {
                return failed(.tlsFailed(reason: "cannot set up TLS: " + TLSConfig.reason(for: error)), dns: dns)
            }
        }
        let remaining = options.deadline - elapsed() / 1000
        guard remaining > 0 else { return failed(.deadlineExceeded, dns: dns) }

        let outcome = await run(
            url: url, request: wireRequest, to: socketAddress, display: display,
            ssl: sslContext, remaining: remaining, startedAt: startedAt)
        return result(outcome, dns: dns)
    }

    private func run(
        url: URLParts, request: WireRequest, to address: SocketAddress, display: String,
        ssl: NIOSSLContext?, remaining: Double, startedAt: NIODeadline
    ) async -> RunOutcome {
        let loop = group.next()
        let run = ExchangeRun(eventLoop: loop, options: options, startedAt: startedAt, isTLS: ssl != nil)
        let options = self.options
        loop.execute {
            run.deadlineTask = loop.scheduleTask(in: Self.amount(remaining)) { run.fail(.deadlineExceeded) }
            run.onHandshake = { proto in
                guard let channel = run.channel else { return }
                if proto == "h2" {
                    HTTP2Client.start(channel: channel, run: run, request: request)
                } else {
                    HTTP1Client.start(channel: channel, run: run, request: request)
                }
            }
            let serverName = TLSConfig.serverName(for: url.host)
            run.connectStartedAt = .now()
            ClientBootstrap(group: loop)
                .connectTimeout(Self.amount(min(options.connectTimeout, remaining)))
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let ssl {
                            try sync.addHandler(NIOSSLClientHandler(context: ssl, serverHostname: serverName))
                        }
                        try sync.addHandler(IdleStateHandler(readTimeout: Self.amount(options.readTimeout)))
                        try sync.addHandler(ConnectionWatcher(run: run))
                    }
                }
                .connect(to: address)
                .assumeIsolated()
                .whenComplete { result in
                    switch result {
                    case .success(let channel):
                        if run.finished {
                            channel.close(promise: nil)
                            return
                        }
                        run.channel = channel
                        run.connectedAt = .now()
                        run.peer = channel.remoteAddress.map(Self.describe) ?? display
                        if ssl == nil { HTTP1Client.start(channel: channel, run: run, request: request) }
                    case .failure(let error):
                        run.fail(Self.connectFailure(error, display: display))
                    }
                }
        }
        return (try? await run.promise.futureResult.get()) ?? RunOutcome(failure: .other("exchange abandoned"))
    }

    /// Shuts the event loop down; call once when done (a `Prober` is cheap to keep for many sends).
    public func shutdown() async {
        let first = shutDown.withLock { old -> Bool in
            defer { old = true }
            return !old
        }
        guard first else { return }
        // The singleton group is never shut down; later sends on this prober are refused.
    }

    private func tlsContext() throws -> NIOSSLContext {
        try tlsContexts.withLock { cache in
            if let c = cache[options.preferHTTP2] { return c }
            let c = try TLSConfig.makeContext(insecure: options.insecure, offerH2: options.preferHTTP2)
            cache[options.preferHTTP2] = c
            return c
        }
    }

    static func amount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(max(0.001, min(seconds, 86_400)) * 1e9))
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    static func connectFailure(_ error: Error, display: String) -> ProbeFailure {
        if let e = error as? ChannelError, case .connectTimeout = e { return .connectTimeout(address: display) }
        if let e = error as? IOError {
            if e.errnoCode == ECONNREFUSED { return .connectionRefused(address: display) }
            return .other("connect to \(display) failed: \(e)")
        }
        if let e = error as? NIOConnectionError {
            if e.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return .connectionRefused(address: display)
            }
        }
        return .other("connect to \(display) failed: \(error)")
    }
}
