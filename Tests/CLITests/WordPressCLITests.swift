import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 wordpress` end to end: the real binary, a WordPress-shaped tree, and for `--bisect` a real
/// Apache serving a shell CGI that answers 401 while `wp-content/plugins/bad-plugin` exists.
@Suite(.serialized) struct WordPressCLITests {
    static let plugins = [
        "akismet", "bad-plugin", "classic-editor", "disable-json-api", "jwt-authentication-for-wp-rest-api",
        "two-factor", "wordfence",
    ]

    /// A tree like the ServerAudit tests build (kept here so the CLI tests stand alone).
    static func makeTree(
        _ dir: TempDirectory,
        htaccess: String? = "RewriteEngine On\nRewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]\n"
    ) throws -> String {
        let root = try dir.makeDirectory("wp")
        try dir.write("wp/wp-config.php", "<?php\ndefine( 'DB_NAME', 'wp' );\n")
        try dir.write("wp/wp-includes/version.php", "<?php\n$wp_version = '6.6.2';\n")
        for plugin in plugins {
            try dir.write(
                "wp/wp-content/plugins/\(plugin)/\(plugin).php",
                "<?php\n/**\n * Plugin Name: \(plugin.capitalized)\n * Version: 1.0\n */\n")
        }
        if let htaccess { try dir.write("wp/.htaccess", htaccess) }
        return root
    }

    static func names(_ root: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/wp-content/plugins")) ?? []).sorted()
    }

    /// The CGI: sleeps `delay` seconds, then 401 while bad-plugin is there, else 200.
    static func cgi(wp: String, delay: String) -> String {
        """
        #!/bin/sh
        sleep \(delay)
        if [ -d "\(wp)/wp-content/plugins/bad-plugin" ]; then
          printf 'Status: 401 Unauthorized\\r\\nWWW-Authenticate: Basic realm="WordPress"\\r\\n'
          printf 'Content-Type: application/json\\r\\n\\r\\n{"code":"rest_not_logged_in"}\\n'
        else
          printf 'Status: 200 OK\\r\\nContent-Type: application/json\\r\\n\\r\\n{"id":1}\\n'
        fi

        """
    }

    static let cgiConfig = """
        ScriptAlias /wp-json/ "{{ROOT}}/cgi-bin/"
        <Directory "{{ROOT}}/cgi-bin">
            Options +ExecCGI
            AllowOverride None
            Require all granted
        </Directory>
        """

    /// Runs `body` with Apache serving the CGI for a tree in Apache's own directory (which www-data can traverse).
    static func withBisectServer(delay: String = "0", _ body: (ApacheServer, String, String) async throws -> Void)
        async throws
    {
        try RealServers.requireApache()
        let holder = try TempDirectory(prefix: "why401-wpcli")
        defer { holder.remove() }
        let wp = try makeTree(holder)
        try await withApache(config: cgiConfig, files: [.script("cgi-bin/me", cgi(wp: wp, delay: delay))]) { apache in
            try await body(apache, wp, holder.path("journal.jsonl"))
        }
    }

    // MARK: - Audit

    @Test func auditListsPluginsAndValidatesAgainstTheSchema() throws {
        let dir = try TempDirectory(prefix: "why401-wpcli")
        defer { dir.remove() }
        let root = try Self.makeTree(dir, htaccess: "RewriteEngine On\n")
        let text = try CLI.run(["wordpress", root])
        #expect(text.status == 1, "\(text)")
        #expect(text.stdout.contains("WordPress 6.6.2"))
        #expect(text.stdout.contains("all 7 installed plugins are assumed active"))
        #expect(text.stdout.contains("wordpress.authorization-stripped"))
        #expect(text.stdout.contains("wordpress.auth-plugin"))
        let json = try CLI.run(["wordpress", root, "--json"])
        #expect(json.status == 1)
        #expect(try SchemaValidator.validate(json.stdout) == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["cause"] as? String == "wordpress.authorization-stripped")
        let wordpress = try #require(object["wordpress"] as? [String: Any])
        #expect(wordpress["version"] as? String == "6.6.2")
        #expect((wordpress["plugins"] as? [[String: Any]])?.count == 7)
        #expect(wordpress["active_source"] as? String == "assumed-all")
        let markdown = try CLI.run(["wordpress", root, "--format", "markdown"])
        #expect(markdown.stdout.contains("wordpress.auth-plugin"))
    }

    @Test func badInputGivesOneLineAndDefinedExitCodes() throws {
        let dir = try TempDirectory(prefix: "why401-wpcli")
        defer { dir.remove() }
        try dir.write("plain/index.html", "hi")
        let notWP = try CLI.run(["wordpress", dir.path("plain")])
        #expect(notWP.status == 3)
        #expect(
            notWP.stderr
                == "why401: \(dir.path("plain")) is not a WordPress installation (no wp-includes/version.php)\n")
        #expect(notWP.stdout.isEmpty)
        let missing = try CLI.run(["wordpress", dir.path("nope")])
        #expect(missing.status == 3)
        #expect(missing.stderr.split(separator: "\n").count == 1)
        let root = try Self.makeTree(dir)
        let applyAlone = try CLI.run(["wordpress", root, "--apply"])
        #expect(applyAlone.status == 2)
        #expect(applyAlone.stderr.split(separator: "\n").count == 1)
        let badURL = try CLI.run(["wordpress", root, "--bisect", "example.com/x"])
        #expect(badURL.status == 2)
        let noJournal = try CLI.run(["wordpress", root, "--undo", "--journal", dir.path("none.jsonl")])
        #expect(noJournal.status == 3)
        #expect(noJournal.stderr.contains("nothing to undo"))
        // Binary junk where plugins and .htaccess should be: a report, never a crash.
        var random = SystemRandomNumberGenerator()
        let junk = Data((0..<50_000).map { _ in UInt8.random(in: 0...255, using: &random) })
        try dir.write("wp/wp-content/plugins/junk/junk.php", junk)
        try dir.write("wp/.htaccess", junk)
        let garbage = try CLI.run(["wordpress", root, "--json"])
        #expect(garbage.status == 1 || garbage.status == 0, "\(garbage)")
        #expect(try SchemaValidator.validate(garbage.stdout) == nil)
    }

    // MARK: - Bisect

    @Test func planWithoutApplyChangesNothingAndSendsNoRequest() async throws {
        try await Self.withBisectServer { apache, wp, journal in
            let before = Self.names(wp)
            let url = apache.url("/wp-json/me")
            #expect(try HTTPProbe.get(url).status == 401)
            let r = try CLI.run(["wordpress", wp, "--bisect", url, "--journal", journal])
            #expect(r.stdout.contains("Bisect plan (nothing changed; add --apply to run it)"), "\(r)")
            #expect(r.stdout.contains("at most 6 requests"))
            #expect(Self.names(wp) == before)
            #expect(!FileManager.default.fileExists(atPath: journal))
            #expect(apache.accessLogLines().count == 1)  // only our own check above
        }
    }

    @Test func bisectApplyNamesTheCulpritLogsEachStepAndRestoresEverything() async throws {
        try await Self.withBisectServer { apache, wp, journal in
            let before = Self.names(wp)
            let url = apache.url("/wp-json/me")
            let secret = "app-pass-Zq9 xY7w"
            let r = try CLI.run(
                ["wordpress", wp, "--bisect", url, "--apply", "--journal", journal, "-u", "alice", "--json"],
                environment: ["WHY401_PASSWORD": secret])
            #expect(r.status == 1, "\(r)")
            #expect(try SchemaValidator.validate(r.stdout) == nil)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(object["cause"] as? String == "wordpress.culprit-plugin")
            let bisect = try #require(object["bisect"] as? [String: Any])
            #expect(bisect["culprit"] as? String == "bad-plugin")
            #expect(bisect["restored"] as? Bool == true)
            let steps = try #require(bisect["steps"] as? [[String: Any]])
            #expect(steps.first?["status"] as? Int == 401)
            #expect(steps.count >= 3 && steps.count <= 6)
            // Every step on stderr as it happens, and every probe reached the server.
            for index in 1...steps.count { #expect(r.stderr.contains("why401: step \(index): ")) }
            #expect(apache.accessLogLines().count == steps.count)
            #expect(Self.names(wp) == before)
            #expect(!FileManager.default.fileExists(atPath: journal))
            #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret))
        }
    }

    @Test func sigkillMidwayThenUndoRestoresEveryFolder() async throws {
        try await Self.withBisectServer(delay: "0.8") { apache, wp, journal in
            let before = Self.names(wp)
            let child = try Background.spawn(
                try CLI.binary,
                ["wordpress", wp, "--bisect", apache.url("/wp-json/me"), "--apply", "--journal", journal])
            // Wait until a rename is journaled and made.
            let renamed = waitUntil(timeout: 30) {
                (try? String(contentsOfFile: journal, encoding: .utf8))?.contains("\"op\":\"rename\"") == true
                    && Self.names(wp).contains { $0.hasSuffix(".why401-off") }
            }
            #expect(renamed)
            kill(child.pid, SIGKILL)
            let status = child.wait(timeout: 10)
            #expect(status == .signaled(SIGKILL))
            #expect(Self.names(wp) != before)
            #expect(FileManager.default.fileExists(atPath: journal))

            let audit = try CLI.run(["wordpress", wp, "--journal", journal])
            #expect(audit.stdout.contains("Left renamed by an interrupted bisect"))
            let undo = try CLI.run(["wordpress", wp, "--undo", "--journal", journal])
            #expect(undo.status == 0, "\(undo)")
            #expect(undo.stdout.contains("restored"))
            #expect(Self.names(wp) == before)
            #expect(!FileManager.default.fileExists(atPath: journal))
        }
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func signalMidwayIsRestoredByTheHandler(_ signo: Int32) async throws {
        try await Self.withBisectServer(delay: "0.8") { apache, wp, journal in
            let before = Self.names(wp)
            let child = try Background.spawn(
                try CLI.binary,
                ["wordpress", wp, "--bisect", apache.url("/wp-json/me"), "--apply", "--journal", journal])
            let renamed = waitUntil(timeout: 30) { Self.names(wp).contains { $0.hasSuffix(".why401-off") } }
            #expect(renamed)
            kill(child.pid, signo)
            let status = child.wait(timeout: 20)
            #expect(status == .exited(128 + signo), "\(child.stderr())")
            #expect(child.stderr().contains("restored"))
            #expect(Self.names(wp) == before)
            #expect(!FileManager.default.fileExists(atPath: journal))
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass. Blocking on purpose: an
/// `await Task.sleep` can wait far longer than asked when other tests occupy the cooperative pool
/// with blocking process runs, and the moment to catch (a folder renamed mid-bisect) would pass.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// A child started in the background (posix_spawn, default signal dispositions and an empty mask,
/// output to files), so a test can signal it mid-run. ProcessRunner waits for completion instead.
struct Background {
    enum Status: Equatable {
        case exited(Int32)
        case signaled(Int32)
        case stillRunning
    }

    let pid: pid_t
    let directory: TempDirectory

    static func spawn(_ executable: String, _ arguments: [String]) throws -> Background {
        let directory = try TempDirectory(prefix: "why401-bg")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory.path("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, directory.path("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        ProcessRunner.setDefaultSignals(&attr, ownProcessGroup: false)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp)
        guard rc == 0 else { throw HarnessError("posix_spawn \(executable): \(String(cString: strerror(rc)))") }
        return Background(pid: pid, directory: directory)
    }

    /// Reaps the child; SIGKILLs it if it outlives `timeout` (and reports `.stillRunning`).
    func wait(timeout: Double) -> Status {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return Self.decode(status) }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return .stillRunning
    }

    func stderr() -> String { (try? String(contentsOfFile: directory.path("stderr"), encoding: .utf8)) ?? "" }

    static func decode(_ status: Int32) -> Status {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }
}
