// Logs written by real Apache httpd and nginx during the test, scanned with exact expected counts.
import Evidence
import Foundation
import TestSupport
import Testing

@testable import LogScan

func curl(_ args: [String]) throws {
    let r = try ProcessRunner.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "--max-time", "10"] + args, timeout: 20)
    #expect(r.status == 0, "curl \(args): \(r)")
}

@Suite("LogScan on real server logs", .serialized)
struct RealServerLogTests {
    static let users: [(user: String, password: String, format: Htpasswd.Format)] = [("alice", "Secret123", .md5)]

    @Test("Apache: access.log figures and error.log causes (Basic, Digest, Bearer, missing AuthUserFile)")
    func apache() async throws {
        try RealServers.requireApache()
        let realm = "Private Digest Area"
        let config =
            ApacheConfigs.basicArea() + "\n" + ApacheConfigs.digestArea(realm: realm) + """

                <Directory "{{DOCROOT}}/missing">
                    AuthType Basic
                    AuthName "Missing"
                    AuthUserFile "{{ROOT}}/auth/no-such-htpasswd"
                    Require valid-user
                </Directory>
                """
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: Self.users),
            .htdigest("auth/htdigest", users: [("dave", realm, "Secret123")]),
            .text("htdocs/basic/index.html", "basic\n"),
            .text("htdocs/digest/index.html", "digest\n"),
            .text("htdocs/missing/index.html", "missing\n"),
        ]
        try await withApache(config: config, files: files, options: ApacheOptions(extraModules: ["auth_digest"])) {
            apache in
            let basic = apache.url("/basic/")
            let digest = apache.url("/digest/")
            try curl(["-u", "alice:Secret123", basic])  // 200
            try curl([basic])  // 401, nothing in error.log
            try curl(["-u", "alice:wrong", basic])  // 401 AH01617
            try curl(["-u", "nosuchuser:x", basic])  // 401 AH01618
            try curl(["-H", "Authorization: Bearer abc.def", basic])  // 401 AH01614
            try curl(["--digest", "-u", "dave:Secret123", digest])  // 401 (-) then 200 dave: a handshake
            try curl(["--digest", "-u", "dave:wrong", digest])  // 401, 401 AH01794
            try curl(["--digest", "-u", "ghost:x", digest])  // 401, 401 AH01790
            try curl(["-u", "alice:Secret123", apache.url("/missing/")])  // 500 AH01620
            #expect(await apache.waitForAccessLog(containing: "\"GET /missing/ HTTP/1.1\" 500"))
            #expect(await apache.waitForErrorLog(containing: "AH01620"))
            let lines = apache.accessLogLines()
            #expect(lines.count == 12, "\(lines)")

            let s = try LogScan.scan(
                LogScanOptions(accessPaths: [apache.accessLogPath, apache.errorLogPath], threads: 2))
            #expect(s.inputs.map(\.format) == ["combined", "apache-error"])
            #expect(s.lines == 12)
            #expect(s.requests == 12)
            #expect(s.malformed == 0)
            #expect(s.unauthorized == lines.filter { $0.contains("\" 401 ") }.count)
            #expect(s.unauthorized == 9)
            #expect(s.handshakes == 1)
            #expect(s.successes == 2)
            #expect(s.topPaths == [Tally("/basic/", 4), Tally("/digest/", 4)])
            #expect(s.topUsers == [Tally("alice", 1), Tally("dave", 1), Tally("ghost", 1), Tally("nosuchuser", 1)])
            #expect(s.clients.map(\.address) == ["127.0.0.1"])
            #expect(s.clients.first?.failures == 8)
            #expect(s.clients.first?.successes == 2)
            #expect(s.users.first { $0.name == "dave" }?.successes == 1)

            let causes = s.errorEvents.map {
                "\($0.code ?? "-") \($0.cause.rawValue) \($0.user ?? "-") \($0.path ?? "-") \($0.count)"
            }
            #expect(
                causes == [
                    "AH01617 password-mismatch alice /basic/ 1",
                    "AH01618 user-not-found nosuchuser /basic/ 1",
                    "AH01614 wrong-scheme - /basic/ 1",
                    "AH01794 password-mismatch dave /digest/ 1",
                    "AH01790 user-not-found ghost /digest/ 1",
                    "AH01620 authfile-unreadable - - 1",
                ], "\(apache.readErrorLog())")
            let unreadable = s.errorEvents.last
            #expect(unreadable?.file == apache.root + "/auth/no-such-htpasswd")
            #expect(unreadable?.reason == "No such file or directory")
        }
    }

    @Test("nginx: access.log figures and error.log causes at info level")
    func nginx() async throws {
        try RealServers.requireNginx()
        let config =
            NginxConfigs.basicLocation() + "\n"
            + NginxConfigs.basicLocation("/missing/", realm: "Missing", userFile: "{{ROOT}}/auth/no-such-htpasswd")
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: Self.users),
            .text("htdocs/basic/index.html", "basic\n"),
            .text("htdocs/missing/index.html", "missing\n"),
        ]
        try await withNginx(config: config, files: files, options: NginxOptions(errorLogLevel: "info")) { nginx in
            let basic = nginx.url("/basic/")
            try curl(["-u", "alice:Secret123", basic])  // 200
            try curl([basic])  // 401 no user/password (info)
            try curl(["-u", "alice:wrong", basic])  // 401 password mismatch
            try curl(["-u", "nosuchuser:x", basic])  // 401 was not found in
            try curl(["-u", "alice:Secret123", nginx.url("/missing/")])  // 403 open() failed
            // 404, open() of a document: not an auth cause
            try curl(["-u", "alice:Secret123", nginx.url("/nothing-here.html")])
            #expect(await nginx.waitForAccessLog(containing: "/nothing-here.html"))
            let lines = nginx.accessLogLines()
            #expect(lines.count == 6)

            let s = try LogScan.scan(
                LogScanOptions(accessPaths: [nginx.accessLogPath], errorPaths: [nginx.errorLogPath]))
            #expect(s.inputs.map(\.format) == ["combined", "nginx-error"])
            #expect(s.requests == 6)
            #expect(s.unauthorized == 3)
            #expect(s.handshakes == 0)
            #expect(s.successes == 1)
            #expect(s.topUsers == [Tally("alice", 1), Tally("nosuchuser", 1)])
            let causes = s.errorEvents.map { "\($0.cause.rawValue) \($0.user ?? "-") \($0.path ?? "-") \($0.count)" }
            #expect(
                causes == [
                    "no-credentials - /basic/ 1",
                    "password-mismatch alice /basic/ 1",
                    "user-not-found nosuchuser /basic/ 1",
                    "authfile-unreadable - /missing/ 1",
                ], "\(nginx.readErrorLog())")
            #expect(s.errorEvents.first { $0.cause == .userNotFound }?.file == nginx.root + "/auth/htpasswd")
            #expect(s.errorEvents.last?.reason == "No such file or directory")
        }
    }

    @Test("Apache Digest: a missing user file is AH01622, read like AH01620; a qop-less answer is AH10560")
    func apacheDigestUserFile() async throws {
        try RealServers.requireApache()
        // Apache 2.4.71 no longer takes qop-less Digest answers (AH10560 instead of checking them and
        // logging AH01792), so AH01792 cannot be produced here: RealWorldShapeTests reads it from literal lines.
        let config =
            ApacheConfigs.digestArea() + """

                <Directory "{{DOCROOT}}/dmissing">
                    AuthType Digest
                    AuthName "Private Digest Area"
                    AuthDigestProvider file
                    AuthUserFile "{{ROOT}}/auth/no-such-htdigest"
                    Require valid-user
                </Directory>
                """
        let files: [ServerFile] = [
            .htdigest("auth/htdigest", users: [("dave", "Private Digest Area", "Secret123")]),
            .text("htdocs/digest/index.html", "digest\n"),
            .text("htdocs/dmissing/index.html", "missing\n"),
        ]
        try await withApache(config: config, files: files, options: ApacheOptions(extraModules: ["auth_digest"])) {
            apache in
            try curl(["--digest", "-u", "dave:wrong", apache.url("/digest/")])  // 401, 401 AH01794
            try curl(["--digest", "-u", "dave:Secret123", apache.url("/dmissing/")])  // 401, then 500 AH01622
            // an RFC 2069 answer (no qop, no nc/cnonce) to a fresh nonce: 401 and AH10560
            let challenge = try HTTPProbe.get(apache.url("/digest/")).header("WWW-Authenticate") ?? ""
            let nonce =
                challenge.components(separatedBy: "nonce=\"").dropFirst().first?.components(separatedBy: "\"").first
                ?? ""
            let old =
                """
                Digest username=\"dave\", realm=\"Private Digest Area\", nonce=\"\(nonce)\", uri=\"/digest/\", \
                response=\"0123456789abcdef0123456789abcdef\"
                """
            #expect(try HTTPProbe.get(apache.url("/digest/"), headers: [("Authorization", old)]).status == 401)
            #expect(await apache.waitForErrorLog(containing: "AH01622"))
            #expect(await apache.waitForErrorLog(containing: "AH10560"))
            let s = try LogScan.scan(LogScanOptions(errorPaths: [apache.errorLogPath]))
            #expect(s.inputs.map(\.format) == ["apache-error"])
            let causes = s.errorEvents.map { "\($0.code ?? "-") \($0.cause.rawValue) \($0.user ?? "-") \($0.count)" }
            #expect(
                causes == [
                    "AH01794 password-mismatch dave 1", "AH01622 authfile-unreadable - 1", "AH10560 wrong-scheme - 1",
                ], "\(apache.readErrorLog())")
            let unreadable = s.errorEvents.first { $0.code == "AH01622" }
            #expect(unreadable?.file == apache.root + "/auth/no-such-htdigest")
            #expect(unreadable?.reason == "No such file or directory")
            #expect(s.errorEvents.last?.path == "/digest/")
        }
    }

    @Test("nginx: open() of a missing document (decoded URI, alias, error_page) is a 404, of a user file an auth cause")
    func nginxDocumentsAndUserFiles() async throws {
        try RealServers.requireNginx()
        let config = """
            error_page 404 /404.html;
            location /img/ { alias {{ROOT}}/images/; }
            """ + "\n" + NginxConfigs.basicLocation("/gone/", realm: "Gone", userFile: "{{ROOT}}/auth/gone.htpasswd")
            + "\n" + NginxConfigs.basicLocation("/members/", realm: "Members", userFile: "{{ROOT}}/auth/members")
            + "\n" + NginxConfigs.basicLocation("/locked/", realm: "Locked", userFile: "{{ROOT}}/auth/locked")
        let files: [ServerFile] = [
            .directory("images"),
            .text("htdocs/gone/index.html", "x\n"), .text("htdocs/members/index.html", "x\n"),
            .text("htdocs/locked/index.html", "x\n"),
            .htpasswd("auth/locked", users: Self.users, mode: 0o000),
        ]
        try await withNginx(config: config, files: files) { nginx in
            try curl([nginx.url("/img/nope.png")])  // 404: alias target, then the error_page target
            try curl([nginx.url("/caf%C3%A9.html")])  // 404: the decoded name
            try curl([nginx.url("/.htpasswd")])  // 404: a probe for the user file's name
            try curl(["-u", "alice:Secret123", nginx.url("/gone/")])  // 403: user file missing, named like one
            try curl(["-u", "alice:Secret123", nginx.url("/members/")])  // 403: user file missing, plain name
            try curl(["-u", "alice:Secret123", nginx.url("/locked/")])  // 500: unreadable user file ([crit])
            #expect(await nginx.waitForAccessLog(containing: "/locked/"))
            let log = nginx.readErrorLog()
            #expect(
                log.contains("/404.html\" failed") && log.contains("café.html\" failed") && log.contains("[crit]"),
                "\(log)")
            let files = { (s: LogSummary) in
                s.errorEvents.map {
                    """
                    \($0.cause.rawValue) \($0.path ?? "-") \
                    \(($0.file ?? "-").replacingOccurrences(of: nginx.root, with: "ROOT"))
                    """
                }
            }
            let s = try LogScan.scan(LogScanOptions(errorPaths: [nginx.errorLogPath]))
            #expect(
                files(s) == [
                    "authfile-unreadable /gone/ ROOT/auth/gone.htpasswd",
                    "authfile-unreadable /locked/ ROOT/auth/locked",
                ], "\(log)")
            #expect(s.errorEvents.last?.reason == "Permission denied")
            // the configured user file with a plain name, given as such
            var options = LogScanOptions(errorPaths: [nginx.errorLogPath])
            options.userFiles = [nginx.root + "/auth/members"]
            let configured = try LogScan.scan(options)
            #expect(
                files(configured) == [
                    "authfile-unreadable /gone/ ROOT/auth/gone.htpasswd",
                    "authfile-unreadable /members/ ROOT/auth/members",
                    "authfile-unreadable /locked/ ROOT/auth/locked",
                ], "\(log)")
        }
    }
}
