import Foundation
import HTTPAuth
import Lab
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `why401 har` on HAR files written by a real producer — mitmproxy's `hardump` in reverse mode in
/// front of the lab and of a real Apache — plus bad input, the size limit and the secret check.
@Suite(.serialized) struct HARCLITests {
    /// Runs mitmdump in reverse mode in front of `upstream`, calls `traffic` with the proxy's base URL,
    /// stops mitmdump (which writes the HAR on exit) and returns the HAR's path in `dir`.
    static func record(upstream: String, into dir: TempDirectory, _ traffic: (String) throws -> Void) async throws
        -> String
    {
        let har = dir.path("recorded.har")
        let proxy = try await PythonApp.start(
            files: [:],
            arguments: [
                "-c", "import sys; from mitmproxy.tools.main import mitmdump; sys.argv[0] = 'mitmdump'; mitmdump()",
                "--mode", "reverse:\(upstream)", "--listen-host", "127.0.0.1", "--listen-port", "{{PORT}}", "--set",
                "hardump=\(har)", "-q",
            ])
        do {
            try traffic(proxy.baseURL)
        } catch {
            proxy.stop()
            throw error
        }
        proxy.stop()  // SIGTERM: mitmproxy's done() hook writes the HAR
        #expect(FileManager.default.fileExists(atPath: har), "mitmdump wrote no HAR: \(proxy.log)")
        return har
    }

    static func curl(_ arguments: [String]) throws {
        let result = try ProcessRunner.run(
            "curl", ["-s", "-o", "/dev/null", "--max-time", "10"] + arguments, timeout: 20)
        #expect(result.status == 0, "curl \(arguments): \(result)")
    }

