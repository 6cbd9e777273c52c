// Issue 11 (real-world corrections), error logs and the access-log shapes that were misread: each
// test is built from lines of the shape the issue names (written here, not copied from anywhere), and
// checks the whole class — every variant the fix claims — not just one line.
import Evidence
import Foundation
import TestSupport
import Testing

@testable import LogScan

@Suite("LogScan real-world shapes")
struct RealWorldShapeTests {
    static let t0: Int64 = 1_795_910_400 + 8 * 3600 + 51 * 60  // 2026-11-29 08:51:00 UTC

    static func scan(
        _ name: String, _ text: String, error: Bool = false, _ configure: (inout LogScanOptions) -> Void = { _ in }
    ) throws -> (LogSummary, String) {
        let dir = try TempDirectory(prefix: "logscan")
        let path = try dir.write(name, text)
        var options = error ? LogScanOptions(errorPaths: [path]) : LogScanOptions(accessPaths: [path])
        configure(&options)
        return (try LogScan.scan(options), path)
    }

    static func causes(_ s: LogSummary) -> [String] {
        s.errorEvents.map {
            "\($0.code ?? "-") \($0.cause.rawValue) \($0.user ?? "-") \($0.path ?? "-") \($0.file ?? "-") \($0.count)"
        }
    }

    // MARK: Apache 2.4 codes

