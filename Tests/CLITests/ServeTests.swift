// `why401 serve` end to end with real clients: the built binary on a free loopback port, the
// built-in lab as the target, Debian's curl for the JSON API and the refusals, and Debian's chromium
// (headless, through chromium-driver and Selenium) for the page, with and without JavaScript. The
// answers must be the CLI's; no secret may appear in a response or in the server's output; the
// server's working directory, HOME and TMPDIR must stay empty (nothing written to disk).
import Foundation
import Lab
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A running `why401 serve`.
final class ServeProcess: @unchecked Sendable {
    let process: Process
    let port: UInt16
    /// Working directory, HOME and TMPDIR of the server: must stay empty.
    let home: TempDirectory
    /// Where its stdout and stderr go (outside `home`).
    let logPath: String
    let logs: TempDirectory
    var base: String { "http://127.0.0.1:\(port)" }
    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    private init(process: Process, port: UInt16, home: TempDirectory, logs: TempDirectory, logPath: String) {
        self.process = process
        self.port = port
        self.home = home
        self.logs = logs
        self.logPath = logPath
    }

    /// Spawns `why401 serve --listen HOST:PORT ARGS…` on a free port and polls `/healthz` (on
    /// 127.0.0.1) until it answers. `command` and `listenFlag` start another server of why401 the
    /// same way (`exporter --listen`, `logs --follow … --metrics`).
    static func start(
        _ arguments: [String] = [], environment: [String: String] = [:], host: String = "127.0.0.1",
        command: [String] = ["serve"], listenFlag: String = "--listen"
    ) async throws -> ServeProcess {
        let curl = try RequiredTool.path("curl", package: "curl")
        let port = try FreePort.find()
        let home = try TempDirectory(prefix: "why401-serve-home")
        let logs = try TempDirectory(prefix: "why401-serve-log")
        let logPath = logs.path("serve.log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CLI.binary)
        process.arguments = command + [listenFlag, "\(host):\(port)"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        env["TMPDIR"] = home.path
        env["NO_COLOR"] = "1"
        env.removeValue(forKey: "WHY401_SERVE_TOKEN")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = home.url
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let server = ServeProcess(process: process, port: port, home: home, logs: logs, logPath: logPath)
        // Generous: on a loaded runner the test process itself may wait long for a thread.
        let deadline = Date().addingTimeInterval(90)
        while true {
            let probe = try await ProcessRunner.runAsync(
                curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", server.base + "/healthz"],
                timeout: 10)
            if probe.stdout == "200" { break }
            if !process.isRunning || Date() >= deadline {
                let output = server.output
                _ = server.stop()
                throw HarnessError("why401 \(command[0]) did not answer /healthz: \(output.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return server
    }

    /// SIGTERM, then the exit status (SIGKILL after 10 s).
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -9
        }
        return process.terminationStatus
    }

    /// Stops the server and checks what every test must hold: a clean exit on SIGTERM, no file in
    /// its directories, no secret in its output, and log lines that are method, route and status.
    func finish(secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let status = stop()
        #expect(status == 0, "exit status \(status) after SIGTERM", sourceLocation: sourceLocation)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: home.path)) ?? ["(unreadable)"]
        #expect(left.isEmpty, "why401 serve wrote to disk: \(left)", sourceLocation: sourceLocation)
        let text = output
        for secret in secrets where !secret.isEmpty {
            #expect(!text.contains(secret), "a secret is in the server's output", sourceLocation: sourceLocation)
        }
        let request = /^[A-Z]+ (\/\S*|\(no route\)|\(refused\)) → \d{3} \(\d+ ms\)$/
        for line in text.split(separator: "\n") where !line.hasPrefix("why401 serve:") {
            let startLine = ["loopback only", "NOT loopback", "a token is set", "live checks end"].contains {
                line.hasPrefix($0)
            }
            #expect(
                startLine || line.wholeMatch(of: request) != nil, "unexpected output line: \(line)",
                sourceLocation: sourceLocation)
        }
        home.remove()
        logs.remove()
    }
}

/// One HTTP exchange made by the real curl.
struct CurlReply {
    var status: Int
    var headers: String
    var body: String

    /// The value of a response header (the last block of headers, after any 100 Continue).
    func header(_ name: String) -> String? {
        let block = headers.components(separatedBy: "\r\n\r\n").last { !$0.isEmpty } ?? headers
        for line in block.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }
}

@Suite("why401 serve: the page and the JSON API with real clients", .serialized)
struct ServeTests {
    static let wrongPassword = "Zq9-serve-wrong-PW-7731"
    static let token = "Tk7-serve-token-5c1e9b0a4d"

    let scratch: TempDirectory

    init() throws {
        scratch = try TempDirectory(prefix: "why401-serve-test")
    }

    static var harFixture: String {
        CLI.packageRoot.appendingPathComponent("Tests/ImportsTests/Fixtures/chrome-export.har").path
    }

    static var artifacts: String {
        let path = CLI.packageRoot.appendingPathComponent(".build/test-artifacts").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `curl -s URL ARGS…` with the body and headers kept apart.
    func curl(_ url: String, _ arguments: [String] = []) async throws -> CurlReply {
        let curl = try RequiredTool.path("curl", package: "curl")
        let id = UInt32.random(in: 0...UInt32.max)
        let headers = scratch.path("h-\(id)")
        let body = scratch.path("b-\(id)")
        let result = try await ProcessRunner.runAsync(
            curl,
            ["-s", "-S", "--max-time", "120", "-D", headers, "-o", body, "-w", "%{http_code}"] + arguments + [url],
            timeout: 150)
        defer {
            try? FileManager.default.removeItem(atPath: headers)
            try? FileManager.default.removeItem(atPath: body)
        }
        return CurlReply(
            status: Int(result.stdout) ?? 0, headers: (try? String(contentsOfFile: headers, encoding: .utf8)) ?? "",
            body: (try? String(contentsOfFile: body, encoding: .utf8)) ?? "")
    }

    /// POST a JSON body to the API.
    func post(_ server: ServeProcess, _ path: String, json: String, _ extra: [String] = []) async throws -> CurlReply {
        try await curl(
            server.base + path, ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json] + extra)
    }

    /// The CLI's `--json` output for the same input.
    func cli(_ arguments: [String]) async throws -> [String: Any] {
        let result = try await ProcessRunner.runAsync(
            try CLI.binary, arguments, environment: ["NO_COLOR": "1"], timeout: 120)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try #require(object, "why401 \(arguments.first ?? ""): \(result.stderr)")
    }

    static func scenario(_ lab: LabServer, _ id: String) throws -> LabScenario {
        try #require(lab.scenarios.first { $0.id == id })
    }

    static func expiredToken(_ lab: LabServer) throws -> String {
        guard case .bearer(let token) = try scenario(lab, "bearer-expired-jwt").client.credentials else {
            throw HarnessError("bearer-expired-jwt sends no token")
        }
        return token
    }

    static func curlLine(_ lab: LabServer) throws -> String {
        "curl '\(try scenario(lab, "basic-wrong-password").url(on: lab))' -u 'alice:\(wrongPassword)'"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast()
            .description
    }

    static func expectNoSecret(
        _ text: String, _ secrets: [String], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for secret in secrets where text.contains(secret) {
            Issue.record("\(what) holds a secret", sourceLocation: sourceLocation)
        }
    }

    /// The status line for raw request bytes (what curl will not send: two Host headers, none at all).
    static func rawStatusLine(port: UInt16, _ request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw HarnessError("connect") }
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var received: [UInt8] = []
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // The status line is all that is needed: no waiting for the server to close.
        while !received.contains(10) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return String(decoding: received, as: UTF8.self).components(separatedBy: "\r\n").first ?? ""
    }

    // MARK: - the JSON API with curl

    @Test("The API answers what the CLI prints with --json (curl, check, jwt, challenge, explain, har)")
    func apiGivesTheCLIsAnswers() async throws {
        try await LabServer.with { lab in
            let server = try await ServeProcess.start()
            let token = try Self.expiredToken(lab)
            let secrets = [Self.wrongPassword, token, String(token.split(separator: ".").last ?? "")]
            defer { server.finish(secrets: secrets) }

            let line = try Self.curlLine(lab)
            let expected = try Self.scenario(lab, "basic-wrong-password").expectedCause
            let api = try await post(server, "/api/v1/curl", json: "{\"command\": \(Self.quoted(line))}")
            #expect(api.status == 200, "\(api.body)")
            let cliCurl = try await cli(["curl", "--json", "--", line])
            #expect(api.json["cause"] as? String == expected)
            #expect(api.json["cause"] as? String == cliCurl["cause"] as? String)
            #expect(api.json["outcome"] as? String == cliCurl["outcome"] as? String)
            #expect(api.json["command"] as? String == "curl")
            #expect(try SchemaValidator.validate(api.body) == nil)
            Self.expectNoSecret(api.body, secrets, "the curl answer")

            let url = try Self.scenario(lab, "basic-wrong-password").url(on: lab)
            let check = try await post(
                server, "/api/v1/check",
                json: "{\"url\": \"\(url)\", \"user\": \"alice\", \"password\": \(Self.quoted(Self.wrongPassword))}")
            let cliCheck = try await cli([url, "-u", "alice:\(Self.wrongPassword)", "--json"])
            #expect(check.status == 200)
            #expect(check.json["cause"] as? String == expected)
            #expect(check.json["cause"] as? String == cliCheck["cause"] as? String)
            Self.expectNoSecret(check.body, secrets, "the check answer")

            let bearerURL = try Self.scenario(lab, "bearer-expired-jwt").url(on: lab)
            let bearer = try await post(
                server, "/api/v1/check",
                json: "{\"url\": \"\(bearerURL)\", \"bearer\": \"\(token)\", \"headers\": [[\"Accept\", \"*/*\"]]}")
            #expect(bearer.json["cause"] as? String == "token.expired", "\(bearer.body.prefix(400))")
            Self.expectNoSecret(bearer.body, secrets, "the bearer check answer")

            let jwt = try await post(server, "/api/v1/jwt", json: "{\"token\": \"\(token)\"}")
            let cliJWT = try await cli(["jwt", token, "--json"])
            #expect(jwt.status == 200)
            #expect(jwt.json["cause"] as? String == "token.expired")
            #expect(jwt.json["cause"] as? String == cliJWT["cause"] as? String)
            Self.expectNoSecret(jwt.body, secrets, "the jwt answer")

            // Offline and deterministic: byte for byte what the CLI prints.
            let value = "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token expired\""
            let challenge = try await post(server, "/api/v1/challenge", json: "{\"headers\": [\(Self.quoted(value))]}")
            let cliChallenge = try await ProcessRunner.runAsync(try CLI.binary, ["challenge", value, "--json"])
            #expect(challenge.status == 200)
            #expect(challenge.body == cliChallenge.stdout)

            let explain = try await curl(server.base + "/api/v1/explain/token.expired")
            let cliExplain = try await ProcessRunner.runAsync(try CLI.binary, ["explain", "token.expired", "--json"])
            #expect(explain.status == 200)
            #expect(explain.body == cliExplain.stdout)

            let har = try await curl(
                server.base + "/api/v1/har", ["-X", "POST", "--data-binary", "@" + Self.harFixture])
            let cliHAR = try await cli(["har", Self.harFixture, "--json"])
            #expect(har.status == 200)
            #expect(har.json["cause"] as? String != nil)
            #expect(har.json["cause"] as? String == cliHAR["cause"] as? String)
            let causes = { (o: [String: Any]) in
                ((o["entries"] as? [[String: Any]]) ?? []).map { $0["cause"] as? String }
            }
            #expect(causes(har.json) == causes(cliHAR))

            let health = try await curl(server.base + "/healthz")
            #expect(health.json["status"] as? String == "ok")
        }
    }

    @Test("Refusals: wrong Host 421, cross-site Origin 403, oversize 413, bad input 400, no answer 502")
    func refusals() async throws {
        let server = try await ServeProcess.start()
        defer { server.finish(secrets: [Self.wrongPassword]) }
        let challenge = "{\"headers\": [\"Basic realm=\\\"x\\\"\"]}"
        func expectError(
            _ reply: CurlReply, _ status: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(reply.status == status, "\(what): \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
            let reason = reply.json["error"] as? String ?? ""
            #expect(!reason.isEmpty && !reason.contains("\n"), "\(what): \(reply.body)", sourceLocation: sourceLocation)
        }

        // DNS rebinding: only this server's own names.
        expectError(
            try await post(server, "/api/v1/challenge", json: challenge, ["-H", "Host: evil.example"]), 421, "Host")
        expectError(
            try await post(server, "/api/v1/challenge", json: challenge, ["-H", "Host: evil.example:\(server.port)"]),
            421, "Host with port")
        expectError(try await curl(server.base + "/healthz", ["-H", "Host: 127.0.0.1:1"]), 421, "Host, other port")
        let page = try await curl(server.base + "/", ["-H", "Host: rebind.attacker.example"])
        #expect(page.status == 421 && page.body.contains("DNS rebinding"))
        let twoHosts = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nHost: evil.example\r\n"
        #expect(try Self.rawStatusLine(port: server.port, twoHosts + "Connection: close\r\n\r\n").contains(" 421 "))
        #expect(try Self.rawStatusLine(port: server.port, "GET /healthz HTTP/1.0\r\n\r\n").contains(" 421 "))
        let localhost = try await post(
            server, "/api/v1/challenge", json: challenge, ["-H", "Host: localhost:\(server.port)"])
        #expect(localhost.status == 200)

        // A POST from another origin (a page elsewhere, another port, a sandboxed frame) is refused.
        for origin in ["http://evil.example", "http://127.0.0.1:1", "null", "https://127.0.0.1:\(server.port)"] {
            expectError(
                try await post(server, "/api/v1/challenge", json: challenge, ["-H", "Origin: \(origin)"]), 403, origin)
        }
        let form = try await curl(
            server.base + "/challenge", ["--data-urlencode", "headers=Basic", "-H", "Origin: http://evil.example"])
        #expect(form.status == 403)
        expectError(
            try await post(server, "/api/v1/challenge", json: challenge, ["-H", "Sec-Fetch-Site: cross-site"]), 403,
            "Sec-Fetch-Site")
        let same = try await post(server, "/api/v1/challenge", json: challenge, ["-H", "Origin: \(server.base)"])
        #expect(same.status == 200)

        // Body caps: 1 MiB of JSON (by Content-Length, and when sent in chunks), 32 MiB of HAR.
        let big = try scratch.write("big.json", String(repeating: "a", count: (1 << 20) + 10))
        expectError(
            try await curl(server.base + "/api/v1/curl", ["-X", "POST", "--data-binary", "@" + big]), 413, "JSON")
        expectError(
            try await curl(
                server.base + "/api/v1/curl",
                ["-X", "POST", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + big]), 413, "chunked")
        let huge = scratch.path("huge.har")
        FileManager.default.createFile(atPath: huge, contents: Data(count: (32 << 20) + 1))
        expectError(
            try await curl(server.base + "/api/v1/har", ["-X", "POST", "--data-binary", "@" + huge]), 413, "HAR")
        let form413 = try await curl(server.base + "/curl", ["-X", "POST", "--data-binary", "@" + big])
        #expect(form413.status == 413)

        // Bad input: one line, never the value.
        let typo = try await post(
            server, "/api/v1/check", json: "{\"url\": \"http://x/\", \"pasword\": \"\(Self.wrongPassword)\"}")
        expectError(typo, 400, "unknown field")
        expectError(try await post(server, "/api/v1/check", json: "{\"url\": 5}"), 400, "type")
        expectError(try await post(server, "/api/v1/check", json: "{\"url\""), 400, "JSON")
        expectError(
            try await post(server, "/api/v1/check", json: "{\"url\": \"http://x/\", \"user\": \"alice\"}"), 400,
            "no password")
        expectError(
            try await post(server, "/api/v1/curl", json: "{\"command\": \"curl http://x/ -u alice\"}"), 400, "-u USER")
        let file = try await post(
            server, "/api/v1/curl", json: "{\"command\": \"curl http://127.0.0.1:1/ -d @/etc/passwd\"}")
        expectError(file, 400, "-d @FILE is not read")
        expectError(
            try await post(server, "/api/v1/jwt", json: "{\"token\": \"not-a-jwt\", \"secret\": 1}"), 400, "jwt")
        expectError(try await post(server, "/api/v1/har", json: "{\"log\": 1}"), 422, "not a HAR")
        expectError(try await curl(server.base + "/api/v1/explain/token.expird"), 404, "unknown id")
        expectError(try await curl(server.base + "/api/v1/nothing"), 404, "unknown route")

        // No HTTP answer at all: 502 with the report the CLI prints before exiting 3.
        let down = try await post(
            server, "/api/v1/check",
            json: "{\"url\": \"http://127.0.0.1:1/\", \"user\": \"alice\", \"password\": \"\(Self.wrongPassword)\"}")
        #expect(down.status == 502)
        #expect(down.json["outcome"] as? String == "error")
        #expect(((down.json["plan"] as? [String]) ?? []).contains { $0.hasPrefix("could not complete:") })
        Self.expectNoSecret(down.body, [Self.wrongPassword], "the 502 report")
    }

    @Test("--token: Bearer on every request (loopback too), the page asks once, /healthz open")
    func tokenIsRequired() async throws {
        let server = try await ServeProcess.start(["--token", Self.token])
        defer { server.finish(secrets: [Self.token]) }
        let challenge = "{\"headers\": [\"Basic realm=\\\"x\\\"\"]}"
        let missing = try await post(server, "/api/v1/challenge", json: challenge)
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate")?.hasPrefix("Bearer realm=") == true)
        let wrong = try await post(
            server, "/api/v1/challenge", json: challenge, ["-H", "Authorization: Bearer \(Self.token)x"])
        #expect(wrong.status == 401)
        #expect(wrong.header("WWW-Authenticate")?.contains("invalid_token") == true)
        let short = try await post(server, "/api/v1/challenge", json: challenge, ["-H", "Authorization: Bearer Tk7"])
        #expect(short.status == 401)
        let right = try await post(
            server, "/api/v1/challenge", json: challenge, ["-H", "Authorization: Bearer \(Self.token)"])
        #expect(right.status == 200)
        #expect(right.json["command"] as? String == "challenge")
        #expect((try await curl(server.base + "/healthz")).status == 200)

        // A browser: the page asks for the token and answers with a session cookie (not the token).
        let page = try await curl(server.base + "/")
        #expect(page.status == 401 && page.body.contains("action=\"/session\""))
        let bad = try await curl(server.base + "/session", ["--data-urlencode", "token=\(Self.token)x"])
        #expect(bad.status == 401)
        let login = try await curl(server.base + "/session", ["--data-urlencode", "token=\(Self.token)"])
        #expect(login.status == 303)
        let cookie = try #require(login.header("Set-Cookie"))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains(Self.token))
        let pair = String(cookie.split(separator: ";")[0])
        let inside = try await curl(server.base + "/", ["-H", "Cookie: \(pair)"])
        #expect(inside.status == 200 && inside.body.contains("id=\"in-curl\""))
        for reply in [missing, wrong, right, page, bad, login, inside] {
            Self.expectNoSecret(reply.body + reply.headers, [Self.token], "a response")
        }
    }

    @Test("Off loopback: refused without --token; with it, says so at start and still checks Host")
    func nonLoopbackNeedsAToken() async throws {
        let port = try FreePort.find()
        let refused = try await ProcessRunner.runAsync(
            try CLI.binary, ["serve", "--listen", "0.0.0.0:\(port)"], environment: ["WHY401_SERVE_TOKEN": ""],
            timeout: 30)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--token") && refused.stderr.split(separator: "\n").count == 1)
        let short = try await ProcessRunner.runAsync(
            try CLI.binary, ["serve", "--listen", "0.0.0.0:\(port)", "--token", "abc"], timeout: 30)
        #expect(short.status == 2)
        #expect(!short.stderr.contains("abc"))

        let server = try await ServeProcess.start(
            environment: ["WHY401_SERVE_TOKEN": Self.token], host: "0.0.0.0")
        defer { server.finish(secrets: [Self.token]) }
        #expect(server.output.contains("NOT loopback"))
        #expect(server.output.contains("Authorization: Bearer"))
        let challenge = "{\"headers\": [\"Basic\"]}"
        let right = try await post(
            server, "/api/v1/challenge", json: challenge, ["-H", "Authorization: Bearer \(Self.token)"])
        #expect(right.status == 200)
        #expect((try await post(server, "/api/v1/challenge", json: challenge)).status == 401)
        let rebound = try await post(
            server, "/api/v1/challenge", json: challenge,
            ["-H", "Authorization: Bearer \(Self.token)", "-H", "Host: evil.example:\(server.port)"])
        #expect(rebound.status == 421)
    }

    // MARK: - the page

    @Test("Form posts without script: each form's report, same causes as the API, nothing echoed")
    func formPosts() async throws {
        try await LabServer.with { lab in
            let server = try await ServeProcess.start()
            let token = try Self.expiredToken(lab)
            let secrets = [Self.wrongPassword, token]
            defer { server.finish(secrets: secrets) }
            let url = try Self.scenario(lab, "basic-wrong-password").url(on: lab)
            let posts: [(String, [String], String)] = [
                ("/curl", ["--data-urlencode", "command=\(try Self.curlLine(lab))"], "credentials.rejected"),
                (
                    "/check",
                    [
                        "--data-urlencode", "url=\(url)", "--data-urlencode", "user=alice", "--data-urlencode",
                        "password=\(Self.wrongPassword)", "--data-urlencode", "headers=Accept: */*",
                    ], "credentials.rejected"
                ),
                ("/jwt", ["--data-urlencode", "token=\(token)"], "token.expired"),
                ("/challenge", ["--data-urlencode", "headers=WWW-Authenticate: Basic"], "challenge.basic-no-realm"),
                ("/har", ["-F", "har=@\(Self.harFixture)"], "token.expired"),
            ]
            for (path, arguments, cause) in posts {
                let reply = try await curl(server.base + path, arguments)
                #expect(reply.status == 200, "\(path): \(reply.body.prefix(300))")
                #expect(reply.body.contains("<code class=\"cause\">\(cause)</code>"), "\(path)")
                #expect(reply.body.contains("<meta name=\"viewport\""), "\(path)")
                #expect(reply.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
                Self.expectNoSecret(reply.body, secrets, "\(path)'s page")
                // The downloadable copy is in the page as a data: URL: decoded, it must not leak either.
                let marker = "data:text/html;charset=utf-8;base64,"
                let start = try #require(reply.body.range(of: marker), "\(path): no download link")
                let encoded = reply.body[start.upperBound...].prefix { $0 != "\"" }
                let document = String(decoding: Data(base64Encoded: String(encoded)) ?? Data(), as: UTF8.self)
                #expect(document.hasPrefix("<!DOCTYPE html>") && !document.contains("<script"), "\(path)")
                #expect(document.contains(cause), "\(path)")
                Self.expectNoSecret(document, secrets, "\(path)'s downloadable report")

                let fragment = try await curl(server.base + path, arguments + ["-H", "X-Why401-Fragment: 1"])
                #expect(fragment.body.hasPrefix("<div class=\"result\""), "\(path)")
                #expect(fragment.body.contains("<code class=\"cause\">\(cause)</code>"), "\(path)")
            }
            let empty = try await curl(server.base + "/har", ["-F", "har=@/dev/null;filename=empty.har"])
            #expect(empty.status == 400 && empty.body.contains("class=\"failure\""))
        }
    }

    @Test("The page in chromium (Selenium): curl line, HAR upload, URL form; with and without JavaScript")
    func pageInARealBrowser() async throws {
        let chromium = try RequiredTool.path("chromium", package: "chromium")
        let driver = try RequiredTool.path("chromedriver", package: "chromium-driver")
        try PythonEnvironment.require(["selenium"])
        try await LabServer.with { lab in
            let server = try await ServeProcess.start()
            let secrets = [Self.wrongPassword]
            defer { server.finish(secrets: secrets) }
            let url = try Self.scenario(lab, "basic-wrong-password").url(on: lab)
            let line = try Self.curlLine(lab)
            let arguments: [String: Any] = [
                "base": server.base, "chromium": chromium, "chromedriver": driver, "artifacts": Self.artifacts,
                "profile": scratch.path("profile"), "curl": line, "har": Self.harFixture,
                "check": ["url": url, "user": "alice", "password": Self.wrongPassword], "secrets": secrets,
            ]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)
            let script = CLI.packageRoot.appendingPathComponent("Tests/CLITests/Fixtures/serve_browser.py").path
            let run = try await ProcessRunner.runAsync(
                PythonEnvironment.python, [script, json], environment: ["SE_OFFLINE": "true"], timeout: 300)
            #expect(run.status == 0, "\(run.stderr.suffix(3000))")
            let lastLine = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
            let page = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
            let js = try #require(page["js"] as? [String: Any])
            let nojs = try #require(page["nojs"] as? [String: Any])

            let cliCurl = try await cli(["curl", "--json", "--", line])
            let cliHAR = try await cli(["har", Self.harFixture, "--json"])
            let cliCheck = try await cli([url, "-u", "alice:\(Self.wrongPassword)", "--json"])
            let curlCause = try #require(cliCurl["cause"] as? String)
            #expect(curlCause == "credentials.rejected")
            #expect(js["curl"] as? String == curlCause)
            #expect(nojs["curl"] as? String == curlCause)
            #expect(js["har"] as? String == cliHAR["cause"] as? String)
            #expect(nojs["har"] as? String == cliHAR["cause"] as? String)
            #expect(js["check"] as? String == cliCheck["cause"] as? String)

            // With script: no reload, a visible "checking…" state; without: a plain form post.
            #expect(js["no_reload"] as? Bool == true)
            #expect(
                ((js["statuses"] as? [String]) ?? []).contains { $0.hasPrefix("checking") }, "\(js["statuses"] ?? "")")
            #expect(nojs["navigated"] as? Bool == true)
            #expect(nojs["script_off"] as? Bool == true)

            // Phone, print, download.
            #expect(js["phone_overflow"] as? Int == 0)
            #expect(js["print_hides_forms"] as? Bool == true)
            #expect(js["print_shows_report"] as? Bool == true)
            let download = try #require(js["download"] as? [String: Any])
            #expect(download["self_contained"] as? Bool == true)
            #expect(download["cause"] as? Bool == true)
            #expect((download["leaks"] as? [String])?.isEmpty == true)
            #expect((js["leaks"] as? [String])?.isEmpty == true)
            #expect((nojs["leaks"] as? [String])?.isEmpty == true)
            #expect(FileManager.default.fileExists(atPath: Self.artifacts + "/serve-curl-result.png"))
        }
    }

