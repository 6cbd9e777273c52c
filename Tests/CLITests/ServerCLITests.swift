import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `why401 server` end to end: the real binary against configs written to temp dirs (and a real
/// Apache for the clean case), every bad input ending in one line on stderr and a defined exit code,
/// nothing on disk changed, no password hash in any output format.
@Suite(.serialized) struct ServerCLITests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory(prefix: "why401-server-cli") }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func ids(_ doc: [String: Any]) -> [String] {
        ((doc["findings"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
    }

    static func oneLine(_ stderr: String) -> Bool {
        stderr.split(separator: "\n").count == 1 && stderr.hasPrefix("why401: ")
    }

    @Test("clean Apache: exit 0, valid JSON, area with file:line, and no hash in any format")
    func cleanApache() async throws {
        try RealServers.requireApache()
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: [("alice", "Secret123", .bcrypt)]),
            .text("htdocs/basic/index.html", "x\n"),
        ]
        try await withApache(config: ApacheConfigs.basicArea(), files: files) { apache in
            #expect(
                try HTTPProbe.get(
                    apache.url("/basic/"), headers: [HTTPProbe.basic(user: "alice", password: "Secret123")]
                ).status == 200)
            let hash = try String(contentsOfFile: apache.root + "/auth/htpasswd", encoding: .utf8).split(
                separator: ":")[1].trimmingCharacters(in: .whitespacesAndNewlines)
            let r = try CLI.run(["server", "--apache", apache.configPath, "--json"])
            #expect(r.status == 0, "\(r)")
            #expect(try SchemaValidator.validate(r.stdout) == nil)
            let doc = try Self.json(r.stdout)
            #expect(doc["outcome"] as? String == "ok")
            let configs = try #require(doc["configurations"] as? [[String: Any]])
            let area = try #require((configs.first?["areas"] as? [[String: Any]])?.first)
            #expect((area["at"] as? [String: Any])?["file"] as? String == apache.configPath)
            for format in ["text", "markdown", "json"] {
                let out = try CLI.run(["server", "--apache", apache.configPath, "--format", format])
                #expect(!out.stdout.contains(hash) && !out.stderr.contains(hash), "\(format) shows the hash")
                #expect(!out.stdout.contains("Secret123"))
            }
            let text = try CLI.run(["server", "--apache", apache.configPath, "--no-walk"])
            #expect(text.stdout.contains("user file \(apache.root)/auth/htpasswd"))
            #expect(text.stdout.contains("readable by www-data") || geteuid() != 0)
        }
    }

    @Test("a planted defect: exit 1 and the finding names file:line")
    func defectExitsOne() throws {
        let conf = try dir.write(
            "httpd.conf",
            """
            ServerRoot "\(dir.path)"
            DocumentRoot "\(dir.path)/htdocs"
            <Directory "\(dir.path)/htdocs/private">
                AuthType Basic
                AuthName "P"
                AuthUserFile "\(dir.path)/missing-htpasswd"
                Require valid-user
            </Directory>
            """)
        try dir.makeDirectory("htdocs/private")
        let r = try CLI.run(["server", "--apache", conf, "--no-walk"])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.contains("authfile.missing"))
        #expect(r.stdout.contains("\(conf):6"))
        let json = try CLI.run(["server", "--apache", conf, "--json"])
        #expect(try SchemaValidator.validate(json.stdout) == nil)
        #expect(Self.ids(try Self.json(json.stdout)).first == "authfile.missing")
    }

    @Test("a configured user file in the root is reported once, with its config line; an unconfigured one by the walk")
    func inDocrootOnce() throws {
        try dir.write("htdocs/p/index.html", "x\n")
        try dir.write("htdocs/pw.txt", "alice:$apr1$abcdefgh$abcdefghijklmnopqrstuv\n")
        try dir.write("htdocs/old/.htpasswd", "bob:$apr1$abcdefgh$abcdefghijklmnopqrstuv\n")
        let conf = try dir.write(
            "httpd.conf",
            """
            DocumentRoot "\(dir.path)/htdocs"
            <Directory "\(dir.path)/htdocs/p">
                AuthType Basic
                AuthName P
                AuthUserFile "\(dir.path)/htdocs/pw.txt"
                Require valid-user
            </Directory>
            """)
        let r = try CLI.run(["server", "--apache", conf, "--json"])
        #expect(r.status == 1)
        let findings = try #require(try Self.json(r.stdout)["findings"] as? [[String: Any]]).filter {
            $0["id"] as? String == "authfile.in-docroot"
        }
        let evidence = findings.map { ($0["evidence"] as? [String] ?? []).joined(separator: "\n") }
        #expect(evidence.filter { $0.contains("htdocs/pw.txt") }.count == 1, "\(evidence)")
        #expect(evidence.contains { $0.contains("\(conf):5") })
        #expect(evidence.contains { $0.contains("htdocs/old/.htpasswd") })
    }

    @Test("syntax error, include loop, binary file, missing or non-regular file: exit 3, one line naming FILE:LINE")
    func badConfigsExitThree() throws {
        let unclosed = try dir.write("unclosed.conf", "Listen 80\n<Directory /x>\n  Require all granted\n")
        var r = try CLI.run(["server", "--apache", unclosed])
        #expect(r.status == 3)
        #expect(Self.oneLine(r.stderr), "\(r.stderr)")
        #expect(r.stderr.contains("\(unclosed):2: <Directory> is never closed"))

        try dir.write("loop-a.conf", "Include loop-b.conf\n")
        try dir.write("loop-b.conf", "Include loop-a.conf\n")
        let loop = try dir.write("loop.conf", "ServerRoot \"\(dir.path)\"\nInclude loop-a.conf\n")
        r = try CLI.run(["server", "--apache", loop])
        #expect(r.status == 3)
        #expect(Self.oneLine(r.stderr) && r.stderr.contains("include loop"), "\(r.stderr)")

        let nginxBad = try dir.write("nginx.conf", "http {\n  server {\n    root /x\n  }\n}\n")
        r = try CLI.run(["server", "--nginx", nginxBad])
        #expect(r.status == 3)
        #expect(r.stderr == "why401: \(nginxBad):3: \"root\" directive is not terminated by \";\"\n")

        var binary = Data("User x\n".utf8)
        binary.append(contentsOf: (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let bin = try dir.write("binary.conf", binary)
        r = try CLI.run(["server", "--apache", bin])
        #expect(r.status == 3)
        #expect(Self.oneLine(r.stderr) && r.stderr.contains("binary file"), "\(r.stderr)")

        r = try CLI.run(["server", "--apache", dir.path("nope.conf")])
        #expect(r.status == 3)
        #expect(Self.oneLine(r.stderr) && r.stderr.contains("no such file"), "\(r.stderr)")

        #expect(mkfifo(dir.path("fifo.conf"), 0o644) == 0)
        r = try CLI.run(["server", "--nginx", dir.path("fifo.conf")])
        #expect(r.status == 3)
        #expect(Self.oneLine(r.stderr) && r.stderr.contains("not a regular file"), "\(r.stderr)")

        r = try CLI.run(["server", "--apache", dir.path])
        #expect(r.status == 3)
        #expect(Self.oneLine(r.stderr) && r.stderr.contains("no apache2.conf or httpd.conf"), "\(r.stderr)")

        r = try CLI.run(["server", "--as", "no-such-user-why401"])
        #expect(r.status == 2)
    }

    @Test("an unreadable config (as www-data, the file 0600 root) is one line and exit 3")
    func unreadableConfig() throws {
        try #require(geteuid() == 0, "needs root to run the binary as another user")
        let asWorker = ["--reuid=www-data", "--regid=www-data", "--clear-groups"]
        // A checkout under a private home directory cannot be executed by www-data: nothing to test then.
        let reachable = try ProcessRunner.run(
            "/usr/bin/setpriv", asWorker + ["/usr/bin/test", "-x", try CLI.binary], timeout: 60)
        if reachable.status != 0 {
            print("SKIPPED: www-data cannot execute \(try CLI.binary)")
            try Test.cancel("www-data cannot execute the built binary")
        }
        let conf = try dir.write("secret.conf", "User www-data\n", mode: 0o600)
        let r = try ProcessRunner.run(
            "/usr/bin/setpriv", asWorker + [try CLI.binary, "server", "--apache", conf], timeout: 60)
        #expect(r.status == 3, "\(r)")
        #expect(r.stderr == "why401: cannot read \(conf): Permission denied\n")
    }

    @Test("--root without configuration: .htaccess judged under the assumed AllowOverride None, nothing changed")
    func rootOnly() throws {
        let ht = try dir.write(
            "site/private/.htaccess", "AuthType Basic\nAuthName x\nAuthUserFile /etc/x\nRequire valid-user\n",
            mode: 0o644)
        var before = stat()
        stat(ht, &before)
        let r = try CLI.run(["server", "--root", dir.path("site"), "--apache", "/nonexistent-why401"])
        #expect(r.status == 3)  // an explicit --apache that does not exist is an error, not a silent skip
        let ok = try CLI.run(["server", "--root", dir.path("site"), "--nginx", dir.path("site")], environment: [:])
        #expect(ok.status == 3)
        // No --apache/--nginx: the defaults are read when present; the --root .htaccess is judged either way.
        let all = try CLI.run(["server", "--root", dir.path("site"), "--json"])
        #expect(all.status == 1, "\(all)")
        #expect(Self.ids(try Self.json(all.stdout)).contains("config.htaccess-ignored"))
        #expect(try SchemaValidator.validate(all.stdout) == nil)
        var after = stat()
        stat(ht, &after)
        #expect(before.st_mode == after.st_mode && before.st_mtim.tv_sec == after.st_mtim.tv_sec)
    }

    @Test("a user file of 10⁶ lines: the audit completes and parses it")
    func hugeUserFile() throws {
        let line = "u:$2y$05$abcdefghijklmnopqrstuuJ1zzHgVYnmAvhbVFDZsU1rPzGa8m0vW\n"
        var text = ""
        text.reserveCapacity(line.count * 1_000_000)
        for i in 0..<1_000_000 { text += "u\(i)" + line.dropFirst() }
        let users = try dir.write("auth/htpasswd", text)
        let conf = try dir.write(
            "httpd.conf",
            """
            <Location /private>
                AuthType Basic
                AuthName "P"
                AuthUserFile "\(users)"
                Require valid-user
            </Location>
            """)
        let r = try CLI.run(["server", "--apache", conf, "--no-walk", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.ids(try Self.json(r.stdout)).isEmpty)
    }

    @Test("the Debian defaults: both are read when installed, never a crash")
    func defaultSystem() throws {
        let r = try CLI.run(["server", "--no-walk"])
        #expect(r.status == 0 || r.status == 1 || r.status == 3, "\(r)")
        if FileManager.default.fileExists(atPath: "/etc/apache2/apache2.conf") {
            #expect(r.stdout.contains("Apache: /etc/apache2/apache2.conf (found at the default location)"))
        }
        if FileManager.default.fileExists(atPath: "/etc/nginx/nginx.conf") {
            #expect(r.stdout.contains("nginx: /etc/nginx/nginx.conf (found at the default location)"))
        }
    }

    @Test("what the server accepts is read (exit 0); what it refuses is exit 3 with its reason at FILE:LINE")
    func acceptedAndRefusedLikeTheServer() throws {
        let valid = try dir.write(
            "valid.conf",
            """
            ServerRoot "\(dir.path)"
            <IfModule mod_version.c>
            <VirtualHost *:80>
                ServerName a.example
            </VirtualHost> </IfModule>
            <Directory "\(dir.path)">
                Options None
            </Directory> end of the section
            """)
        var r = try CLI.run(["server", "--apache", valid, "--no-walk"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.isEmpty)

        let refused = try dir.write(
            "refused.conf", "ServerRoot \"\(dir.path)\"\n<VirtualHost *:80>\n    AuthType Basic\n</VirtualHost>\n")
        r = try CLI.run(["server", "--apache", refused, "--no-walk"])
        #expect(r.status == 3)
        #expect(r.stderr == "why401: \(refused):3: AuthType not allowed in <VirtualHost> context\n")

        let nginx = try dir.write("nginx-ctx.conf", "events {}\nhttp {\n    location /admin/ { auth_basic x; }\n}\n")
        r = try CLI.run(["server", "--nginx", nginx, "--no-walk"])
        #expect(r.status == 3)
        #expect(r.stderr == "why401: \(nginx):3: \"location\" directive is not allowed here\n")

        r = try CLI.run(["server", "--apache", valid, "--apache-version", "two"])
        #expect(r.status == 2)
    }

    @Test("a warning alone: exit 0 by default (errors only), exit 1 and outcome problems with --fail-on warning")
    func failOnWarning() throws {
        try dir.makeDirectory("auth")
        let users = dir.path("auth/htpasswd")
        _ = try Htpasswd.create(file: users, user: "alice", password: "Secret123", format: .sha1)
        let conf = try dir.write(
            "weak.conf",
            """
            <Location /private>
                AuthType Basic
                AuthName "P"
                AuthUserFile "\(users)"
                Require valid-user
            </Location>
            """)
        let plain = try CLI.run(["server", "--apache", conf, "--no-walk", "--json"])
        #expect(plain.status == 0, "\(plain)")
        let doc = try Self.json(plain.stdout)
        #expect(Self.ids(doc) == ["authfile.weak-hash"], "\(plain.stdout)")
        #expect(doc["outcome"] as? String == "ok")
        #expect(doc["cause"] as? String == "authfile.weak-hash", "a warning still explains, it just does not fail")
        let strict = try CLI.run(["server", "--apache", conf, "--no-walk", "--json", "--fail-on", "warning"])
        #expect(strict.status == 1, "\(strict)")
        #expect(try Self.json(strict.stdout)["outcome"] as? String == "problems")
        #expect(try SchemaValidator.validate(strict.stdout) == nil)
        let bad = try CLI.run(["server", "--apache", conf, "--no-walk", "--fail-on", "info"])
        #expect(bad.status == 2 && Self.oneLine(bad.stderr), "\(bad)")
    }

    @Test("Satisfy Any: exit 1, the area is listed as NOT protected, config.auth-bypassed in JSON")
    func satisfyAny() throws {
        let conf = try dir.write(
            "satisfy.conf",
            """
            ServerRoot "\(dir.path)"
            <Directory "\(dir.path)/private">
                AuthType Basic
                AuthName "Private"
                AuthUserFile "\(dir.path)/htpasswd"
                Require valid-user
                Order allow,deny
                Allow from all
                Satisfy Any
            </Directory>
            """)
        try Htpasswd.create(file: dir.path("htpasswd"), user: "alice", password: "Secret123")
        let text = try CLI.run(["server", "--apache", conf, "--no-walk"])
        #expect(text.status == 1)
        #expect(
            text.stdout.contains(
                """
                NOT protected: Satisfy Any (\(conf):9) with Allow from all (\(conf):8) lets everyone in without a \
                password
                """
            ), "\(text.stdout)")
        let json = try CLI.run(["server", "--apache", conf, "--no-walk", "--json"])
        let doc = try Self.json(json.stdout)
        #expect(Self.ids(doc).first == "config.auth-bypassed")
        let area = try #require(
            ((doc["configurations"] as? [[String: Any]])?.first?["areas"] as? [[String: Any]])?.first)
        #expect(area["protected"] as? Bool == false)
    }
}
