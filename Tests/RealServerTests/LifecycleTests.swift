// Lifecycle of the harness itself: explicit start/stop, idempotent stop, timings, start failures.
import Foundation
import TestSupport
import Testing

@Suite("Real server lifecycle")
struct LifecycleTests {
    @Test("Apache: explicit start, stop twice, port closed; timings printed")
    func apacheLifecycle() async throws {
        try RealServers.requireApache()
        let clock = ContinuousClock()
        var starts: [Duration] = []
        var stops: [Duration] = []
        for _ in 0..<3 {
            let server = try ApacheServer(config: "", files: [.text("htdocs/index.html", "hi\n")])
            defer { server.stopAndRemove() }
            let t0 = clock.now
            try await server.start()
            let t1 = clock.now
            #expect(server.isListening)
            #expect(try HTTPProbe.get(server.url("/")).bodyText == "hi\n")
            let port = server.port
            server.stop()
            let t2 = clock.now
            server.stop()
            #expect(!Loopback.isListening(port: port))
            starts.append(t1 - t0)
            stops.append(t2 - t1)
        }
        print("TIMING apache start \(starts) stop \(stops)")
    }

    @Test("nginx: explicit start, stop twice, port closed; timings printed")
    func nginxLifecycle() async throws {
        try RealServers.requireNginx()
        let clock = ContinuousClock()
        var starts: [Duration] = []
        var stops: [Duration] = []
        for _ in 0..<3 {
            let server = try NginxServer(config: "", files: [.text("htdocs/index.html", "hi\n")])
            defer { server.stopAndRemove() }
            let t0 = clock.now
            try await server.start()
            let t1 = clock.now
            #expect(try HTTPProbe.get(server.url("/index.html")).bodyText == "hi\n")
            let port = server.port
            server.stop()
            let t2 = clock.now
            server.stop()
            #expect(!Loopback.isListening(port: port))
            starts.append(t1 - t0)
            stops.append(t2 - t1)
        }
        print("TIMING nginx start \(starts) stop \(stops)")
    }

    @Test("A broken config fails start with the server's own message")
    func brokenConfig() async throws {
        try RealServers.requireApache()
        try RealServers.requireNginx()
        await #expect {
            try await withApache(config: "NoSuchDirective on") { _ in }
        } throws: { error in
            "\(error)".contains("NoSuchDirective")
        }
        await #expect {
            try await withNginx(config: "no_such_directive on;") { _ in }
        } throws: { error in
            "\(error)".contains("no_such_directive")
        }
    }

    @Test("info log level and a CGI script readable by the worker user")
    func cgiAndLogLevel() async throws {
        try RealServers.requireApache()
        let config = """
            ScriptAlias /cgi-bin/ "{{ROOT}}/cgi-bin/"
            <Directory "{{ROOT}}/cgi-bin">
                Options +ExecCGI
                Require all granted
            </Directory>
            """
        try await withApache(
            config: config,
            files: [
                .script(
                    "cgi-bin/env.cgi",
                    """
                    #!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nid -un\nprintf 'auth=%s\\n' \
                    \"${HTTP_AUTHORIZATION:-none}\"\n
                    """
                )
            ],
            options: ApacheOptions(logLevel: "info")
        ) { apache in
            let r = try HTTPProbe.get(apache.url("/cgi-bin/env.cgi"), headers: [("Authorization", "Bearer abc")])
            #expect(r.status == 200, "\(r)\n\(apache.readErrorLog())")
            #expect(r.bodyText.contains("auth=none"))  // no CGIPassAuth: the script never sees it
            if geteuid() == 0 { #expect(r.bodyText.hasPrefix("www-data")) }
            let conf = try String(contentsOfFile: apache.configPath, encoding: .utf8)
            #expect(conf.contains("LogLevel info"))
        }
    }
}