    @Test("Start-up time and memory are measured (written to .build/test-artifacts/serve-startup.txt)")
    func startupTimeAndMemory() async throws {
        let started = ContinuousClock.now
        let server = try await ServeProcess.start()
        let ready = ContinuousClock.now - started
        defer { server.finish(secrets: []) }
        func rss() -> Int {
            let status =
                (try? String(contentsOfFile: "/proc/\(server.process.processIdentifier)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        let idle = rss()
        for _ in 0..<20 {
            _ = try await post(server, "/api/v1/challenge", json: "{\"headers\": [\"Basic\"]}")
        }
        _ = try await curl(server.base + "/api/v1/har", ["-X", "POST", "--data-binary", "@" + Self.harFixture])
        let busy = rss()
        let ms = ready.components.seconds * 1000 + ready.components.attoseconds / 1_000_000_000_000_000
        let text =
            "exec → /healthz 200: \(ms) ms (polled every 50 ms); VmRSS idle \(idle) kB, after 21 requests \(busy) kB\n"
        try text.write(toFile: Self.artifacts + "/serve-startup.txt", atomically: true, encoding: .utf8)
        print("why401 serve: " + text, terminator: "")
        #expect(ms < 15_000)
        #expect(idle > 0 && idle < 300_000)
    }
}
