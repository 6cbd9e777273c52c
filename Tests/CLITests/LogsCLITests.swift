// `why401 logs` end to end: the built binary on generated logs with known figures, and on logs
// written by a real Apache httpd and nginx during the test.
import Foundation
import TestSupport
import Testing

@Suite("why401 logs")
struct LogsCLITests {
    // MARK: generated logs

    /// `29/Nov/2026:08:MM:SS +0000` for a second offset from 08:00:00.
    static func stamp(_ second: Int) -> String {
        let m = second / 60
        let s = second % 60
        return "29/Nov/2026:" + String(format: "%02d:%02d:%02d", 8 + m / 60, m % 60, s) + " +0000"
    }

    static func line(
        _ addr: String, _ user: String, _ second: Int, _ path: String, _ status: Int, agent: String = "curl/8.0"
    ) -> String {
        "\(addr) - \(user) [\(stamp(second))] \"GET \(path) HTTP/1.1\" \(status) 512 \"-\" \"\(agent)\""
    }

    /// 30 quiet minutes — 10 × 200 per minute, one browser login per minute (401 then 200 a second
    /// later: a handshake), a monitor with an old password failing once a minute — then a password
    /// guesser: 120 × 401 one per second from 08:30:07, trying admin/root/test. Plus 2 garbage lines.
    static func attackLog() -> String {
        var lines: [(Int, String)] = []
        for minute in 0..<30 {
            for i in 0..<10 {
                lines.append(
                    (
                        minute * 60 + i * 5,
                        line(
                            "10.0.0.\(i + 1)", "alice", minute * 60 + i * 5, "/app/page\(i)", 200, agent: "Mozilla/5.0")
                    ))
            }
            lines.append(
                (minute * 60 + 30, line("10.0.0.99", "-", minute * 60 + 30, "/private/", 401, agent: "Mozilla/5.0")))
            lines.append(
                (minute * 60 + 31, line("10.0.0.99", "bob", minute * 60 + 31, "/private/", 200, agent: "Mozilla/5.0")))
            lines.append(
                (
                    minute * 60 + 45,
                    line("192.0.2.50", "monitor", minute * 60 + 45, "/status", 401, agent: "check_http/v2.3")
                ))
        }
        let users = ["admin", "root", "test"]
        for i in 0..<120 {
            let t = 30 * 60 + 7 + i
            lines.append((t, line("203.0.113.7", users[i % 3], t, "/admin/", 401, agent: "python-requests/2.31")))
        }
        var out = lines.sorted { $0.0 < $1.0 }.map(\.1)
        out.insert("this is not a log line", at: 5)
        out.insert("\u{01}\u{02} garbage", at: 100)
        return out.joined(separator: "\n") + "\n"
    }

