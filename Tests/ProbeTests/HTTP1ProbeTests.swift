import Evidence
import Foundation
import HTTPAuth
import Probe
import TestSupport
import Testing

/// Real sockets on 127.0.0.1 against the raw test server.
@Suite struct HTTP1ProbeTests {
    static let challenge401 = """
        HTTP/1.1 401 Unauthorized\r
        WWW-Authenticate: Basic realm="a"\r
        Set-Cookie: session=s3cr3tcookie; Path=/; HttpOnly\r
        www-authenticate: Digest realm="b", nonce="n1", qop="auth"\r
        Set-Cookie: csrf=tok3nvalue\r
        WWW-Authenticate: Bearer realm="c"\r
        Content-Length: 6\r
        \r
        denied
        """

    @Test func recordsEveryHeaderLineInOrderAndMasksSecrets() async throws {
        let server = try await RawServer.start(.respond(Self.challenge401))
        let prober = Prober()
        let secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0cGF5bG9hZA.sig"
        let result = await prober.send(
            ProbeRequest(
                url: "http://127.0.0.1:\(server.port)/private?x=1",
                headers: [HeaderField("Authorization", "Bearer \(secret)")], purpose: "as given"))
        await prober.shutdown()
        await server.stop()

        #expect(result.failure == nil)
        let response = try #require(result.exchange.response)
        #expect(response.status == 401)
        #expect(
            response.headers.map(\.name) == [
                "WWW-Authenticate", "Set-Cookie", "www-authenticate", "Set-Cookie", "WWW-Authenticate",
                "Content-Length",
            ])
        #expect(
            response.headers.values("www-authenticate") == [
                "Basic realm=\"a\"", "Digest realm=\"b\", nonce=\"n1\", qop=\"auth\"", "Bearer realm=\"c\"",
            ])
        // Masked in the evidence, raw for the plan's logic.
        let recordedCookies = response.headers.values("set-cookie")
        #expect(recordedCookies.count == 2)
        #expect(!recordedCookies.joined().contains("s3cr3tcookie"))
        #expect(!recordedCookies.joined().contains("tok3nvalue"))
        #expect(
            result.rawResponseHeaders.values("set-cookie") == [
                "session=s3cr3tcookie; Path=/; HttpOnly", "csrf=tok3nvalue",
            ])
        #expect(result.body == Array("denied".utf8))
        #expect(response.bodyPrefix == Array("denied".utf8))
        // The Authorization value never appears anywhere in the exchange.
        #expect(!String(describing: result.exchange).contains(secret))
        #expect(!String(describing: result.exchange).contains("c2VjcmV0cGF5bG9hZA"))
        // The request as sent: Host and User-Agent added first, Connection: close, header kept.
        #expect(result.exchange.request.headers.map(\.name) == ["Host", "User-Agent", "Authorization", "Connection"])
        #expect(result.exchange.request.headers.first("host") == "127.0.0.1:\(server.port)")
        #expect(result.exchange.request.method == "GET")
        #expect(result.exchange.purpose == "as given")
        #expect(result.exchange.peer == "127.0.0.1:\(server.port)")
        #expect(result.exchange.httpVersion == "HTTP/1.1")
        let t = try #require(result.exchange.timings)
        #expect(t.dns == nil && t.tls == nil)
        #expect(t.connect != nil && t.firstByte != nil && t.total != nil)
        // What reached the server.
        let seen = try #require(server.recorder.requests.first)
        #expect(seen.hasPrefix("GET /private?x=1 HTTP/1.1\r\n"))
        #expect(seen.contains("Authorization: Bearer \(secret)"))
        #expect(seen.contains("Connection: close"))
    }

    @Test func headResponseEndsOnFramingNotOnClose() async throws {
        let server = try await RawServer.start(
            .respondKeepOpen(
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 1234\r\n\r\n"))
        var options = ProbeOptions()
        // Waiting for the close would take the whole 30 s read timeout; framing ends it at once.
        options.readTimeout = 30
        options.deadline = 60
        let prober = Prober(options: options)
        let result = await prober.send(ProbeRequest(method: "HEAD", url: "http://127.0.0.1:\(server.port)/"))
        await prober.shutdown()
        await server.stop()
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(result.exchange.response?.status == 401)
        #expect(result.body.isEmpty)
    }

    @Test("a body framed by the connection's close (no Content-Length, not chunked) is a complete response")
    func closeDelimitedBodyIsComplete() async throws {
        let raw =
            """
            HTTP/1.1 401 Unauthorized\r\nServer: WSGIServer/0.2 CPython/3.11.7\r\nWWW-Authenticate: \
            Token\r\nConnection: close\r\n\r\n{\"detail\":\"Invalid token.\"}
            """
        let server = try await RawServer.start(.respond(raw))
        let prober = Prober()
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(server.port)/me"))
        await prober.shutdown()
        await server.stop()
        #expect(result.failure == nil, "\(String(describing: result.failure))")
        #expect(result.exchange.response?.status == 401)
        #expect(result.body == Array(#"{"detail":"Invalid token."}"#.utf8))
    }

    @Test(
        """
        a realm in ISO-8859-1 reaches the challenge parser as the bytes that arrived: read as Latin-1, flagged at \
        its offset
        """
    )
    func latin1RealmSurvivesTheProbe() async throws {
        let head =
            Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"caf".utf8)
            + [0xE9]
            + Array("\"\r\nwww-authenticate:  Bearer realm=\"api\"  \r\nContent-Length: 0\r\n\r\n".utf8)
        let server = try await RawServer.start(.respondBytes(head))
        let prober = Prober()
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(server.port)/"))
        await prober.shutdown()
        await server.stop()
        let response = try #require(result.exchange.response, "\(String(describing: result.failure))")
        #expect(
            response.rawChallengeFields == [
                Array("Basic realm=\"caf".utf8) + [0xE9, 0x22], Array("Bearer realm=\"api\"".utf8),
            ])
        let evidence = ChallengeEvidence(response: response)
        #expect(evidence.challenges.first?.realm == "café")
        #expect(evidence.challenges.last?.realm == "api")
        let deviation = try #require(evidence.parsed.deviations.first { $0.kind == .invalidUTF8 })
        #expect(deviation.offset == 16, "\(deviation)")
    }

    @Test func chunkedBodyIsDecoded() async throws {
        let server = try await RawServer.start(
            .respondKeepOpen(
                "HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n3\r\n!!!\r\n0\r\n\r\n"))
        let prober = Prober()
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(server.port)/"))
        await prober.shutdown()
        await server.stop()
        #expect(result.failure == nil)
        #expect(result.body == Array("nope!!!".utf8))
    }

    @Test func malformedResponseIsAProtocolError() async throws {
        let server = try await RawServer.start(.respond("SSH-2.0-OpenSSH_9.2\r\n\r\n"))
        let prober = Prober()
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(server.port)/"))
        await prober.shutdown()
        await server.stop()
        guard case .protocolError = result.failure else {
            Issue.record("expected protocolError, got \(String(describing: result.failure))")
            return
        }
    }

    @Test func redirectIsReturnedNotFollowed() async throws {
        let server = try await RawServer.start(
            .respond("HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Length: 0\r\n\r\n"))
        let prober = Prober()
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(server.port)/"))
        await prober.shutdown()
        await server.stop()
        #expect(result.exchange.response?.status == 302)
        #expect(result.exchange.response?.headers.first("location") == "/login")
        #expect(server.recorder.requests.count == 1)
    }

    @Test func silentServerEndsWithReadTimeout() async throws {
        let server = try await RawServer.start(.silent)
        var options = ProbeOptions()
        options.readTimeout = 1
        options.deadline = 30
        let prober = Prober(options: options)
        let started = Date()
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(server.port)/"))
        let elapsed = Date().timeIntervalSince(started)
        await prober.shutdown()
        await server.stop()
        #expect(result.failure == .readTimeout)
        #expect(result.exchange.response == nil)
        #expect(result.exchange.failure == ProbeFailure.readTimeout.description)
        // Ended by the 1 s read timeout (the failure kind), not the 30 s deadline.
        #expect(elapsed >= 0.9)
    }

    @Test func deadlineBoundsTheWholeExchange() async throws {
        let server = try await RawServer.start(.silent)
        var options = ProbeOptions()
        // The deadline, not the 60 s read timeout, must end it.
        options.deadline = 0.5
        options.readTimeout = 60
        let prober = Prober(options: options)
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(server.port)/"))
        await prober.shutdown()
        await server.stop()
        #expect(result.failure == .deadlineExceeded)
    }

    @Test func refusedPortFailsFast() async throws {
        let port = try FreePort.find()
        // A refused connection must not be retried until a (30 s) connect timeout.
        var options = ProbeOptions()
        options.connectTimeout = 30
        let prober = Prober(options: options)
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(port)/"))
        await prober.shutdown()
        // .connectionRefused, not .connectTimeout: the refusal was not retried until the timeout.
        #expect(result.failure == .connectionRefused(address: "127.0.0.1:\(port)"))
        #expect(result.exchange.failure?.contains("refused") == true)
    }

    @Test func hugeHeaderIsAnErrorNotAHang() async throws {
        let big = String(repeating: "a", count: 1_000_000)
        let server = try await RawServer.start(
            .respond("HTTP/1.1 200 OK\r\nX-Big: \(big)\r\nContent-Length: 0\r\n\r\n"))
        let prober = Prober()
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(server.port)/"))
        await prober.shutdown()
        await server.stop()
        #expect(result.failure == .headersTooLarge)
        #expect(result.exchange.response == nil)
    }

    @Test func hugeBodyIsTruncatedAndFast() async throws {
        let server = try await RawServer.start(
            .stream(head: "HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n", bodyBytes: 10_485_760))
        // Reading all 10 MB would not fail, so the cap is shown by the count and a bound far below
        // the 60 s deadline.
        var options = ProbeOptions()
        options.deadline = 60
        options.readTimeout = 60
        let prober = Prober(options: options)
        let result = await prober.send(ProbeRequest(url: "http://127.0.0.1:\(server.port)/"))
        await prober.shutdown()
        await server.stop()
        #expect(result.failure == nil)
        #expect(result.body.count == 65536)
        #expect(result.exchange.response?.bodyPrefix.count == 65536)
    }

    @Test func addressOverrideKeepsHostName() async throws {
        let server = try await RawServer.start(.respond("HTTP/1.1 204 No Content\r\n\r\n"))
        let prober = Prober()
        let result = await prober.send(ProbeRequest(url: "http://example.test:\(server.port)/"), address: "127.0.0.1")
        await prober.shutdown()
        await server.stop()
        #expect(result.exchange.response?.status == 204)
        #expect(result.exchange.peer == "127.0.0.1:\(server.port)")
        #expect(result.exchange.timings?.dns == nil)
        let seen = try #require(server.recorder.requests.first)
        #expect(seen.contains("\r\nHost: example.test:\(server.port)\r\n"))
    }

    @Test func resolveMapActsLikeCurlResolve() async throws {
        let server = try await RawServer.start(.respond("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        var options = ProbeOptions()
        options.resolve = ["example.test:\(server.port)": ["127.0.0.1"]]
        let prober = Prober(options: options)
        let result = await prober.send(
            ProbeRequest(method: "POST", url: "http://EXAMPLE.test:\(server.port)/form", body: Array("a=1".utf8)))
        await prober.shutdown()
        await server.stop()
        #expect(result.exchange.response?.status == 200)
        #expect(result.body == Array("ok".utf8))
        let seen = try #require(server.recorder.requests.first)
        #expect(seen.hasPrefix("POST /form HTTP/1.1"))
        #expect(seen.contains("Host: example.test:\(server.port)"))
        #expect(result.exchange.request.headers.first("content-length") == "3")
    }

    @Test func ipv6LoopbackWhenAvailable() async throws {
        let server = try await RawServer.start(.respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        let prober = Prober()
        // The server listens on IPv4 only: connecting to ::1 is refused (or unreachable without IPv6),
        // which shows the address is used as given and printed bracketed.
        let result = await prober.send(ProbeRequest(url: "http://localhost:\(server.port)/"), address: "::1")
        await prober.shutdown()
        await server.stop()
        #expect(result.failure != nil)
        #expect(result.exchange.failure?.contains("[::1]:\(server.port)") == true)
    }

    @Test(arguments: [
        ("not a url", "invalid URL"),
        ("ftp://example.com/file", "unsupported scheme"),
        ("http:///path", "empty host"),
        ("http://example.com:99999/", "bad port"),
        ("http://example.com:abc/", "bad port"),
        ("", "empty URL"),
        ("http://[::1/", "IPv6"),
    ])
    func hostileURLsAreFailuresNotCrashes(url: String, expected: String) async {
        let prober = Prober()
        let result = await prober.send(ProbeRequest(url: url))
        await prober.shutdown()
        #expect(result.exchange.response == nil)
        let failure = result.exchange.failure ?? ""
        #expect(failure.contains(expected), "\(failure)")
    }

    @Test func headerInjectionIsRefusedWithoutEchoingTheValue() async {
        let prober = Prober()
        let result = await prober.send(
            ProbeRequest(
                url: "http://127.0.0.1:1/", headers: [HeaderField("Authorization", "Basic c2VjcmV0\r\nX-Evil: 1")]))
        await prober.shutdown()
        #expect(result.failure != nil)
        #expect(!(result.exchange.failure ?? "").contains("c2VjcmV0"))
        #expect(!String(describing: result.exchange).contains("c2VjcmV0"))
    }

    @Test func urlPasswordIsMaskedInTheRecord() async throws {
        let server = try await RawServer.start(.respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        let prober = Prober()
        let result = await prober.send(ProbeRequest(url: "http://alice:hunter2pw@127.0.0.1:\(server.port)/"))
        await prober.shutdown()
        await server.stop()
        #expect(result.exchange.response?.status == 200)
        #expect(!String(describing: result.exchange).contains("hunter2pw"))
        // Userinfo is not turned into Authorization by the prober: that is the plan's decision.
        #expect(server.recorder.requests.first?.lowercased().contains("authorization") == false)
    }
}
