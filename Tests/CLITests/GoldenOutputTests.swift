// The sample outputs in README.md and docs/*.md are real output: each file in Tests/Golden/ holds the
// transcript of one or more commands (`$ command`, what it printed on stdout then stderr, `[exit N]`),
// run here by the built binary. What varies from run to run is normalised explicitly, case by case
// (`GoldenNormalizer`); everything else must match byte for byte.
//
// `WHY401_REGENERATE=1 swift test --filter GoldenOutputTests` rewrites the golden files from real
// output (the same variable docs/findings.md uses); review the diff (`git diff Tests/Golden`), then
// update the README/docs excerpts — `DocumentedSampleTests` fails until each excerpt is golden text
// again.
import Foundation
import Lab
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum Golden {
    static let directory = CLI.packageRoot.appendingPathComponent("Tests/Golden")
    /// Committed inputs of the samples (access and error logs).
    static let fixtures = directory.appendingPathComponent("fixtures").path
    static var regenerate: Bool { ProcessInfo.processInfo.environment["WHY401_REGENERATE"] == "1" }

    static func file(_ name: String) -> URL { directory.appendingPathComponent(name + ".txt") }

    /// `$ display`, stdout, stderr, `[exit N]` — the shape of every transcript.
    static func transcript(_ display: String, _ result: ProcessResult) -> String {
        var text = "$ " + display + "\n" + result.stdout
        if !text.hasSuffix("\n") { text += "\n" }
        if !result.stderr.isEmpty { text += result.stderr + (result.stderr.hasSuffix("\n") ? "" : "\n") }
        return text + "[exit \(result.status)]\n"
    }

    /// The transcripts of one golden file: a `$ ` line at the start or right after an `[exit N]`
    /// line starts the next one.
    static func transcripts(in text: String) -> [[String]] {
        var result: [[String]] = []
        var previous: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("$ ") && (previous == nil || previous!.hasPrefix("[exit ")) {
                result.append([line])
            } else if !result.isEmpty {
                result[result.count - 1].append(line)
            }
            previous = line
        }
        return result
    }

    /// Every golden command, `$ display` → its transcript's lines (the `$` line first).
    static func all() throws -> [String: [String]] {
        var byCommand: [String: [String]] = [:]
        for golden in GoldenCase.allCases {
            let text = try String(contentsOf: file(golden.rawValue), encoding: .utf8)
            for lines in transcripts(in: text) { byCommand[lines[0]] = lines }
        }
        return byCommand
    }
}

/// What varies between runs, replaced by a fixed text — each replacement says what it stands for.
/// Replacements keep the width of what they replace wherever the text renderer wraps (ports, paths),
/// so a line wraps in the golden exactly where it wrapped in the real output.
struct GoldenNormalizer {
    private var steps: [(String) -> String] = []

    func replacing(_ literal: String, with replacement: String) -> GoldenNormalizer {
        var copy = self
        copy.steps.append { $0.replacingOccurrences(of: literal, with: replacement) }
        return copy
    }

    func replacing(pattern: String, with template: String) -> GoldenNormalizer {
        var copy = self
        let regex = try! NSRegularExpression(pattern: pattern)
        copy.steps.append { text in
            regex.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
        }
        return copy
    }

    func apply(_ text: String) -> String { steps.reduce(text) { $1($0) } }

