// Smoke tests of the real-server harness: real Apache httpd and nginx, real htpasswd.
import Foundation
import TestSupport
import Testing

@Suite("Real server smoke tests")
struct SmokeTests {
    static let basicUsers: [(user: String, password: String, format: Htpasswd.Format)] = [
        ("alice", "Secret123", .bcrypt),
        ("bob", "Hunter22", .md5),
    ]

    @Test("Apache Basic: 401 challenge, AH01617 on a wrong password, 200 for bcrypt and apr1 users")
    func apacheBasic() async throws {
        try RealServers.requireApache()
        let config = """
            <Directory "{{DOCROOT}}/basic">
                AuthType Basic
                AuthName "Private Basic Area"
                AuthBasicProvider file
                AuthUserFile "{{ROOT}}/auth/htpasswd"
                Require valid-user
            </Directory>
            """
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: Self.basicUsers),
            .text("htdocs/basic/index.html", "<p>secret</p>\n"),
            .text("htdocs/index.html", "<p>public</p>\n"),
        ]
        let clock = ContinuousClock()
        let t0 = clock.now
        var started = t0
        let port = try await withApache(config: config, files: files) { apache in
            started = clock.now
            #expect(apache.baseURL == "http://127.0.0.1:\(apache.port)")

            let open = try HTTPProbe.get(apache.url("/"))
            #expect(open.status == 200)

            let none = try HTTPProbe.get(apache.url("/basic/"))
            #expect(none.status == 401)
            #expect(none.headers(named: "WWW-Authenticate") == [#"Basic realm="Private Basic Area""#])

            let wrong = try HTTPProbe.get(
                apache.url("/basic/"), headers: [HTTPProbe.basic(user: "alice", password: "wrong")])
            #expect(wrong.status == 401)
            #expect(
                await apache.waitForErrorLog(containing: "AH01617"),
                "error.log:\n\(apache.readErrorLog())")
            #expect(
                apache.readErrorLog().contains(
                    #"AH01617: user alice: authentication failure for "/basic/": Password Mismatch"#))

            for (user, password, _) in Self.basicUsers {
                let ok = try HTTPProbe.get(
                    apache.url("/basic/"), headers: [HTTPProbe.basic(user: user, password: password)])
                #expect(ok.status == 200, "user \(user): \(ok)")
                #expect(ok.bodyText.contains("secret"))
            }

            #expect(await apache.waitForAccessLog(containing: #""GET /basic/ HTTP/1.1" 401"#))
            #expect(await apache.waitForAccessLog(containing: #"bob ["#))
            let lines401 = apache.accessLogLines().filter { $0.contains("\" 401 ") }
            #expect(lines401.count == 2, "access.log:\n\(apache.readAccessLog())")
            return apache.port
        }
        let t1 = clock.now
        #expect(!Loopback.isListening(port: port), "Apache still listening on \(port) after stop")
        print("TIMING apache: start \(started - t0), requests+stop \(t1 - started)")
    }

    @Test("Apache Digest: 401 with a Digest challenge carrying realm and nonce")
    func apacheDigest() async throws {
        try RealServers.requireApache()
        let realm = "Private Digest Area"
        let config = ApacheConfigs.digestArea(realm: realm)
        let line = try Htdigest.line(user: "dave", realm: realm, password: "Secret123")
        #expect(line.hasPrefix("dave:\(realm):"))
        #expect(line.count == "dave:\(realm):".count + 32)
        let port = try await withApache(
            config: config,
            files: [
                .htdigest("auth/htdigest", users: [("dave", realm, "Secret123")]),
                .text("htdocs/digest/index.html", "digest\n"),
            ]
        ) { apache in
            let none = try HTTPProbe.get(apache.url("/digest/"))
            #expect(none.status == 401)
            let challenge = try #require(none.header("WWW-Authenticate"))
            #expect(challenge.hasPrefix(#"Digest realm="Private Digest Area", nonce=""#), "\(challenge)")
            #expect(challenge.contains("qop=\"auth\""))
            #expect(await apache.waitForAccessLog(containing: #""GET /digest/ HTTP/1.1" 401"#))
            return apache.port
        }
        #expect(!Loopback.isListening(port: port))
    }

    @Test("nginx auth_basic: 401 from Server: nginx, password mismatch logged, 200 with the right password")
    func nginxBasic() async throws {
        try RealServers.requireNginx()
        let config = NginxConfigs.basicLocation()
        let clock = ContinuousClock()
        let t0 = clock.now
        var started = t0
        let port = try await withNginx(
            config: config,
            files: [
                .htpasswd("auth/htpasswd", users: Self.basicUsers),
                .text("htdocs/basic/index.html", "<p>secret</p>\n"),
            ]
        ) { nginx in
            started = clock.now
            let none = try HTTPProbe.get(nginx.url("/basic/"))
            #expect(none.status == 401)
            #expect(none.header("Server")?.hasPrefix("nginx") == true, "\(none)")
            #expect(none.headers(named: "www-authenticate") == [#"Basic realm="Private Basic Area""#])

            let wrong = try HTTPProbe.get(
                nginx.url("/basic/"), headers: [HTTPProbe.basic(user: "bob", password: "nope")])
            #expect(wrong.status == 401)
            #expect(
                await nginx.waitForErrorLog(containing: #"user "bob": password mismatch"#),
                "error.log:\n\(nginx.readErrorLog())")

            for (user, password, _) in Self.basicUsers {
                let ok = try HTTPProbe.get(
                    nginx.url("/basic/"), headers: [HTTPProbe.basic(user: user, password: password)])
                #expect(ok.status == 200, "user \(user): \(ok)")
                #expect(ok.bodyText.contains("secret"))
            }
            #expect(await nginx.waitForAccessLog(containing: #""GET /basic/ HTTP/1.1" 401"#))
            let lines401 = nginx.accessLogLines().filter { $0.contains("\" 401 ") }
            #expect(lines401.count == 2, "access.log:\n\(nginx.readAccessLog())")
            return nginx.port
        }
        let t1 = clock.now
        #expect(!Loopback.isListening(port: port), "nginx still listening on \(port) after stop")
        print("TIMING nginx: start \(started - t0), requests+stop \(t1 - started)")
    }

    @Test("ProcessRunner drains large output on both pipes, feeds stdin, and kills on timeout")
    func processRunner() throws {
        let big = try ProcessRunner.run(
            "/bin/sh",
            ["-c", "head -c 3000000 /dev/zero | tr '\\0' x; head -c 2000000 /dev/zero | tr '\\0' y >&2; exit 3"])
        #expect(big.status == 3)
        #expect(big.stdout.count == 3_000_000)
        #expect(big.stderr.count == 2_000_000)

        let echo = try ProcessRunner.run("cat", [], stdin: "hello\n")
        #expect(echo.stdout == "hello\n")

        let env = try ProcessRunner.run("/bin/sh", ["-c", "printf %s \"$WHY401_X\""], environment: ["WHY401_X": "y"])
        #expect(env.stdout == "y")

        let start = Date()
        let slow = try ProcessRunner.run("/bin/sleep", ["30"], timeout: 0.5)
        #expect(slow.timedOut)
        // killed at 0.5 s, not after the 30 s sleep (generous: CI is loaded)
        #expect(Date().timeIntervalSince(start) < 20)

        #expect(ProcessRunner.which("sh") != nil)
        #expect(ProcessRunner.which("no-such-tool-why401") == nil)
        #expect(throws: ProcessRunnerError.self) { try ProcessRunner.run("/no/such/binary", []) }
    }
}
