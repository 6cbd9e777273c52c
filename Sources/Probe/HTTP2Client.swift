import NIOCore
import NIOHTTP1
import NIOHTTP2

/// HTTP/2 on a TLS connection where the server chose `h2` by ALPN.
///
/// One stream per connection (the connection is closed when the exchange ends), translated to the
/// HTTP/1 message parts by `HTTP2FramePayloadToHTTP1ClientCodec`, so the same `ResponseCollector`
/// records both protocols and the evidence looks alike apart from `httpVersion`.
enum HTTP2Client {
    static func start(channel: Channel, run: ExchangeRun, request: WireRequest) {
        run.httpVersion = "HTTP/2"
        let multiplexer: NIOHTTP2Handler.StreamMultiplexer
        do {
            var connection = NIOHTTP2Handler.ConnectionConfiguration()
            // HPACK decoding is bounded by our header limit, the way the watcher bounds HTTP/1 header bytes.
            var settings = nioDefaultSettings.filter { $0.parameter != .maxHeaderListSize }
            settings.append(
                HTTP2Setting(parameter: .maxHeaderListSize, value: min(run.options.maxHeaderBytes, Int(UInt32.max))))
            connection.initialSettings = settings
            multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                mode: .client,
                connectionConfiguration: connection,
                streamConfiguration: .init(),
                inboundStreamInitializer: { stream in stream.close() }  // no server push wanted
            )
        } catch {
            run.fail(.other("cannot set up HTTP/2: \(error)"))
            return
        }
        let streamReady = channel.eventLoop.makePromise(of: Channel.self)
        multiplexer.createStreamChannel(promise: streamReady) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .https))
                try stream.pipeline.syncOperations.addHandler(ResponseCollector(run: run))
            }
        }
        streamReady.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let stream): HTTP1Client.write(request, to: stream, run: run)
            case .failure(let error): run.fail(error: error)
            }
        }
    }
}