    /// Only successes and handshakes: nothing wrong.
    static func cleanLog() -> String {
        var out: [String] = []
        for minute in 0..<10 {
            out.append(line("10.0.0.1", "alice", minute * 60, "/app/", 200))
            out.append(line("10.0.0.2", "-", minute * 60 + 10, "/private/", 401))
            out.append(line("10.0.0.2", "bob", minute * 60 + 11, "/private/", 200))
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object:\n\(text)")
    }

    static func ids(_ object: [String: Any]) -> [String] {
        (object["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    static func finding(_ object: [String: Any], _ id: String) -> [String: Any]? {
        (object["findings"] as? [[String: Any]] ?? []).first { $0["id"] as? String == id }
    }

    @Test("known figures in JSON; it validates; exit 1 for an attack")
    func attackJSON() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("access.log", Self.attackLog())
        let result = try CLI.run(["logs", log, "--json"])
        #expect(result.status == 1, "\(result)")
        #expect(try SchemaValidator.validate(result.stdout) == nil)
        let object = try Self.json(result.stdout)
        #expect(object["command"] as? String == "logs")
        #expect(object["outcome"] as? String == "problems")
        #expect(object["cause"] as? String == "logs.brute-force")
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["lines"] as? Int == 512)
        #expect(summary["requests"] as? Int == 510)
        #expect(summary["unauthorized"] as? Int == 180)
        #expect(summary["failures"] as? Int == 150)
        #expect(summary["handshakes"] as? Int == 30)
        #expect(summary["malformed"] as? Int == 2)
        #expect(summary["first"] as? String == "2026-11-29T08:00:00Z")
        #expect(summary["last"] as? String == "2026-11-29T08:32:06Z")
        #expect(summary["onset"] as? String == "2026-11-29T08:30:07Z")
        let ids = Self.ids(object)
        for id in ["logs.brute-force", "logs.spike", "logs.never-succeeds", "logs.malformed-lines"] {
            #expect(ids.contains(id), "\(ids)")
        }
        let brute = try #require(Self.finding(object, "logs.brute-force"))
        #expect(
            (brute["evidence"] as? [String])?.first
                == """
                120 401s from 203.0.113.7 between 2026-11-29T08:30:07Z and 2026-11-29T08:32:06Z, peak 60 in 60 s, \
                3 distinct users (\"admin\", \"root\", \"test\")
                """
        )
        #expect((brute["fix"] as? [String] ?? []).contains { $0.contains("deny 203.0.113.7;") })
        let never = try #require(Self.finding(object, "logs.never-succeeds"))
        let neverEvidence = never["evidence"] as? [String] ?? []
        #expect(neverEvidence.contains { $0.hasPrefix("client 192.0.2.50: 30 failed 401s, 0 successes") })
        #expect(neverEvidence.contains { $0.hasPrefix("user \"monitor\": 30 failed 401s") })
        // The browser's 401-then-200 pairs are not failures anywhere.
        #expect(!neverEvidence.contains { $0.contains("10.0.0.99") })
        let top = try #require(object["top"] as? [String: Any])
        let clients = (top["clients"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String }
        #expect(clients == ["203.0.113.7", "192.0.2.50"])
        let malformed = try #require(Self.finding(object, "logs.malformed-lines"))
        #expect((malformed["evidence"] as? [String] ?? []).contains { $0.contains(":6") && $0.contains(":101") })
    }

    @Test("text shows totals, the sparkline and the onset; markdown and html too")
    func textMarkdownHTML() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("access.log", Self.attackLog())
        let page = dir.path("report.html")
        let text = try CLI.run(["logs", log, "--html", page])
        #expect(text.status == 1, "\(text)")
        #expect(text.stdout.contains("510 requests in 512 access-log lines (2 malformed)"))
        #expect(
            text.stdout.contains(
                "180 × 401 (35.3% of requests): 150 failed, 30 challenge-then-success handshakes (not failures)"))
        #expect(text.stdout.contains("401s began at 2026-11-29T08:30:07Z"))
        #expect(text.stdout.contains("█"))
        #expect(text.stdout.contains("^ onset 2026-11-29T08:30:00Z"))
        #expect(text.stdout.contains("logs.brute-force"))
        #expect(text.stderr.isEmpty, "\(text.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && html.contains("203.0.113.7"))
        #expect(!html.lowercased().contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"))
        let markdown = try CLI.run(["logs", log, "--format", "markdown"])
        #expect(markdown.status == 1)
        #expect(markdown.stdout.hasPrefix("# why401 logs:"))
        #expect(markdown.stdout.contains("### 1. `logs.brute-force`"))
    }

    @Test("a clean log exits 0; stdin works with the same figures")
    func cleanAndStdin() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("clean.log", Self.cleanLog())
        let clean = try CLI.run(["logs", log, "--json"])
        #expect(clean.status == 0, "\(clean)")
        #expect(try SchemaValidator.validate(clean.stdout) == nil)
        let object = try Self.json(clean.stdout)
        #expect(object["outcome"] as? String == "ok")
        #expect(object["cause"] is NSNull)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(
            summary["requests"] as? Int == 30 && summary["unauthorized"] as? Int == 10
                && summary["handshakes"] as? Int == 10 && summary["failures"] as? Int == 0)

        let piped = try CLI.run(["logs", "-", "--json"], stdin: Self.attackLog())
        #expect(piped.status == 1, "\(piped)")
        let pipedSummary = try #require(try Self.json(piped.stdout)["summary"] as? [String: Any])
        #expect(pipedSummary["requests"] as? Int == 510 && pipedSummary["unauthorized"] as? Int == 180)
    }

    @Test("usage errors exit 2, nothing readable exits 3, one line on stderr")
    func exitCodes() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("access.log", Self.cleanLog())
        for args in [
            ["logs"], ["logs", log, "--since", "yesterday-ish"], ["logs", log, "--threads", "-1"],
            ["logs", log, "--brute-force-threshold", "0"], ["logs", "-", "-"],
        ] {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args): \(r)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let missing = try CLI.run(["logs", dir.path("nope.log"), "--json"])
        #expect(missing.status == 3, "\(missing)")
        #expect(missing.stderr.contains("nothing could be read"), "\(missing.stderr)")
        #expect(missing.stdout.isEmpty)
        let binary = try dir.write("binary.log", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }))
        let bin = try CLI.run(["logs", binary])
        #expect(bin.status == 3, "\(bin)")
        #expect(bin.stderr.split(separator: "\n").count == 1, "\(bin.stderr)")
        let unwritable = try CLI.run(["logs", log, "--html", dir.path("no/such/dir/page.html")])
        #expect(unwritable.status == 3, "\(unwritable)")
        #expect(unwritable.stderr.hasPrefix("why401: --html: cannot write"), "\(unwritable.stderr)")
    }

    @Test("--since and --until narrow the figures")
    func timeWindow() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("access.log", Self.attackLog())
        let after = try Self.json(try CLI.run(["logs", log, "--json", "--since", "2026-11-29T08:30:00Z"]).stdout)
        let afterSummary = try #require(after["summary"] as? [String: Any])
        #expect(
            afterSummary["requests"] as? Int == 120 && afterSummary["unauthorized"] as? Int == 120, "\(afterSummary)")
        #expect(afterSummary["first"] as? String == "2026-11-29T08:30:07Z")
        let before = try Self.json(try CLI.run(["logs", log, "--json", "--until", "2026-11-29 08:30"]).stdout)
        let beforeSummary = try #require(before["summary"] as? [String: Any])
        #expect(beforeSummary["requests"] as? Int == 390 && beforeSummary["failures"] as? Int == 30, "\(beforeSummary)")
        #expect(!Self.ids(before).contains("logs.brute-force") && !Self.ids(before).contains("logs.spike"))
        let reversed = try CLI.run(["logs", log, "--since", "2026-11-29T09:00:00Z", "--until", "2026-11-29T08:00:00Z"])
        #expect(reversed.status == 2, "\(reversed)")
    }

    @Test("an unreadable input among several: a message, and the rest is analysed")
    func unreadableAmongSeveral() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("access.log", Self.attackLog())
        let missing = dir.path("missing.log")
        let r = try CLI.run(["logs", missing, log, "--json"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("missing.log") && r.stderr.contains("analysing the rest"), "\(r.stderr)")
        #expect(try SchemaValidator.validate(r.stdout) == nil)
        let object = try Self.json(r.stdout)
        #expect((object["summary"] as? [String: Any])?["requests"] as? Int == 510)
        #expect(Self.ids(object).contains("logs.input-incomplete"))
        let inputs = object["inputs"] as? [[String: Any]] ?? []
        #expect(inputs.count == 2)
        #expect(inputs.first { ($0["path"] as? String)?.hasSuffix("missing.log") == true }?["problem"] is String)
    }

    @Test("a truncated .gz and a 1 MB line: messages, and everything readable is analysed")
    func truncatedGzipAndLongLine() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("access.log", Self.attackLog())
        let gz = dir.path("old.log.gz")
        let truncated = dir.path("cut.log.gz")
        let made = try ProcessRunner.run(
            "/bin/sh", ["-c", "gzip -c \"$1\" > \"$2\" && head -c 1500 \"$2\" > \"$3\"", "sh", log, gz, truncated])
        #expect(made.status == 0, "\(made)")
        let long = try dir.write("long.log", String(repeating: "x", count: 1 << 20) + "\n" + Self.attackLog())
        let r = try CLI.run(["logs", truncated, long, "--json"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("cut.log.gz") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(try SchemaValidator.validate(r.stdout) == nil)
        let object = try Self.json(r.stdout)
        let summary = try #require(object["summary"] as? [String: Any])
        // All 510 requests of the long-line file, plus what the cut archive held before it broke.
        let requests = try #require(summary["requests"] as? Int)
        #expect(requests > 510 && requests < 1020, "\(summary)")
        #expect(Self.ids(object).contains("logs.input-incomplete"))
    }

    @Test("a progress line on stderr only when stderr is a terminal")
    func progressLine() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("access.log", String(repeating: Self.attackLog(), count: 20))
        let piped = try CLI.run(["logs", log], environment: ["WHY401_PROGRESS_DELAY": "0"])
        #expect(piped.status == 1)
        #expect(!piped.stderr.contains("reading"), "\(piped.stderr)")
        // Without script(1) there is no terminal to test on: skipped with the reason, a failure under CI.
        let script = try RequiredTool.path("script", package: "bsdutils")
        // script(1) gives the command a pseudo-terminal; stdout goes to /dev/null, stderr stays on the tty.
        let command = "WHY401_PROGRESS_DELAY=0 NO_COLOR=1 '\(try CLI.binary)' logs '\(log)' > /dev/null"
        let tty = try ProcessRunner.run(script, ["-qec", command, "/dev/null"], timeout: 60)
        #expect(tty.status == 1, "\(tty)")
        #expect(tty.stdout.contains("why401: reading"), "\(tty.stdout)")
        #expect(tty.stdout.contains("\u{1B}[K"), "the line is cleared at the end")
    }

    @Test("warnings alone: exit 0 by default (errors only), exit 1 and outcome problems with --fail-on warning")
    func failOnWarning() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("access.log", Self.attackLog())
        // Without the brute-force finding (an error) the attack log leaves warnings: the spike, never-succeeds.
        let args = ["logs", log, "--json", "--brute-force-threshold", "500"]
        let plain = try CLI.run(args)
        #expect(plain.status == 0, "\(plain)")
        let object = try Self.json(plain.stdout)
        #expect(object["outcome"] as? String == "ok")
        #expect(
            Self.ids(object).contains("logs.spike") && Self.ids(object).contains("logs.never-succeeds"),
            "\(plain.stdout)")
        let strict = try CLI.run(args + ["--fail-on", "warning"])
        #expect(strict.status == 1, "\(strict)")
        #expect(try Self.json(strict.stdout)["outcome"] as? String == "problems")
        #expect(try SchemaValidator.validate(strict.stdout) == nil)
        // The HTML page's verdict follows the same policy as the exit code.
        let page = dir.path("page.html")
        #expect(
            try CLI.run(["logs", log, "--html", page, "--brute-force-threshold", "500", "--fail-on", "warning"]).status
                == 1)
        #expect(try String(contentsOfFile: page, encoding: .utf8).contains("class=\"verdict problems\""))
    }

    @Test("brute-force threshold is a flag")
    func thresholdFlag() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let log = try dir.write("access.log", Self.attackLog())
        let strict = try Self.json(try CLI.run(["logs", log, "--json", "--brute-force-threshold", "500"]).stdout)
        #expect(!Self.ids(strict).contains("logs.brute-force"))
        let monitor = try Self.json(
            try CLI.run(["logs", log, "--json", "--brute-force-threshold", "25", "--brute-force-peak", "1"]).stdout)
        let evidence = Self.finding(monitor, "logs.brute-force")?["evidence"] as? [String] ?? []
        #expect(evidence.count == 2 && evidence[1].hasPrefix("30 401s from 192.0.2.50"), "\(evidence)")
    }

    // MARK: secrets

    static let secretPassword = "Zq9-log-SECRET-pw"
    static let secretToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsb2ctdGVzdCJ9.Zq9LogSecretSignatureValue"
    static var secretBasic: String { Data("alice:\(secretPassword)".utf8).base64EncodedString() }

    @Test("Authorization values and tokens in logs never reach any output")
    func secretsMasked() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        // A custom format that logs the Authorization header, and a token in a query string.
        var custom: [String] = []
        for i in 0..<30 {
            let auth = i % 2 == 0 ? "Basic \(Self.secretBasic)" : "Bearer \(Self.secretToken)"
            custom.append(
                """
                203.0.113.9 - alice [\(Self.stamp(i))] \"GET /api?access_token=\(Self.secretToken) HTTP/1.1\" 401 \
                10 \"\(auth)\"
                """
            )
        }
        let customLog = try dir.write("custom.log", custom.joined(separator: "\n") + "\n")
        // A JSON log with an authorization field, and the token in the user-agent.
        var jsonLines: [String] = []
        for i in 0..<30 {
            jsonLines.append(
                #"{"time":"2026-11-29T08:00:\#(String(format: "%02d", i))Z","remote_addr":"203.0.113.10","#
                    + #""remote_user":"alice","request":"GET /json HTTP/1.1","status":401,"#
                    + #""authorization":"Basic \#(Self.secretBasic)","#
                    + #""http_user_agent":"bot Bearer \#(Self.secretToken)"}"#
            )
        }
        let jsonLog = try dir.write("json.log", jsonLines.joined(separator: "\n") + "\n")
        let page = dir.path("page.html")
        let runs: [[String]] = [
            ["logs", customLog, "--log-format", "%h %l %u %t \"%r\" %>s %b \"%{Authorization}i\""],
            ["logs", jsonLog],
        ]
        let forbidden = [Self.secretPassword, Self.secretBasic, Self.secretToken, String(Self.secretToken.suffix(20))]
        for args in runs {
            for format in ["text", "json", "markdown"] {
                let r = try CLI.run(
                    args + [
                        "--format", format, "--html", page, "--brute-force-threshold", "5", "--brute-force-peak", "5",
                    ])
                #expect(r.status == 1, "\(args) \(format): \(r)")
                let html = (try? String(contentsOfFile: page, encoding: .utf8)) ?? ""
                #expect(html.contains("<svg"))
                for secret in forbidden {
                    #expect(!r.stdout.contains(secret), "secret in stdout (\(format), \(args)):\n\(r.stdout)")
                    #expect(!r.stderr.contains(secret), "secret in stderr (\(format), \(args))")
                    #expect(!html.contains(secret), "secret in html (\(args))")
                }
                if format == "json" {
                    #expect(try SchemaValidator.validate(r.stdout) == nil)
                    #expect(
                        (try Self.json(r.stdout)["summary"] as? [String: Any])?["requests"] as? Int == 30,
                        "\(args): \(r.stdout.prefix(600))")
                }
            }
        }
    }

    // MARK: real servers

    static let password = "Zq9-logs-real-PW"

    @Test("real Apache: a burst of wrong passwords → brute force + password mismatch for the right user")
    func realApache() async throws {
        try RealServers.requireApache()
        let config =
            ApacheConfigs.basicArea() + "\n" + """
                <Directory "{{DOCROOT}}/broken">
                    AuthType Basic
                    AuthName "Broken"
                    AuthUserFile "{{ROOT}}/auth/missing-htpasswd"
                    Require valid-user
                </Directory>
                <Directory "{{DOCROOT}}/requser">
                    AuthType Basic
                    AuthName "Only bob"
                    AuthUserFile "{{ROOT}}/auth/htpasswd"
                    Require user bob
                </Directory>
                <Directory "{{DOCROOT}}/noauthtype">
                    Require valid-user
                </Directory>
                <Directory "{{DOCROOT}}/hta">
                    AllowOverride Indexes
                </Directory>
                """
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: [("alice", Self.password, .bcrypt), ("bob", Self.password, .bcrypt)]),
            .text("htdocs/basic/index.html", "ok\n"), .text("htdocs/broken/index.html", "ok\n"),
            .text("htdocs/requser/index.html", "ok\n"), .text("htdocs/noauthtype/index.html", "ok\n"),
            .text("htdocs/hta/.htaccess", "AuthType Basic\nAuthName \"x\"\nRequire valid-user\n"),
            .text("htdocs/hta/index.html", "ok\n"),
        ]
        try await withApache(config: config, files: files) { apache in
            for i in 0..<25 {
                _ = try HTTPProbe.get(
                    apache.url("/basic/"), headers: [HTTPProbe.basic(user: "alice", password: "wrong-\(i)")])
            }
            for _ in 0..<3 {
                _ = try HTTPProbe.get(apache.url("/basic/"), headers: [HTTPProbe.basic(user: "mallory", password: "x")])
            }
            _ = try HTTPProbe.get(
                apache.url("/broken/"), headers: [HTTPProbe.basic(user: "alice", password: Self.password)])
            // Measured meanings: AH01631 → 401 for a valid user, AH01614 → 401, AH00027 → 500.
            #expect(
                try HTTPProbe.get(
                    apache.url("/requser/"), headers: [HTTPProbe.basic(user: "alice", password: Self.password)]
                ).status == 401)
            #expect(
                try HTTPProbe.get(apache.url("/basic/"), headers: [("Authorization", "Bearer not-a-basic-token")])
                    .status == 401)
            #expect(try HTTPProbe.get(apache.url("/noauthtype/")).status == 500)
            #expect(try HTTPProbe.get(apache.url("/hta/")).status == 500)
            #expect(await apache.waitForErrorLog(containing: "not allowed here"))
            #expect(await apache.waitForAccessLog(containing: "/hta/"))
            let r = try CLI.run(["logs", apache.accessLogPath, "--error-log", apache.errorLogPath, "--json"])
            #expect(r.status == 1, "\(r)")
            #expect(try SchemaValidator.validate(r.stdout) == nil)
            let object = try Self.json(r.stdout)
            let summary = try #require(object["summary"] as? [String: Any])
            #expect(summary["requests"] as? Int == 33 && summary["unauthorized"] as? Int == 30, "\(summary)")
            #expect(object["cause"] as? String != nil)
            let ids = Self.ids(object)
            for id in [
                "logs.brute-force", "logs.password-mismatch", "logs.user-not-found", "logs.authfile-unreadable",
                "logs.authorization-failure",
                "logs.wrong-scheme", "logs.auth-not-configured", "logs.htaccess-not-allowed",
            ] { #expect(ids.contains(id), "\(ids)") }
            let htaccess = try #require(Self.finding(object, "logs.htaccess-not-allowed"))
            #expect((htaccess["evidence"] as? [String])?.first?.contains("hta/.htaccess") == true, "\(htaccess)")
            let brute = try #require(Self.finding(object, "logs.brute-force"))
            #expect(
                (brute["evidence"] as? [String])?.first?.hasPrefix("30 401s from 127.0.0.1 between") == true, "\(brute)"
            )
            let refused = try #require(Self.finding(object, "logs.authorization-failure"))
            #expect(
                (refused["evidence"] as? [String])?.first?.hasPrefix("user \"alice\" on /requser/: 1 line") == true,
                "\(refused)")
            let scheme = try #require(Self.finding(object, "logs.wrong-scheme"))
            #expect((scheme["evidence"] as? [String])?.first?.contains("AH01614") == true, "\(scheme)")
            let noAuth = try #require(Self.finding(object, "logs.auth-not-configured"))
            #expect((noAuth["evidence"] as? [String])?.first?.hasPrefix("on /noauthtype/") == true, "\(noAuth)")
            #expect((brute["fix"] as? [String] ?? []).contains { $0.contains("[apache-auth]") })
            let mismatch = try #require(Self.finding(object, "logs.password-mismatch"))
            #expect(
                (mismatch["evidence"] as? [String])?.first?.hasPrefix("user \"alice\" on /basic/: 25 lines") == true,
                "\(mismatch)")
            let notFound = try #require(Self.finding(object, "logs.user-not-found"))
            #expect(
                (notFound["evidence"] as? [String])?.first?.hasPrefix("user \"mallory\" on /basic/: 3 lines") == true,
                "\(notFound)")
            let unreadable = try #require(Self.finding(object, "logs.authfile-unreadable"))
            #expect(
                (unreadable["evidence"] as? [String])?.first?.contains("missing-htpasswd (No such file or directory)")
                    == true, "\(unreadable)")
            #expect((unreadable["detail"] as? String)?.contains("500") == true)
        }
    }

    @Test("real nginx: wrong passwords and an unknown user in nginx's error log")
    func realNginx() async throws {
        try RealServers.requireNginx()
        let config =
            NginxConfigs.basicLocation(realm: "Private") + "\n"
            + NginxConfigs.basicLocation("/broken/", realm: "Broken", userFile: "{{ROOT}}/auth/missing-htpasswd")
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: [("alice", Self.password, .bcrypt)]),
            .text("htdocs/basic/index.html", "ok\n"),
        ]
        try await withNginx(config: config, files: files) { nginx in
            for i in 0..<4 {
                _ = try HTTPProbe.get(
                    nginx.url("/basic/"), headers: [HTTPProbe.basic(user: "alice", password: "wrong-\(i)")])
            }
            _ = try HTTPProbe.get(nginx.url("/basic/"), headers: [HTTPProbe.basic(user: "nosuchuser", password: "x")])
            // Measured: a missing user file gives 403 to a request with credentials.
            #expect(
                try HTTPProbe.get(
                    nginx.url("/broken/"), headers: [HTTPProbe.basic(user: "alice", password: Self.password)]
                ).status == 403)
            #expect(await nginx.waitForErrorLog(containing: "missing-htpasswd"))
            #expect(await nginx.waitForErrorLog(containing: "nosuchuser"))
            #expect(await nginx.waitForAccessLog(containing: "nosuchuser"))
            // The error log given among the files is detected by its content.
            let r = try CLI.run(["logs", nginx.accessLogPath, nginx.errorLogPath, "--json"])
            #expect(r.status == 1, "\(r)")
            #expect(try SchemaValidator.validate(r.stdout) == nil)
            let object = try Self.json(r.stdout)
            let mismatch = try #require(Self.finding(object, "logs.password-mismatch"))
            #expect((mismatch["evidence"] as? [String])?.first?.hasPrefix("user \"alice\"") == true, "\(mismatch)")
            #expect((mismatch["evidence"] as? [String])?.first?.contains("4 lines") == true, "\(mismatch)")
            #expect(Self.ids(object).contains("logs.user-not-found"))
            let unreadable = try #require(Self.finding(object, "logs.authfile-unreadable"))
            #expect(
                (unreadable["evidence"] as? [String])?.first?.contains("missing-htpasswd (No such file or directory)")
                    == true, "\(unreadable)")
            #expect((unreadable["detail"] as? String)?.contains("403 when the file is missing") == true)
            let never = try #require(Self.finding(object, "logs.never-succeeds"))
            #expect((never["evidence"] as? [String] ?? []).contains { $0.hasPrefix("client 127.0.0.1: 5 failed 401s") })
        }
    }

    // MARK: issue 11: formats that were misread

    @Test("a log whose format is not recognised: exit 1, a finding and a line in the report, never a clean 0")
    func unrecognizedFormat() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let text =
            (0..<20).map {
                """
                Nov 29 08:51:\(String(format: "%02d", $0)) web sshd[7]: Failed password for root from 10.0.0.\($0) \
                port 22
                """
            }.joined(separator: "\n") + "\n"
        let mystery = try dir.write("mystery.log", text)
        for args in [["logs", mystery], ["logs", "--error-log", mystery]] {
            let r = try CLI.run(args)
            #expect(r.status == 1, "\(args): \(r)")
            #expect(r.stdout.contains("logs.unrecognized-format"), "\(r.stdout)")
            #expect(
                r.stdout.contains("mystery.log")
                    && r.stdout.contains("format not recognised, nothing in it was analysed"), "\(r.stdout)")
        }
        let json = try CLI.run(["logs", "--error-log", mystery, "--json"])
        #expect(try SchemaValidator.validate(json.stdout) == nil)
        let object = try Self.json(json.stdout)
        #expect(object["outcome"] as? String == "problems")
        #expect(object["cause"] as? String == "logs.unrecognized-format")
        #expect((object["inputs"] as? [[String: Any]])?.first?["format"] as? String == "unknown")
    }

    @Test("an nginx error log starting with multi-line PHP-FPM records, given among the files: its auth lines count")
    func phpRecordsFirst() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        var lines = [
            """
            2026/11/29 08:50:00 [error] 9#9: *1 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught \
            Exception: boom in /var/www/app.php:3
            """
        ]
        for i in 0..<12 { lines.append("#\(i) /var/www/app.php(\(i + 3)): handler()") }
        lines.append(
            "  thrown in /var/www/app.php on line 3\" while reading response header from upstream, client: 10.0.0.5, "
                + "server: example.com, request: \"GET /app.php HTTP/1.1\", "
                + "upstream: \"fastcgi://unix:/run/php/php-fpm.sock:\", host: \"example.com\""
        )
        for i in 0..<3 {
            lines.append(
                """
                2026/11/29 08:51:0\(i) [error] 9#9: *\(i + 2) user \"alice\": password mismatch, client: 10.0.0.9, \
                server: example.com, request: \"GET /private/ HTTP/1.1\", host: \"example.com\"
                """
            )
        }
        let log = try dir.write("error.log", lines.joined(separator: "\n") + "\n")
        let r = try CLI.run(["logs", log, "--json"])
        #expect(r.status == 1, "\(r)")
        let object = try Self.json(r.stdout)
        #expect(object["cause"] as? String == "logs.password-mismatch", "\(r.stdout)")
        let input = try #require((object["inputs"] as? [[String: Any]])?.first)
        #expect(input["kind"] as? String == "error" && input["format"] as? String == "nginx-error")
        #expect(
            (input["notes"] as? [String])?.first?.hasPrefix(
                "13 lines without a date read as part of the record before them") == true, "\(input)")
    }

    @Test("X-Forwarded-For lists and vhosts without a port: the right client, and the report says how it was read")
    func forwardedAndVhost() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let forwarded = (0..<25).map {
            """
            203.0.113.7, 10.0.0.1, 127.0.0.1 - admin [\(Self.stamp($0))] \"GET /admin/ HTTP/1.1\" 401 179 \"-\" \
            \"python-requests/2.31\"
            """
        }
        let log = try dir.write("access.log", forwarded.joined(separator: "\n") + "\n")
        let r = try CLI.run(["logs", log])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.contains("25 lines start with an X-Forwarded-For list"), "\(r.stdout)")
        #expect(
            r.stdout.contains("clients:\n    25  203.0.113.7\n") && r.stdout.contains("deny 203.0.113.7;"),
            "\(r.stdout)")
        let vhost = (0..<25).map {
            "www.example.com 198.51.100.4 - admin [\(Self.stamp($0))] \"GET / HTTP/1.1\" 401 179 \"-\" \"curl/8.0\""
        }
        let vlog = try dir.write("vhost.log", vhost.joined(separator: "\n") + "\n")
        let v = try Self.json(try CLI.run(["logs", vlog, "--json"]).stdout)
        let clients = ((v["top"] as? [String: Any])?["clients"] as? [[String: Any]] ?? []).compactMap {
            $0["value"] as? String
        }
        #expect(clients == ["198.51.100.4"])
        #expect((v["inputs"] as? [[String: Any]])?.first?["format"] as? String == "vhost_combined")
    }

    @Test(
        """
        nginx open() failed: a missing document exits 0; the same line for a user file given with --user-file is a \
        cause
        """
    )
    func userFileFlag() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let lines = [
            """
            2026/11/29 08:52:01 [error] 9#9: *1 open() \"/var/www/html/404.html\" failed (2: No such file or \
            directory), client: 127.0.0.1, server: localhost, request: \"GET /caf%C3%A9.html HTTP/1.1\", host: \
            \"localhost\"
            """,
            """
            2026/11/29 08:52:02 [error] 9#9: *2 open() \"/etc/nginx/members\" failed (2: No such file or \
            directory), client: 127.0.0.1, server: localhost, request: \"GET /members/ HTTP/1.1\", host: \
            \"localhost\"
            """,
        ]
        let log = try dir.write("error.log", lines.joined(separator: "\n") + "\n")
        let plain = try CLI.run(["logs", "--error-log", log])
        #expect(plain.status == 0, "\(plain)")
        #expect(!plain.stdout.contains("logs.authfile-unreadable"), "\(plain.stdout)")
        let given = try CLI.run(["logs", "--error-log", log, "--user-file", "/etc/nginx/members", "--json"])
        #expect(given.status == 1, "\(given)")
        let object = try Self.json(given.stdout)
        #expect(object["cause"] as? String == "logs.authfile-unreadable")
        let evidence = (Self.finding(object, "logs.authfile-unreadable")?["evidence"] as? [String]) ?? []
        #expect(evidence.count == 1 && evidence.first?.contains("/etc/nginx/members") == true, "\(evidence)")
    }
}