    /// The lab's two ephemeral ports (always five digits on Linux) become 18401 and 18402.
    func labPorts(_ lab: LabServer) throws -> GoldenNormalizer {
        try #require(
            String(lab.port).count == 5 && String(lab.secondPort).count == 5,
            "the lab's ports \(lab.port)/\(lab.secondPort) are not five digits: the wrapping would differ")
        return replacing("127.0.0.1:\(lab.port)", with: "127.0.0.1:18401")
            .replacing("127.0.0.1:\(lab.secondPort)", with: "127.0.0.1:18402")
    }

    /// A test server's ephemeral port (five digits) becomes `fixed`.
    func port(_ port: UInt16, as fixed: Int) throws -> GoldenNormalizer {
        try #require(String(port).count == 5 && String(fixed).count == 5, "port \(port) is not five digits")
        return replacing("127.0.0.1:\(port)", with: "127.0.0.1:\(fixed)")
    }

    /// Request timings in the transcript: `(12.5 ms, connect 1.4 first byte 6.1,` → `(N ms, connect N first byte N,`.
    func timings() -> GoldenNormalizer {
        replacing(
            pattern: #"\(\d+(\.\d+)? ms, connect \d+(\.\d+)? first byte \d+(\.\d+)?,"#,
            with: "(N ms, connect N first byte N,"
        )
        .replacing(pattern: #"\(\d+(\.\d+)? ms,"#, with: "(N ms,")
    }

    /// `Date:` response headers (the lab's clock): `Date: <HTTP-date>`.
    func httpDates() -> GoldenNormalizer {
        replacing(
            pattern: #"Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"#, with: "Date: <HTTP-date>"
        )
    }
}

/// A scratch directory whose path always has the same length (`/tmp/why401.XXXXXX`, made by
/// mkdtemp), so output naming it wraps the same on every run; the normaliser puts the template back.
final class FixedLengthTempDirectory {
    static let template = "/tmp/why401.XXXXXX"
    let path: String

    init() throws {
        var bytes = Array(Self.template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw HarnessError("mkdtemp \(Self.template) failed") }
        path = String(cString: made)
        // Readable by the worker account the server audit judges as (mkdtemp gives 0700).
        chmod(path, 0o755)
    }

    func path(_ relative: String) -> String { path + "/" + relative }

    @discardableResult
    func write(_ relative: String, _ contents: String, mode: mode_t = 0o644) throws -> String {
        try write(relative, Data(contents.utf8), mode: mode)
    }

    @discardableResult
    func write(_ relative: String, _ data: Data, mode: mode_t = 0o644) throws -> String {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        chmod(url.path, mode)
        return url.path
    }

    @discardableResult
    func makeDirectory(_ relative: String, mode: mode_t = 0o755) throws -> String {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
        chmod(path(relative), mode)
        return path(relative)
    }