    static func entries(_ json: String) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(object["entries"] as? [[String: Any]])
    }

    @Test func mitmdumpRecordingOfTheLab() async throws {
        try PythonEnvironment.require(["mitmproxy"])
        let dir = try TempDirectory(prefix: "why401-har")
        defer { dir.remove() }
        let lab = try await LabServer.start()
        let expiredToken: String
        if case .bearer(let token) = try #require(lab.scenarios.first { $0.id == "bearer-expired-jwt" }).client
            .credentials
        {
            expiredToken = token
        } else {
            Issue.record("the lab's bearer-expired-jwt scenario has no token")
            return
        }
        let staleCookie = "old-SECRETCOOKIE-4711"
        let har: String
        do {
            har = try await Self.record(upstream: lab.baseURL, into: dir) { proxy in
                try Self.curl(["-u", "\(LabScenarios.user):\(LabScenarios.password)", proxy + "/basic/"])  // 0: 200
                try Self.curl([
                    "-u",
                    """
                    \(LabScenarios.user):\(LabScenarios.wrongPassword)
                    """, proxy + "/basic/",
                ])  // 1: 401
                // 2: 401
                try Self.curl(["-H", "Authorization: Bearer \(expiredToken)", proxy + "/bearer/expired-jwt/"])
                try Self.curl(["-H", "Cookie: session=\(staleCookie)", proxy + "/session/"])  // 3: 401
                try Self.curl([
                    "-X", "OPTIONS", "-H", "Origin: \(LabScenarios.corsOrigin)", "-H",
                    "Access-Control-Request-Method: GET",
                    "-H", "Access-Control-Request-Headers: authorization", proxy + "/cors/",
                ])  // 4: 401
            }
        } catch {
            try await lab.stop()
            throw error
        }
        try await lab.stop()

        let json = try CLI.run(["har", har, "--json"])
        #expect(json.status == 1, "\(json)")
        let list = try Self.entries(json.stdout)
        let causes = Dictionary(
            uniqueKeysWithValues: list.map { ($0["index"] as? Int ?? -1, $0["cause"] as? String ?? "null") })
        #expect(Set(causes.keys) == [1, 2, 3, 4], "\(causes)")
        #expect(causes[1] == "credentials.rejected", "\(causes)")
        #expect(causes[2] == "token.expired", "\(causes)")
        #expect(causes[4] == "cors.preflight-unauthorized", "\(causes)")
        #expect(
            list.allSatisfy {
                ($0["status"] as? Int) == 401 && ($0["url"] as? String)?.hasPrefix("http://127.0.0.1:") == true
            })
        #expect(try SchemaValidator.validate(json.stdout) == nil)
        #expect(json.stdout.contains("\"har.contains-secrets\""))

        // No secret in any format, nor in the redacted copy; the copy reads back with the same 401s.
        let redacted = dir.path("redacted.har")
        let text = try CLI.run(["har", har, "--redact", redacted])
        let markdown = try CLI.run(["har", har, "--format", "markdown"])
        #expect(text.status == 1 && markdown.status == 1)
        #expect(
            text.stdout.contains("#2 GET http://127.0.0.1:") && text.stdout.contains("cause: token.expired"),
            "\(text.stdout)")
        let copy = try String(contentsOfFile: redacted, encoding: .utf8)
        let signature = String(expiredToken.split(separator: ".").last ?? "")
        let secrets = [
            LabScenarios.password, LabScenarios.wrongPassword, staleCookie, signature,
            Base64.encode(Array("\(LabScenarios.user):\(LabScenarios.wrongPassword)".utf8)),
            Base64.encode(Array("\(LabScenarios.user):\(LabScenarios.password)".utf8)),
        ]
        for secret in secrets {
            for (name, output) in [
                ("json", json.stdout), ("text", text.stdout), ("markdown", markdown.stdout), ("redacted", copy),
                ("stderr", json.stderr + text.stderr),
            ] {
                #expect(!output.contains(secret), "\(name) shows a secret")
            }
        }
        let again = try CLI.run(["har", redacted, "--json"])
        #expect(try Self.entries(again.stdout).map { $0["index"] as? Int } == list.map { $0["index"] as? Int })
        #expect(!again.stdout.contains("\"har.contains-secrets\""))
    }

    /// mitmdump as a forward proxy (`curl -x … -L`) records both hops of the lab's cross-origin redirect:
    /// curl drops Authorization on the other origin, and the HAR shows where.
    @Test func mitmdumpRecordingOfACrossOriginRedirect() async throws {
        try PythonEnvironment.require(["mitmproxy"])
        let dir = try TempDirectory(prefix: "why401-har")
        defer { dir.remove() }
        let lab = try await LabServer.start()
        let har = dir.path("forward.har")
        do {
            let proxy = try await PythonApp.start(
                files: [:],
                arguments: [
                    "-c", "import sys; from mitmproxy.tools.main import mitmdump; sys.argv[0] = 'mitmdump'; mitmdump()",
                    "--mode", "regular", "--listen-host", "127.0.0.1", "--listen-port", "{{PORT}}", "--set",
                    "hardump=\(har)", "-q",
                ])
            defer { proxy.stop() }
            try Self.curl([
                "-x", proxy.baseURL, "--noproxy", "", "-L", "-u", "\(LabScenarios.user):\(LabScenarios.password)",
                lab.baseURL + "/redirect/",
            ])
        } catch {
            try await lab.stop()
            throw error
        }
        try await lab.stop()
        let result = try CLI.run(["har", har, "--json"])
        #expect(result.status == 1, "\(result)")
        let list = try Self.entries(result.stdout)
        #expect(list.map { $0["index"] as? Int } == [1], "\(result.stdout)")
        #expect(list.first?["cause"] as? String == "redirect.authorization-dropped", "\(result.stdout)")
        #expect(!result.stdout.contains(LabScenarios.password))
    }

    @Test func mitmdumpRecordingOfApache() async throws {
        try RealServers.requireApache()
        try PythonEnvironment.require(["mitmproxy"])
        let password = "apache-HAR-pass-9"
        let dir = try TempDirectory(prefix: "why401-har")
        defer { dir.remove() }
        try await withApache(
            config: ApacheConfigs.basicArea(),
            files: [
                .htpasswd("auth/htpasswd", users: [("alice", password, .bcrypt)]),
                .text("htdocs/basic/index.html", "<p>in</p>\n"),
            ]
        ) { apache in
            let har = try await Self.record(upstream: apache.baseURL, into: dir) { proxy in
                try Self.curl(["-u", "alice:\(password)", proxy + "/basic/"])  // 0: 200
                try Self.curl(["-u", "alice:wrong-\(password)", proxy + "/basic/"])  // 1: 401
                try Self.curl([proxy + "/basic/"])  // 2: 401
            }
            let result = try CLI.run(["har", har, "--json"])
            #expect(result.status == 1, "\(result)")
            let list = try Self.entries(result.stdout)
            #expect(list.map { $0["index"] as? Int } == [1, 2])
            #expect(
                list.map { $0["cause"] as? String } == ["credentials.rejected", "credentials.missing"],
                "\(result.stdout)")
            #expect(!result.stdout.contains(password))
        }
    }

    /// The browser-shaped fixtures (see Tests/ImportsTests/HARImportTests.swift) in every format: no secret shows.
    @Test(arguments: ["chrome-export", "firefox-export", "safari-export"])
    func fixturesShowNoSecretInAnyFormat(name: String) throws {
        let path = CLI.packageRoot.appendingPathComponent("Tests/ImportsTests/Fixtures/\(name).har").path
        let secrets = [
            "FIXTURE-PASSWORD-1", "FIXTURE-PASSWORD-2", "FIXTURESESSIONCOOKIE", "FIXTURESIDCOOKIE", "FIXTUREQUERYTOKEN",
            "FIXTURESIGNATURE",
            Base64.encode(Array("alice:FIXTURE-PASSWORD-2".utf8)),
        ]
        for format in ["text", "json", "markdown"] {
            let result = try CLI.run(["har", path, "--format", format])
            #expect(result.status == 1, "\(name) \(format): \(result.stderr)")
            for secret in secrets {
                #expect(!(result.stdout + result.stderr).contains(secret), "\(name) \(format) shows \(secret)")
            }
            if format == "json" { #expect(try SchemaValidator.validate(result.stdout) == nil) }
        }
    }

    @Test func aFileWithoutFailuresExitsZero() throws {
        let dir = try TempDirectory(prefix: "why401-har")
        defer { dir.remove() }
        try dir.write(
            "ok.har",
            #"""
            {"log": {"version": "1.2", "creator": {"name": "Postman", "version": "11"}, "entries": [{"request": \#
            {"method": "GET", "url": "https://example.test/"}, "response": {"status": 200}}]}}
            """#
        )
        let result = try CLI.run(["har", dir.path("ok.har"), "--json"])
        #expect(result.status == 0, "\(result)")
        #expect(try Self.entries(result.stdout).isEmpty)
        #expect(result.stdout.contains("\"outcome\": \"ok\""))
    }

    @Test("bad input: one line on stderr, exit 3, no secret, no hang")
    func badInput() throws {
        let dir = try TempDirectory(prefix: "why401-har")
        defer { dir.remove() }
        let secret = "SECRET-BAD-INPUT-77"
        let cases: [(String, String)] = [
            ("not-json.har", "GET / HTTP/1.1 Authorization: Bearer \(secret)"),
            ("version.har", #"{"log": {"version": "9.9", "entries": []}}"#),
            (
                "truncated.har",
                #"""
                {"log": {"version": "1.2", "entries": [{"request": {"headers": [{"name": "Cookie", "value": \#
                "sid=\#(secret)
                """#
            ),
            ("empty.har", ""),
            ("other.har", #"{"name": "package", "token": "\#(secret)"}"#),
            ("garbage.har", String(repeating: "x\(secret)#", count: 1 << 16) + "\n"),
        ]
        for (name, text) in cases {
            try dir.write(name, text)
            let result = try CLI.run(["har", dir.path(name)])
            #expect(result.status == 3, "\(name): \(result)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(name): \(result.stderr)")
            #expect(result.stderr.hasPrefix("why401: "), "\(name)")
            #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret), "\(name)")
            #expect(!result.timedOut)
        }
        let missing = try CLI.run(["har", dir.path("missing.har")])
        #expect(missing.status == 3 && missing.stderr.contains("cannot open"))
        let usage = try CLI.run(["har", dir.path("x.har"), "--redact", dir.path("x.har")])
        #expect(usage.status == 2 && usage.stderr.split(separator: "\n").count == 1, "\(usage)")
    }

    @Test func aHugeFileIsRefusedNamingTheLimit() throws {
        let dir = try TempDirectory(prefix: "why401-har")
        defer { dir.remove() }
        // 500 MiB, sparse: no disk space used, and why401 must refuse before reading it.
        let path = dir.path("huge.har")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        #expect(ftruncate(fd, 500 << 20) == 0)
        close(fd)
        let result = try CLI.run(["har", path])
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("500 MiB") && result.stderr.contains("256 MiB"), "\(result.stderr)")
    }

    /// A generated 64 MiB HAR (4,000 entries with 16 KiB bodies): peak memory measured with getrusage on the child.
    @Test func memoryStaysBoundedOnALargeFile() throws {
        let dir = try TempDirectory(prefix: "why401-har")
        defer { dir.remove() }
        let path = dir.path("large.har")
        let body = String(repeating: "a", count: 16 << 10)
        var text = #"{"log": {"version": "1.2", "creator": {"name": "gen", "version": "1"}, "entries": ["#
        let count = 4000
        for i in 0..<count {
            let status = i % 10 == 0 ? 401 : 200
            text +=
                #"""
                {"startedDateTime": "2026-12-01T10:00:00Z", "request": {"method": "GET", "url": \#
                "https://example.test/r/\#(i)", "headers": [{"name": "Accept", "value": "*/*"}]}, "response": \#
                {"status": \#(status), "headers": [{"name": "WWW-Authenticate", "value": "Basic realm=\"x\""}], \#
                "content": {"mimeType": "text/plain", "text": "\#(body)"}}}
                """#
            text += i == count - 1 ? "" : ","
        }
        text += "]}}"
        try dir.write("large.har", text)
        let size = text.utf8.count
        let script = """
            import resource, subprocess, sys
            r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let result = try ProcessRunner.run(
            "python3", ["-c", script, try CLI.binary, "har", path, "--json"], timeout: 300)
        let parts = result.stdout.split(separator: " ").compactMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(parts.count == 2, "\(result)")
        guard parts.count == 2 else { return }
        #expect(parts[0] == 1)
        let peakMiB = parts[1] >> 10
        print("why401 har on \(size >> 20) MiB: peak RSS \(peakMiB) MiB")
        // The file once, the kept entries (64 KiB bodies at most) and the output: well under 4× the file.
        #expect(peakMiB < 4 * (size >> 20) + 64, "peak RSS \(peakMiB) MiB for a \(size >> 20) MiB file")
    }
}
