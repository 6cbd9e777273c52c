// Logs written by real Apache httpd and nginx during the test, scanned with exact expected counts.
import Evidence
import Foundation
import Testing
import TestSupport

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
        let config = ApacheConfigs.basicArea() + "\n" + ApacheConfigs.digestArea(realm: realm) + """

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
        try await withApache(config: config, files: files, options: ApacheOptions(extraModules: ["auth_digest"])) { apache in
            let basic = apache.url("/basic/"), digest = apache.url("/digest/")
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

            let s = try LogScan.scan(LogScanOptions(accessPaths: [apache.accessLogPath, apache.errorLogPath], threads: 2))
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

            let causes = s.errorEvents.map { "\($0.code ?? "-") \($0.cause.rawValue) \($0.user ?? "-") \($0.path ?? "-") \($0.count)" }
            #expect(causes == [
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
        let config = NginxConfigs.basicLocation() + "\n"
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
            try curl(["-u", "alice:Secret123", nginx.url("/nothing-here.html")])  // 404, open() of a document: not an auth cause
            #expect(await nginx.waitForAccessLog(containing: "/nothing-here.html"))
            let lines = nginx.accessLogLines()
            #expect(lines.count == 6)

            let s = try LogScan.scan(LogScanOptions(accessPaths: [nginx.accessLogPath], errorPaths: [nginx.errorLogPath]))
            #expect(s.inputs.map(\.format) == ["combined", "nginx-error"])
            #expect(s.requests == 6)
            #expect(s.unauthorized == 3)
            #expect(s.handshakes == 0)
            #expect(s.successes == 1)
            #expect(s.topUsers == [Tally("alice", 1), Tally("nosuchuser", 1)])
            let causes = s.errorEvents.map { "\($0.cause.rawValue) \($0.user ?? "-") \($0.path ?? "-") \($0.count)" }
            #expect(causes == [
                "no-credentials - /basic/ 1",
                "password-mismatch alice /basic/ 1",
                "user-not-found nosuchuser /basic/ 1",
                "authfile-unreadable - /missing/ 1",
            ], "\(nginx.readErrorLog())")
            #expect(s.errorEvents.first { $0.cause == .userNotFound }?.file == nginx.root + "/auth/htpasswd")
            #expect(s.errorEvents.last?.reason == "No such file or directory")
        }
    }
}