    var normalizer: GoldenNormalizer { GoldenNormalizer().replacing(path, with: Self.template) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// One golden file: the command(s) whose real output it keeps, shown in the README or a guide.
enum GoldenCase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case demo
    case check
    case checkRedirect = "check-redirect"
    case checkErrors = "check-errors"
    case curl
    case curlErrors = "curl-errors"
    case har
    case harErrors = "har-errors"
    case jwt
    case challenge
    case htpasswd
    case server
    case serverErrors = "server-errors"
    case serverNginx = "server-nginx"
    case serverHtaccess = "server-htaccess"
    case serverWalk = "server-walk"
    case wordpress
    case wordpressBisect = "wordpress-bisect"
    case wordpressUndo = "wordpress-undo"
    case logs
    case logsErrorLog = "logs-error-log"
    case explainList = "explain-list"
    case explainEntry = "explain-entry"
    case explainTypo = "explain-typo"

    var testDescription: String { rawValue }

    /// The guide in docs/ that must show this golden's command(s) (the README and every other guide
    /// are checked for each sample block they have).
    var guide: String {
        switch self {
        case .demo: "docs/demo.md"
        case .check, .checkRedirect, .checkErrors: "docs/check.md"
        case .curl, .curlErrors: "docs/curl.md"
        case .har, .harErrors: "docs/har.md"
        case .jwt: "docs/jwt.md"
        case .challenge: "docs/challenge.md"
        case .htpasswd: "docs/htpasswd.md"
        case .server, .serverErrors, .serverNginx, .serverHtaccess, .serverWalk: "docs/server.md"
        case .wordpress, .wordpressBisect, .wordpressUndo: "docs/wordpress.md"
        case .logs, .logsErrorLog: "docs/logs.md"
        case .explainList, .explainEntry, .explainTypo: "docs/explain.md"
        }
    }

    /// A JWT made once with PyJWT (`jwt.encode({"sub": "alice", "aud": "api", "iat": 1795932240,
    /// "exp": 1795940720}, "secret", algorithm="HS256")`): expired since 2026-11-29T08:25:20Z, for
    /// the API "api", signed with a secret on why401's list of weak ones.
    static let expiredToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        + ".eyJzdWIiOiJhbGljZSIsImF1ZCI6ImFwaSIsImlhdCI6MTc5NTkzMjI0MCwiZXhwIjoxNzk1OTQwNzIwfQ"
        + ".yE6f2B4TAArJWZk4lW9gUEBVdGUMR5cssKfQyC96tvk"

    /// The plugins of the WordPress samples: four on why401's known list, `bad-plugin` the culprit.
    static let plugins = [
        "akismet", "bad-plugin", "classic-editor", "disable-json-api", "jwt-authentication-for-wp-rest-api",
        "two-factor",
        "wordfence",
    ]

    /// A WordPress 6.6.2 tree at `wp` with `plugins` installed.
    static func wordPressTree(in dir: FixedLengthTempDirectory) throws {
        try dir.write("wp/wp-config.php", "<?php\ndefine( 'DB_NAME', 'wp' );\n")
        try dir.write("wp/wp-includes/version.php", "<?php\n$wp_version = '6.6.2';\n")
        for plugin in plugins {
            try dir.write(
                "wp/wp-content/plugins/\(plugin)/\(plugin).php",
                "<?php\n/**\n * Plugin Name: \(plugin)\n * Version: 1.0\n */\n")
        }
    }

    /// PATH without WP-CLI, so its presence on this machine cannot change the output.
    static func pathWithoutWPCLI(_ dir: FixedLengthTempDirectory) throws -> [String: String] {
        ["PATH": try dir.makeDirectory("no-wp-cli")]
    }

    /// Runs the command(s) and returns the normalised transcript(s).
    func transcript() async throws -> String {
        switch self {
        case .demo:
            // Its own lab on ephemeral ports; the table shows no port or time.
            return Golden.transcript("why401 demo", try CLI.run(["demo"]))

        case .check:
            return try await LabServer.with { lab in
                let credentials = "\(LabScenarios.user):\(LabScenarios.wrongPassword)"
                let result = try CLI.run([lab.baseURL + "/basic/", "-u", credentials])
                let normalize = try GoldenNormalizer().labPorts(lab).timings().httpDates()
                return normalize.apply(Golden.transcript("why401 \(lab.baseURL)/basic/ -u '\(credentials)'", result))
            }

        case .checkRedirect:
            // The lab's cross-origin-redirect scenario: a 302 to its second port, which wants Basic.
            return try await LabServer.with { lab in
                let credentials = "\(LabScenarios.user):\(LabScenarios.password)"
                let result = try CLI.run([lab.baseURL + "/redirect/", "-u", credentials])
                let normalize = try GoldenNormalizer().labPorts(lab).timings().httpDates()
                return normalize.apply(Golden.transcript("why401 \(lab.baseURL)/redirect/ -u '\(credentials)'", result))
            }

        case .checkErrors:
            // Port 1 on loopback refuses; ftp is no scheme why401 speaks. Nothing else is contacted.
            return Golden.transcript(
                "why401 http://127.0.0.1:1/x -u alice:pw", try CLI.run(["http://127.0.0.1:1/x", "-u", "alice:pw"]))
                + Golden.transcript("why401 ftp://example.com/", try CLI.run(["ftp://example.com/"]))

        case .curl:
            return try await LabServer.with { lab in
                let pasted =
                    "curl '\(lab.baseURL)/basic/' -H 'accept: text/html' -H 'authorization: Basic YWxpY2U6d3Jvbmc='"
                    + " -b 'sid=abc123' --compressed -s --frobnicate"
                let result = try CLI.run(["curl", pasted])
                let normalize = try GoldenNormalizer().labPorts(lab).timings().httpDates()
                return normalize.apply(Golden.transcript("why401 curl \"\(pasted)\"", result))
            }

        case .curlErrors:
            // Refused before anything is sent: an unbalanced quote, an option why401 cannot reproduce.
            let unbalanced = "curl 'https://api.example.com/me' -u 'alice:battery staple"
            return Golden.transcript("why401 curl \"\(unbalanced)\"", try CLI.run(["curl", unbalanced]))
                + Golden.transcript(
                    "why401 curl https://api.example.com/upload -F file=@report.pdf",
                    try CLI.run(["curl", "https://api.example.com/upload", "-F", "file=@report.pdf"]))

        case .har:
            // The committed Firefox-shaped export (Tests/ImportsTests/Fixtures) as capture.har: offline.
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            let fixture = CLI.packageRoot.appendingPathComponent("Tests/ImportsTests/Fixtures/firefox-export.har")
            try dir.write("capture.har", try Data(contentsOf: fixture))
            return Golden.transcript("why401 har capture.har", try CLI.run(["har", "capture.har"], in: dir.path))

        case .harErrors:
            // A sparse 500 MiB file (refused by its size, never read), a text file, a HAR cut short.
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            let huge = try dir.write("huge.har", "")
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: huge))
            try handle.truncate(atOffset: 500 << 20)
            try handle.close()
            try dir.write("notes.txt", "GET /api/me → 401, see attached\n")
            let fixture = CLI.packageRoot.appendingPathComponent("Tests/ImportsTests/Fixtures/firefox-export.har")
            try dir.write("cut.har", try Data(contentsOf: fixture).prefix(3000))
            return try ["huge.har", "notes.txt", "cut.har"].map { name in
                Golden.transcript("why401 har \(name)", try CLI.run(["har", name], in: dir.path))
            }.joined()

        case .jwt:
            // --now fixes the clock the token is judged by (2026-12-01T00:00:00Z), so every time and
            // span in the output is the same on every run.
            let result = try CLI.run(["jwt", Self.expiredToken, "--audience", "other", "--now", "1796083200"])
            return Golden.transcript("why401 jwt \"$TOKEN\" --audience other --now 1796083200", result)

        case .challenge:
            let value = #"Bearer scope="" error="invalid_token" error_description="The access token expired""#
            return Golden.transcript("why401 challenge '\(value)'", try CLI.run(["challenge", value]))

        case .htpasswd:
            // A DES-crypt entry written by the real htpasswd, and a line that does not parse.
            let tool = try RequiredTool.path("htpasswd", package: "apache2-utils")
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            let made = try ProcessRunner.run(tool, ["-cbd", dir.path(".htpasswd"), "bob", "Secret12X"], timeout: 30)
            try #require(made.status == 0, "htpasswd -cbd failed: \(made)")
            let file = try String(contentsOfFile: dir.path(".htpasswd"), encoding: .utf8)
            try dir.write(".htpasswd", file + "broken-line\n")
            let result = try CLI.run(
                ["htpasswd", "verify", ".htpasswd", "bob", "--password-stdin"], stdin: "Secret12X\n", in: dir.path)
            return Golden.transcript("echo 'Secret12X' | why401 htpasswd verify .htpasswd bob --password-stdin", result)

        case .server:
            // An Apache configuration whose protected area names a user file that does not exist.
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            try dir.write("htdocs/private/index.html", "private\n")
            try dir.write(
                "apache2.conf",
                """
                ServerRoot "\(dir.path)"
                User www-data
                DocumentRoot "\(dir.path)/htdocs"
                <Directory "\(dir.path)/htdocs/private">
                    AuthType Basic
                    AuthName "Private"
                    AuthUserFile "\(dir.path)/.htpasswd"
                    Require valid-user
                </Directory>

                """)
            // --apache-version: <IfVersion> is judged against this, not against whatever apache2 -v says here.
            let result = try CLI.run(
                ["server", "--apache", "apache2.conf", "--apache-version", "2.4.62", "--no-walk"], in: dir.path)
            return dir.normalizer.apply(
                Golden.transcript("why401 server --apache apache2.conf --apache-version 2.4.62 --no-walk", result))

        case .serverErrors:
            // What the servers refuse is refused too, with FILE:LINE: an unclosed section, a
            // directive without `;`, a binary file.
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            try dir.write(
                "unclosed.conf",
                "ServerRoot \"\(dir.path)\"\n<Directory \"\(dir.path)/htdocs\">\n    Require all granted\n")
            try dir.write("bad-nginx.conf", "events {}\nhttp {\n    server { root \(dir.path)/htdocs\n    }\n}\n")
            try dir.write("bin.conf", Data("ServerRoot \"\(dir.path)\"\n\0\0\u{7F}ELF\n".utf8))
            let runs = [["--apache", "unclosed.conf"], ["--nginx", "bad-nginx.conf"], ["--apache", "bin.conf"]]
            return try runs.map { arguments in
                dir.normalizer.apply(
                    Golden.transcript(
                        "why401 server " + arguments.joined(separator: " "),
                        try CLI.run(["server"] + arguments, in: dir.path)))
            }.joined()

        case .serverNginx:
            // nginx: a protected location whose user file is missing, and a proxy that strips Authorization.
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            try dir.write("html/index.html", "hello\n")
            try dir.write(
                "nginx.conf",
                """
                user www-data;
                events {}
                http {
                    server {
                        listen 8080;
                        root \(dir.path)/html;
                        location /admin/ {
                            auth_basic "Admin";
                            auth_basic_user_file \(dir.path)/.htpasswd-admin;
                        }
                        location /api/ {
                            proxy_pass http://127.0.0.1:9000;
                            proxy_set_header Authorization "";
                        }
                    }
                }

                """)
            let result = try CLI.run(["server", "--nginx", "nginx.conf", "--no-walk"], in: dir.path)
            return dir.normalizer.apply(Golden.transcript("why401 server --nginx nginx.conf --no-walk", result))

        case .serverHtaccess:
            // Auth directives in a .htaccess that AllowOverride None makes Apache ignore.
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            try dir.write(
                "htdocs/old/.htaccess",
                """
                AuthType Basic
                AuthName "Old"
                AuthUserFile "\(dir.path)/.htpasswd"
                Require valid-user

                """)
            try dir.write(".htpasswd", "alice:$apr1$Cw3yBhU0$FAk6Wb2hzUXl3wMJq6m5U/\n", mode: 0o644)
            try dir.write(
                "httpd.conf",
                """
                ServerRoot "\(dir.path)"
                User www-data
                DocumentRoot "\(dir.path)/htdocs"
                <Directory "\(dir.path)/htdocs">
                    Require all granted
                    AllowOverride None
                </Directory>

                """)
            let result = try CLI.run(
                ["server", "--apache", "httpd.conf", "--apache-version", "2.4.62", "--no-walk"], in: dir.path)
            return dir.normalizer.apply(
                Golden.transcript("why401 server --apache httpd.conf --apache-version 2.4.62 --no-walk", result))

        case .serverWalk:
            // The permissions walk judges as www-data: the output names owners (0:0), so only as root.
            guard geteuid() == 0, getpwnam("www-data") != nil else {
                if RealServers.isCI {
                    throw HarnessError("the permissions sample needs root and a www-data account (CI=true)")
                }
                try Test.cancel("SKIPPED: the permissions sample needs root and a www-data account")
                throw HarnessError("cancelled")
            }
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            try dir.write("site/index.html", "hello\n")
            try dir.write("site/secret.html", "secret\n", mode: 0o600)
            try dir.write("site/locked/inner.html", "inner\n")
            chmod(dir.path("site/locked"), 0o700)
            try dir.makeDirectory("site/uploads", mode: 0o777)
            try dir.write("site/shared.txt", "shared\n", mode: 0o666)
            try dir.write("site/.htpasswd", "alice:$apr1$Cw3yBhU0$FAk6Wb2hzUXl3wMJq6m5U/\n")
            try #require(mkfifo(dir.path("site/pipe"), 0o644) == 0)
            symlink(dir.path("site/l2"), dir.path("site/l1"))
            symlink(dir.path("site/l1"), dir.path("site/l2"))
            try dir.write(
                "httpd.conf",
                """
                User www-data
                DocumentRoot "\(dir.path)/site"
                <Directory "\(dir.path)/site">
                    Require all granted
                </Directory>

                """)
            let result = try CLI.run(["server", "--apache", "httpd.conf", "--apache-version", "2.4.62"], in: dir.path)
            return dir.normalizer.apply(
                Golden.transcript("why401 server --apache httpd.conf --apache-version 2.4.62", result))

        case .wordpress:
            // The bisect plan only: nothing is sent or renamed.
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            try Self.wordPressTree(in: dir)
            let url = "http://127.0.0.1:18481/wp-json/me"
            let result = try CLI.run(
                ["wordpress", "wp", "--bisect", url], environment: try Self.pathWithoutWPCLI(dir), in: dir.path)
            return dir.normalizer.apply(Golden.transcript("why401 wordpress wp --bisect \(url)", result))

        case .wordpressBisect:
            // The bisect itself, against a loopback server that answers 401 while bad-plugin's folder exists.
            let python = try RequiredTool.path("python3", package: "python3")
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            try Self.wordPressTree(in: dir)
            let port = try FreePort.find()
            let server = try Background.spawn(
                python, ["-c", Self.pluginServer, String(port), dir.path("wp/wp-content/plugins/bad-plugin")])
            defer {
                kill(server.pid, SIGTERM)
                _ = server.wait(timeout: 5)
                server.directory.remove()
            }
            try #require(
                Loopback.poll(timeout: 10) { Loopback.isListening(port: port) },
                "the plugin server did not start: \(server.stderr())")
            let url = "http://127.0.0.1:\(port)/wp-json/me"
            var environment = try Self.pathWithoutWPCLI(dir)
            environment["WHY401_PASSWORD"] = "correct horse"
            let result = try CLI.run(
                ["wordpress", "wp", "--bisect", url, "--apply", "--journal", "j.jsonl", "-u", "alice"],
                environment: environment, in: dir.path)
            let normalize = try dir.normalizer.port(port, as: 18481)
            return normalize.apply(
                Golden.transcript(
                    """
                    why401 wordpress wp --bisect http://127.0.0.1:\(port)/wp-json/me --apply --journal j.jsonl -u \
                    alice
                    """,
                    result))