    @Test("AH01792 (Digest, no qop) is a password mismatch like AH01794; AH01622 (Digest user file) like AH01620")
    func digestCodes() throws {
        let text = """
            [Sun Nov 29 08:51:01.100000 2026] [auth_digest:error] [pid 17540:tid 140123] [client 127.0.0.1:51406] \
            AH01792: user username: password mismatch: /digest/x.html
            [Sun Nov 29 08:51:02.100000 2026] [auth_digest:error] [pid 17540:tid 140123] [client 127.0.0.1:51407] \
            AH01792: user username: password mismatch: /digest/x.html
            [Sun Nov 29 08:51:03.100000 2026] [auth_digest:error] [pid 17540:tid 140123] [client 127.0.0.1:51408] \
            AH01794: user dave: password mismatch: /digest/
            [Sun Nov 29 08:51:04.100000 2026] [authn_file:error] [pid 17540:tid 140123] (13)Permission denied: [client \
            127.0.0.1:51409] AH01622: Could not open password file: /etc/apache2/.htdigest
            [Sun Nov 29 08:51:05.100000 2026] [authn_file:error] [pid 17540:tid 140123] (2)No such file or directory: \
            [client 127.0.0.1:51410] AH01622: Could not open password file: /srv/auth/digest-users
            [Sun Nov 29 08:51:06.100000 2026] [auth_digest:error] [pid 17540:tid 140123] [client 127.0.0.1:51411] \
            AH01793: invalid qop `auth-int' received: /digest/
            [Sun Nov 29 08:51:07.100000 2026] [auth_digest:error] [pid 17540:tid 140123] [client 127.0.0.1:51412] \
            AH10560: invalid or missing qop value '(null)', RFC 2069 is no longer supported: /digest/x.html

            """
        let (s, path) = try Self.scan("error.log", text)
        #expect(s.inputs.map(\.format) == ["apache-error"])
        #expect(
            Self.causes(s) == [
                "AH01792 password-mismatch username /digest/x.html - 2",
                "AH01794 password-mismatch dave /digest/ - 1",
                "AH01622 authfile-unreadable - - /etc/apache2/.htdigest 1",
                "AH01622 authfile-unreadable - - /srv/auth/digest-users 1",
                "AH10560 wrong-scheme - /digest/x.html - 1",
            ])
        #expect(s.errorEvents.map(\.reason) == [nil, nil, "Permission denied", "No such file or directory", nil])
        #expect(s.errorEvents.first?.first == Self.t0 + 1 && s.errorEvents.first?.last == Self.t0 + 2)
        #expect(s.errorEvents.first?.firstLine == LineReference(path: path, line: 1))
    }

    // MARK: Apache 2.2 / 2.0 (no AH code)

    @Test(
        """
        Apache 2.2/2.0 lines map to the causes of their 2.4 counterparts; anchored, so a path that contains the \
        words is not one
        """
    )
    func apache22() throws {
        let text = """
            [Wed Jul 17 22:18:52 2013] [error] [client 127.0.0.1] user username: authentication failure for \
            "/basic/file": Password Mismatch
            [Wed Jul 17 22:18:53 2013] [error] [client 127.0.0.1] user nobody not found: /basic/file
            [Wed Jul 17 22:18:54 2013] [error] [client 127.0.0.1] client used wrong authentication scheme: /basic/file
            [Wed Jul 17 22:18:55 2013] [error] [client 127.0.0.1] Digest: user username: password mismatch: /digest/file
            [Wed Jul 17 22:18:56 2013] [error] [client 127.0.0.1] Digest: user `ghost' in realm `Private' not found: \
            /digest/file
            [Wed Jul 17 22:18:57 2013] [error] [client 127.0.0.1] Digest: client used wrong authentication scheme \
            `Basic': /digest/file
            [Wed Jul 17 22:18:58 2013] [error] [client 127.0.0.1] (13)Permission denied: Could not open password file: \
            /etc/apache2/passwd
            [Wed Jul 17 22:18:59 2013] [error] [client 127.0.0.1] access to /private/ failed, reason: user 'bob' does \
            not meet 'require'ments for user/valid-user to be allowed access
            [Wed Jul 17 22:19:00 2013] [error] [client 127.0.0.1] Authorization of user carol to access /group/ \
            failed, reason: user is not part of the 'require'ed group(s).
            [Wed Jul 17 22:19:01 2013] [crit] [client 127.0.0.1] configuration error:  couldn't check user: /noauth/
            [Wed Jul 17 22:19:02 2013] [error] [client 127.0.0.1] user username: authentication failure for \
            "/basic/file": Password Mismatch, referer: http://example.com/
            [Wed Jul 17 22:19:03 2013] [error] [client 10.1.2.3] File does not exist: /var/www/user root not found: /x
            [Wed Jul 17 22:19:04 2013] [error] [client 10.1.2.3] File does not exist: /var/www/Digest: user root: \
            password mismatch: /x
            [Wed Jul 17 22:19:05 2013] [error] [client 10.1.2.3] script '/var/www/user admin not found: x.php' not \
            found or unable to stat
            [Wed Jul 17 22:19:06 2013] [notice] Apache/2.2.22 (Debian) configured -- resuming normal operations

            """
        let (s, _) = try Self.scan("error.log", text)
        #expect(s.inputs.map(\.format) == ["apache-error"])
        #expect(s.errorLines == 15)
        #expect(
            Self.causes(s) == [
                "- password-mismatch username /basic/file - 2",
                "- user-not-found nobody /basic/file - 1",
                "- wrong-scheme - /basic/file - 1",
                "- password-mismatch username /digest/file - 1",
                "- user-not-found ghost /digest/file - 1",
                "- wrong-scheme - /digest/file - 1",
                "- authfile-unreadable - - /etc/apache2/passwd 1",
                "- authorization-failure bob /private/ - 1",
                "- authorization-failure carol /group/ - 1",
                "- auth-not-configured - /noauth/ - 1",
            ])
        #expect(s.errorEvents.allSatisfy { $0.server == "apache" })
        let utc = try #require(LogScan.parseTime("2013-07-17T22:18:52Z"))
        #expect(s.errorEvents.first?.first == utc && s.errorEvents.first?.last == utc + 10)
        #expect(s.errorEvents.first { $0.cause == .authfileUnreadable }?.reason == "Permission denied")
    }

    @Test("an unknown AH code with an auth-like text is not taken for a cause")
    func unknownCode() throws {
        let text = """
            [Sun Nov 29 08:51:01.100000 2026] [x:error] [pid 1:tid 1] [client 127.0.0.1:1] AH09999: user alice not \
            found: /basic/
            [Sun Nov 29 08:51:02.100000 2026] [core:error] [pid 1:tid 1] [client 127.0.0.1:1] AH00128: File does not \
            exist: /var/www/user root not found: /x

            """
        let (s, _) = try Self.scan("error.log", text)
        #expect(s.inputs.map(\.format) == ["apache-error"])
        #expect(s.errorEvents.isEmpty)
    }

    // MARK: per-line detection, multi-line records

    /// An nginx record from PHP-FPM whose message runs over several lines without a date; the last
    /// one carries `client:` and `request:`. One of its lines quotes an auth message (PHP output).
    static func phpRecord(_ second: Int, lines: Int) -> String {
        var out = [
            """
            2026/11/29 08:51:\(String(format: "%02d", second)) [error] 9#9: *\(second) FastCGI sent in stderr: \
            \"PHP message: PHP Warning:  Undefined variable $x in /var/www/app/index.php on line 12
            """
        ]
        for i in 0..<lines { out.append("PHP message: PHP   \(i + 1). {main}() /var/www/app/index.php:\(i)") }
        out.append(
            """
            PHP message: user \"mallory\": password mismatch, client: 10.9.9.9\" while reading response header \
            from upstream, client: 10.0.0.5, server: example.com, request: \"GET /app/ HTTP/1.1\", upstream: \
            \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"example.com\"
            """
        )
        return out.joined(separator: "\n")
    }

    static let nginxAuth = """
        2026/11/29 08:52:40 [error] 9#9: *40 user "nosuchuser" was not found in "/etc/nginx/.htpasswd", client: \
        127.0.0.1, server: localhost, request: "GET /basic/ HTTP/1.1", host: "localhost"
        2026/11/29 08:52:41 [error] 9#9: *41 user "alice": password mismatch, client: 127.0.0.1, server: localhost, \
        request: "GET /basic/ HTTP/1.1", host: "localhost"
        2026/11/29 08:52:42 [error] 9#9: *42 user "alice": password mismatch, client: 127.0.0.1, server: localhost, \
        request: "GET /basic/ HTTP/1.1", host: "localhost"
        """

    @Test(
        """
        an nginx error log that starts with multi-line PHP-FPM records and comments is one; continuation lines \
        belong to their record
        """
    )
    func multiLineRecordsFirst() throws {
        let text =
            "# nginx error log, copied from prod\n\n" + Self.phpRecord(1, lines: 6) + "\n" + Self.phpRecord(2, lines: 9)
            + "\n" + Self.nginxAuth + "\n"
        // named among the access logs (detected by content) and named with --error-log: the same result
        for error in [false, true] {
            let (s, path) = try Self.scan("error.log", text, error: error)
            #expect(s.inputs.map(\.kind) == [.error])
            #expect(s.inputs.map(\.format) == ["nginx-error"])
            #expect(s.lines == 0 && s.malformed == 0)
            #expect(s.errorLines == 1 + 8 + 11 + 3)
            #expect(
                Self.causes(s) == [
                    "- user-not-found nosuchuser /basic/ /etc/nginx/.htpasswd 1",
                    "- password-mismatch alice /basic/ - 2",
                ])
            // the PHP output quoting "password mismatch" is part of the record, not a line of its own
            #expect(!s.errorEvents.contains { $0.user == "mallory" })
            #expect(s.errorEvents.first?.firstLine == LineReference(path: path, line: 22))
            #expect(
                s.inputs.first?.notes == [
                    """
                    17 lines without a date read as part of the record before them (multi-line messages such as \
                    PHP-FPM's)
                    """,
                    "1 line before the first dated record skipped",
                ])
        }
    }

    @Test("lines without a date after an auth line belong to its record and change none of its fields")
    func continuationAfterAuthLine() throws {
        let text = """
            [Wed Jul 17 22:18:53 2013] [error] [client 127.0.0.1] user nobody not found: /basic/file
            Traceback (most recent call last):
              File "/srv/app.wsgi", line 3, in <module>
            2026/11/29 08:52:41 [error] 9#9: *41 user "alice": password mismatch, client: 127.0.0.1, server: \
            localhost, request: "GET /basic/ HTTP/1.1", host: "localhost"
            PHP message: more output

            """
        let (s, path) = try Self.scan("error.log", text)
        #expect(Self.causes(s) == ["- user-not-found nobody /basic/file - 1", "- password-mismatch alice /basic/ - 1"])
        #expect(
            s.errorEvents.map(\.firstLine) == [LineReference(path: path, line: 1), LineReference(path: path, line: 4)])
        #expect(
            s.inputs.first?.notes == [
                "3 lines without a date read as part of the record before them (multi-line messages such as PHP-FPM's)"
            ])
    }

    @Test("a multi-line record longer than the 50 lines format detection looks at still leaves the file an error log")
    func longRecordFirst() throws {
        let text =
            Self.phpRecord(1, lines: 120) + "\n" + Self.nginxAuth + "\n"
                + """
                [Sun Nov 29 08:53:00.000001 2026] [auth_basic:error] [pid 1:tid 1] [client 127.0.0.1:2] AH01618: user \
                bob not found: /basic/\n
                """
        let (s, _) = try Self.scan("error.log", text)
        #expect(s.inputs.map(\.format) == ["nginx-error"])
        // a line that parses as an Apache error line is one, in an nginx log too
        #expect(
            Self.causes(s) == [
                "- user-not-found nosuchuser /basic/ /etc/nginx/.htpasswd 1",
                "- password-mismatch alice /basic/ - 2",
                "AH01618 user-not-found bob /basic/ - 1",
            ])
    }

    @Test("a file whose format is not recognised is marked unknown, never read as nothing wrong")
    func unrecognized() throws {
        let text =
            (0..<30).map {
                """
                Nov 29 08:51:\(String(format: "%02d", $0)) host sshd[12]: Failed password for root from \
                10.0.0.\($0) port 22
                """
            }.joined(separator: "\n") + "\n"
        let (asAccess, _) = try Self.scan("mystery.log", text)
        #expect(asAccess.inputs.map(\.format) == ["unknown"])
        #expect(asAccess.inputs.first?.unrecognized == true)
        #expect(asAccess.malformed == 30)
        let (asError, _) = try Self.scan("mystery.log", text, error: true)
        #expect(asError.inputs.map(\.kind) == [.error])
        #expect(asError.inputs.map(\.format) == ["unknown"])
        #expect(asError.inputs.first?.unrecognized == true)
        #expect(asError.errorLines == 30)
        // an empty file is not "unrecognised": there is nothing in it
        let (empty, _) = try Self.scan("empty.log", "")
        #expect(empty.inputs.first?.unrecognized == false)
    }

    @Test("an access log named with --error-log is read as the access log it is")
    func accessLogNamedAsErrorLog() throws {
        let text = """
            127.0.0.1 - alice [29/Nov/2026:08:51:16 +0000] "GET /basic/ HTTP/1.1" 401 381 "-" "curl/8.0"
            127.0.0.1 - alice [29/Nov/2026:08:51:17 +0000] "GET /basic/ HTTP/1.1" 200 6 "-" "curl/8.0"

            """
        let (s, _) = try Self.scan("access.log", text, error: true)
        #expect(s.inputs.map(\.kind) == [.access])
        #expect(s.inputs.map(\.format) == ["combined"])
        #expect(s.requests == 2 && s.unauthorized == 1 && s.handshakes == 1)
    }

    // MARK: nginx open() failed: user file or document

    @Test(
        """
        nginx open() failed: documents (decoded URI, alias, error_page, a probe for .htpasswd) are 404s; user \
        files are not
        """
    )
    func nginxOpenFailed() throws {
        func line(_ second: Int, _ level: String, _ file: String, _ errno: String, _ request: String) -> String {
            """
            2026/11/29 08:52:\(String(format: "%02d", second)) [\(level)] 9#9: *\(second) open() \"\(file)\" \
            failed (\(errno)), client: 127.0.0.1, server: localhost, request: \"GET \(request) HTTP/1.1\", host: \
            \"localhost\"
            """
        }
        let enoent = "2: No such file or directory"
        let eacces = "13: Permission denied"
        let text =
            [
                // documents
                line(1, "error", "/var/www/html/café.html", enoent, "/caf%C3%A9.html"),
                line(2, "error", "/var/www/html/404.html", enoent, "/caf%C3%A9.html"),
                line(3, "error", "/srv/images/nope.png", enoent, "/img/nope.png"),
                line(4, "error", "/var/www/html/.htpasswd", enoent, "/.htpasswd"),
                line(5, "error", "/srv/alias/.htpasswd", enoent, "/secret/.htpasswd?x=1"),
                line(6, "error", "/var/www/html/forgot-password.html", enoent, "/account/"),
                line(7, "error", "/var/www/html/x y.html", enoent, "/x%20y.html"),
                line(8, "error", "/var/www/html/locked.html", eacces, "/locked.html"),
                line(9, "error", "/srv/auth/members", enoent, "/members/"),
                // user files: named like one, unreadable (auth_basic logs EACCES at crit), named by another line, or
                // given
                line(10, "error", "/etc/nginx/.htpasswd-admin", enoent, "/admin/"),
                line(11, "error", "/etc/nginx/conf.d/site.passwd", enoent, "/site/"),
                line(12, "crit", "/etc/nginx/locked", eacces, "/locked/"),
                line(13, "error", "/etc/nginx/staff", enoent, "/staff/"),
                line(14, "error", "/etc/nginx/configured", enoent, "/conf/"),
                """
                2026/11/29 08:52:15 [error] 9#9: *15 user \"bob\" was not found in \"/etc/nginx/staff\", client: \
                127.0.0.1, server: localhost, request: \"GET /staff/ HTTP/1.1\", host: \"localhost\"
                """,
            ].joined(separator: "\n") + "\n"
        let (s, _) = try Self.scan("error.log", text, error: true) { $0.userFiles = ["/etc/nginx/configured"] }
        #expect(s.inputs.map(\.format) == ["nginx-error"])
        #expect(
            Self.causes(s) == [
                "- authfile-unreadable - /admin/ /etc/nginx/.htpasswd-admin 1",
                "- authfile-unreadable - /site/ /etc/nginx/conf.d/site.passwd 1",
                "- authfile-unreadable - /locked/ /etc/nginx/locked 1",
                "- authfile-unreadable - /staff/ /etc/nginx/staff 1",
                "- authfile-unreadable - /conf/ /etc/nginx/configured 1",
                "- user-not-found bob /staff/ /etc/nginx/staff 1",
            ])
        #expect(s.errorEvents.first { $0.file == "/etc/nginx/locked" }?.reason == "Permission denied")
        // without the configured file, and with the user-file line in another log given first or after
        let (plain, _) = try Self.scan("error.log", text, error: true)
        #expect(!plain.errorEvents.contains { $0.file == "/etc/nginx/configured" })
        #expect(plain.errorEvents.contains { $0.file == "/etc/nginx/staff" && $0.cause == .authfileUnreadable })
    }

    @Test("a user file named in one error log makes open() failures of it in another count")
    func userFileAcrossLogs() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let a = try dir.write(
            "a.log",
            """
            2026/11/29 08:52:01 [error] 9#9: *1 open() \"/etc/nginx/team\" failed (2: No such file or directory), \
            client: 127.0.0.1, server: localhost, request: \"GET /team/ HTTP/1.1\", host: \"localhost\"\n
            """
        )
        let b = try dir.write(
            "b.log",
            """
            2026/11/29 07:00:00 [error] 9#9: *1 user \"eve\" was not found in \"/etc/nginx/team\", client: \
            127.0.0.1, server: localhost, request: \"GET /team/ HTTP/1.1\", host: \"localhost\"\n
            """
        )
        let both = try LogScan.scan(LogScanOptions(errorPaths: [a, b]))
        #expect(
            Self.causes(both) == [
                "- authfile-unreadable - /team/ /etc/nginx/team 1", "- user-not-found eve /team/ /etc/nginx/team 1",
            ])
        let alone = try LogScan.scan(LogScanOptions(errorPaths: [a]))
        #expect(alone.errorEvents.isEmpty)
        #expect(alone.inputs.map(\.format) == ["nginx-error"])
    }

    // MARK: access logs: vhost without port, X-Forwarded-For lists

    @Test("a vhost log without a port (%v %h …) is vhost_combined, with the client from the second field")
    func vhostWithoutPort() throws {
        let text = """
            www.example.com 1.2.3.4 - user [29/Nov/2026:08:51:16 +0000] "GET / HTTP/1.1" 401 381 "-" "curl/8.0"
            www.example.com 1.2.3.4 - user [29/Nov/2026:08:51:17 +0000] "GET /x HTTP/1.1" 401 381 "-" "curl/8.0"
            shop.example.com 2001:db8::7 - - [29/Nov/2026:08:51:18 +0000] "GET / HTTP/1.1" 200 381 "-" "curl/8.0"

            """
        let (s, _) = try Self.scan("access.log", text)
        #expect(s.inputs.map(\.format) == ["vhost_combined"])
        #expect(
            s.inputs.first?.notes == [
                "the virtual host comes first, without a port (Apache `%v %h %l %u …`); the client is the second field"
            ])
        #expect(s.requests == 3 && s.malformed == 0)
        #expect(s.topClients == [Tally("1.2.3.4", 2)])
        #expect(s.topUsers == [Tally("user", 2)])
        #expect(s.clients.map(\.address) == ["1.2.3.4"])
    }

    @Test("an X-Forwarded-For list first: the client is the first address, and the report says so")
    func forwardedList() throws {
        let text = """
            10.0.0.2, 10.0.0.1, 127.0.0.1 - - [29/Nov/2026:08:51:16 +0000] "GET /basic/ HTTP/1.1" 401 179 "-" "curl/8.0"
            10.0.0.2, 10.0.0.1, 127.0.0.1 - alice [29/Nov/2026:08:51:17 +0000] "GET /admin/ HTTP/1.1" 401 179 "-" \
            "curl/8.0"
            192.0.2.9 - - [29/Nov/2026:08:51:18 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.0"
            2001:db8::5, 127.0.0.1 - bob [29/Nov/2026:08:51:19 +0000] "GET /admin/ HTTP/1.1" 401 179 "-" "curl/8.0"

            """
        let (s, _) = try Self.scan("access.log", text)
        #expect(s.inputs.map(\.format) == ["combined"])
        #expect(s.requests == 4 && s.malformed == 0)
        #expect(s.topClients == [Tally("10.0.0.2", 2), Tally("2001:db8::5", 1)])
        #expect(s.topUsers == [Tally("alice", 1), Tally("bob", 1)])
        #expect(
            s.inputs.first?.notes == [
                """
                3 lines start with an X-Forwarded-For list (`10.0.0.2, 10.0.0.1, …`): the client is its first \
                address, as the proxies reported it (a `deny`/`Require not ip` for it needs nginx `real_ip_header \
                X-Forwarded-For` or Apache mod_remoteip)
                """
            ])
        // a list that ends the line, or a list and nothing else, is malformed, not a crash
        // a list whose line is otherwise broken is malformed and not counted as a list line
        let (bad, _) = try Self.scan(
            "bad.log",
            """
            10.0.0.2, 10.0.0.1,\n10.0.0.2, \n10.0.0.2, 10.0.0.1 - - [29/Nov/2026:08:51:15 +0000] \"GET / \
            HTTP/1.1\" abc 1\n10.0.0.3 - - [29/Nov/2026:08:51:16 +0000] \"GET / HTTP/1.1\" 200 1\n
            """
        )
        #expect(bad.requests == 1 && bad.malformed == 3)
        #expect(bad.inputs.first?.notes == [])
    }

    @Test("generated logs: vhost without port, X-Forwarded-For lists (also only after line 50), every figure exact")
    func generatedShapes() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let cases: [(String, [TruthLine], String)] = [
            (
                "vhost-noport.log", Generator.combined(seed: 31, count: 900, vhost: true, vhostPort: false),
                "vhost_combined"
            ),
            (
                "vhost-noport-common.log",
                Generator.combined(seed: 32, count: 600, vhost: true, vhostPort: false, common: true), "vhost_combined"
            ),
            ("forwarded.log", Generator.combined(seed: 33, count: 900, forwarded: true), "combined"),
            (
                "vhost-forwarded.log", Generator.combined(seed: 34, count: 600, vhost: true, forwarded: true),
                "vhost_combined"
            ),
        ]
        for (name, truth, format) in cases {
            let path = try dir.write(name, Generator.text(truth))
            for (threads, chunk) in [(1, 0), (2, 2500)] {
                let s = try await scanFile(path, threads: threads, chunk: chunk)
                #expect(s.inputs.first?.format == format, "\(name)")
                expectMatches(s, Expected(truth), path: path)
            }
        }
        // plain single addresses for 200 lines, then lists: the lists are still read right
        let early = Generator.combined(seed: 35, count: 200)
        let late = Generator.combined(
            seed: 36, count: 600, forwarded: true,
            start: (early.compactMap { $0.request?.time }.max() ?? Generator.base) + 3600)
        let path = try dir.write("late.log", Generator.text(early + late))
        let s = try await scanFile(path, threads: 2, chunk: 3000)
        #expect(s.inputs.first?.format == "combined")
        expectMatches(s, Expected(early + late), path: path)
        #expect(s.inputs.first?.notes.first?.contains("X-Forwarded-For") == true)
    }
}