        case .wordpressUndo:
            // What a bisect killed with SIGKILL leaves: all seven renames journaled, three folders
            // still renamed (the other four were already put back).
            let dir = try FixedLengthTempDirectory()
            defer { dir.remove() }
            try Self.wordPressTree(in: dir)
            let plugins = dir.path("wp/wp-content/plugins")
            var journal =
                #"{"command":"wordpress --bisect","created":"2026-12-01T00:00:00Z","pid":4242,"why401_journal":1}"#
                + "\n"
            for plugin in Self.plugins {
                journal +=
                    #"{"from":"\#(plugins)/\#(plugin)","op":"rename","to":"\#(plugins)/\#(plugin).why401-off"}"# + "\n"
            }
            try dir.write("j.jsonl", journal)
            for plugin in ["akismet", "bad-plugin", "classic-editor"] {
                try #require(rename(plugins + "/" + plugin, plugins + "/" + plugin + ".why401-off") == 0)
            }
            let result = try CLI.run(
                ["wordpress", "wp", "--undo", "--journal", "j.jsonl"], environment: try Self.pathWithoutWPCLI(dir),
                in: dir.path)
            return dir.normalizer.apply(Golden.transcript("why401 wordpress wp --undo --journal j.jsonl", result))

        case .logs:
            // Committed fixtures: a 33-minute access log with a password guesser from 08:30:07, and
            // five Apache 2.4 error-log lines. Every time in the report comes from the logs.
            let result = try CLI.run(["logs", "access.log", "--error-log", "error.log"], in: Golden.fixtures)
            return Golden.transcript("why401 logs access.log --error-log error.log", result)

        case .logsErrorLog:
            return Golden.transcript(
                "why401 logs --error-log error.log",
                try CLI.run(["logs", "--error-log", "error.log"], in: Golden.fixtures))

        case .explainList:
            return Golden.transcript("why401 explain", try CLI.run(["explain"]))

        case .explainEntry:
            return Golden.transcript("why401 explain token.expired", try CLI.run(["explain", "token.expired"]))

        case .explainTypo:
            return Golden.transcript("why401 explain token.expird", try CLI.run(["explain", "token.expird"]))
        }
    }

    /// A loopback server for the bisect sample (argv: port, folder): 401 with a Basic challenge
    /// while the folder exists, 200 once it is renamed away.
    static let pluginServer = """
        import http.server, os, sys
        port, folder = int(sys.argv[1]), sys.argv[2]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                refused = os.path.isdir(folder)
                body = b'{"code":"rest_not_logged_in"}' if refused else b'{"id":1,"name":"alice"}'
                self.send_response(401 if refused else 200)
                if refused:
                    self.send_header("WWW-Authenticate", 'Basic realm="WordPress"')
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
        """
}

@Suite("Golden output: the samples in README.md and docs/ are real output")
struct GoldenOutputTests {
    @Test(arguments: GoldenCase.allCases)
    func matchesGoldenFile(_ golden: GoldenCase) async throws {
        let actual = try await golden.transcript()
        let file = Golden.file(golden.rawValue)
        if Golden.regenerate {
            try FileManager.default.createDirectory(at: Golden.directory, withIntermediateDirectories: true)
            try actual.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try #require(
            try? String(contentsOf: file, encoding: .utf8),
            "\(file.path) is missing: run WHY401_REGENERATE=1 swift test --filter GoldenOutputTests")
        #expect(
            actual == expected,
            """
            \(golden.rawValue): real output differs from \(file.lastPathComponent) (regenerate with \
            WHY401_REGENERATE=1 swift test --filter GoldenOutputTests, then review the diff)
            \(Self.firstDifference(expected, actual))
            """)
    }

    /// The first line where the two texts differ, for a readable failure.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(e.count, a.count) {
            let left = i < e.count ? String(e[i]) : "<end>"
            let right = i < a.count ? String(a[i]) : "<end>"
            if left != right { return "line \(i + 1):\n  golden: \(left)\n  actual: \(right)" }
        }
        return "(no line differs)"
    }

    /// A file of several transcripts splits at each `$ ` line that follows an exit line, and only there.
    @Test func transcriptsSplitAtExitLines() {
        let text = "$ why401 a\nout\n$ not a command\n[exit 1]\n$ why401 b\n[exit 3]\n"
        let split = Golden.transcripts(in: text)
        #expect(split.map(\.first) == ["$ why401 a", "$ why401 b"])
        #expect(split[0] == ["$ why401 a", "out", "$ not a command", "[exit 1]"])
    }

    /// Every transcript is normalised completely: no lab port, temp path or clock reading is left.
    @Test func goldensHoldNothingRunSpecific() throws {
        for golden in GoldenCase.allCases {
            let text = try String(contentsOf: Golden.file(golden.rawValue), encoding: .utf8)
            #expect(text.hasPrefix("$ "), "\(golden.rawValue): no command line")
            #expect(
                text.range(of: #"\[exit \d\]\n$"#, options: .regularExpression) != nil,
                "\(golden.rawValue): no exit line")
            // Ephemeral ports have five digits; the fixed ones stand for them.
            #expect(
                text.range(of: #"127\.0\.0\.1:(?!1840[12]\b|18481\b)\d{5}\b"#, options: .regularExpression) == nil,
                "\(golden.rawValue): an unnormalised port")
            #expect(!Golden.transcripts(in: text).isEmpty)
            for transcript in Golden.transcripts(in: text) {
                #expect(
                    transcript.last?.hasPrefix("[exit ") == true || transcript.last == "",
                    "\(golden.rawValue): \(transcript[0]) has no exit line")
            }
            #expect(
                text.range(of: #"/tmp/why401\.(?!XXXXXX)"#, options: .regularExpression) == nil,
                "\(golden.rawValue): an unnormalised temp path")
        }
    }
}
