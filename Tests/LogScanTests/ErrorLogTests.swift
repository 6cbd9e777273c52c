// Error-log lines (shapes measured on real Apache 2.4.71 / nginx 1.22.1) mapped
// to causes with user, path, file, count, first and last time.
import Evidence
import Foundation
import TestSupport
import Testing

@testable import LogScan

@Suite("LogScan error logs")
struct ErrorLogTests {
    static let apache = """
        [Sun Nov 29 08:51:16.086552 2026] [auth_basic:error] [pid 15719:tid 15719] [client 127.0.0.1:59474] AH01617: \
        user u_apr1: authentication failure for "/basic/": Password Mismatch
        [Sun Nov 29 08:51:17.000001 2026] [auth_basic:error] [pid 15719:tid 15719] [client 127.0.0.1:59475] AH01618: \
        user nosuchuser not found: /basic/
        [Sun Nov 29 08:51:18.000001 2026] [auth_basic:error] [pid 15719:tid 15719] [client 127.0.0.1:59476] AH01618: \
        user  not found: /basic/
        [Sun Nov 29 08:51:19.000001 2026] [auth_basic:error] [pid 15719:tid 15719] [client 127.0.0.1:59477] AH01614: \
        client used wrong authentication scheme: /basic/
        [Sun Nov 29 08:51:20.000001 2026] [auth_digest:error] [pid 15719:tid 15719] [client 127.0.0.1:59478] AH01794: \
        user u_digest: password mismatch: /digest/
        [Sun Nov 29 08:51:21.000001 2026] [auth_digest:error] [pid 15719:tid 15719] [client 127.0.0.1:59479] AH01790: \
        user `nosuchuser' in realm `Private Digest Area' not found: /digest/
        [Sun Nov 29 08:51:22.000001 2026] [auth_digest:error] [pid 15719:tid 15719] [client 127.0.0.1:59480] AH01781: \
        client used wrong authentication scheme `Basic': /digest/
        [Sun Nov 29 08:51:23.000001 2026] [authn_file:error] [pid 15719:tid 15719] (2)No such file or directory: \
        [client 127.0.0.1:59481] AH01620: Could not open password file: /srv/auth/htpasswd
        [Sun Nov 29 08:51:24.000001 2026] [authn_file:error] [pid 15719:tid 15719] (13)Permission denied: [client \
        127.0.0.1:59482] AH01620: Could not open password file: /srv/auth/locked
        [Sun Nov 29 08:51:25.000001 2026] [core:alert] [pid 15719:tid 15719] [client 127.0.0.1:59483] \
        /srv/htdocs/private/.htaccess: AuthType not allowed here
        [Sun Nov 29 08:51:26.000001 2026] [authz_core:error] [pid 15719:tid 15719] [client 127.0.0.1:59484] AH01631: \
        user u_sha1: authorization failure for "/requser/": 
        [Sun Nov 29 08:51:27.000001 2026] [core:error] [pid 15719:tid 15719] [client 127.0.0.1:59485] AH00027: No \
        authentication done but request not allowed without authentication for /noauthtype/. Authentication not \
        configured?
        [Sun Nov 29 08:52:16.086552 2026] [auth_basic:error] [pid 15720:tid 15720] [client 127.0.0.1:59486] AH01617: \
        user u_apr1: authentication failure for "/basic/": Password Mismatch, referer: http://127.0.0.1/
        [Sun Nov 29 08:52:30.000000 2026] [mpm_prefork:notice] [pid 15700:tid 15700] AH00163: Apache/2.4.71 (Debian) \
        configured -- resuming normal operations

        """

    static let nginx = """
        2026/11/29 08:52:39 [info] 20620#20620: *1 no user/password was provided for basic authentication, client: \
        127.0.0.1, server: localhost, request: "GET /basic/ HTTP/1.1", host: "127.0.0.1:8082"
        2026/11/29 08:52:40 [error] 20620#20620: *2 user "nosuchuser" was not found in "/srv/auth/htpasswd", client: \
        127.0.0.1, server: localhost, request: "GET /basic/ HTTP/1.1", host: "127.0.0.1:8082"
        2026/11/29 08:52:41 [error] 20620#20620: *3 user "u_apr1": password mismatch, client: 127.0.0.1, server: \
        localhost, request: "GET /basic/?x=1 HTTP/1.1", host: "127.0.0.1:8082"
        2026/11/29 08:52:42 [error] 20620#20620: *4 open() "/srv/auth/htpasswd-missing" failed (2: No such file or \
        directory), client: 127.0.0.1, server: localhost, request: "GET /missing/ HTTP/1.1", host: "127.0.0.1:8082"
        2026/11/29 08:52:43 [crit] 20620#20620: *5 open() "/srv/auth/locked" failed (13: Permission denied), client: \
        127.0.0.1, server: localhost, request: "GET /locked/ HTTP/1.1", host: "127.0.0.1:8082"
        2026/11/29 08:52:44 [error] 20620#20620: *6 open() "/srv/htdocs/favicon.ico" failed (2: No such file or \
        directory), client: 127.0.0.1, server: localhost, request: "GET /favicon.ico HTTP/1.1", host: "127.0.0.1:8082"
        2026/11/29 08:52:49 [error] 20620#20620: *7 user "u_apr1": password mismatch, client: 127.0.0.1, server: \
        localhost, request: "GET /basic/ HTTP/1.1", host: "127.0.0.1:8082"

        """

    static let t0: Int64 = 1_795_910_400 + 8 * 3600 + 51 * 60

    @Test("Apache 2.4 codes map to causes with user, path, file and reason")
    func apache() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let path = try dir.write("error.log", Self.apache)
        // named among the access logs: recognised by content
        let s = try LogScan.scan(LogScanOptions(accessPaths: [path]))
        #expect(s.inputs == [LogInput(path: path, kind: .error, format: "apache-error", lines: 14)])
        #expect(s.errorLines == 14)
        #expect(s.lines == 0)
        func e(
            _ cause: ErrorEvent.Cause, _ code: String?, user: String? = nil, path p: String? = nil, file: String? = nil,
            reason: String? = nil, count: Int = 1, first: Int64, last: Int64? = nil, line: Int
        ) -> ErrorEvent {
            ErrorEvent(
                cause: cause, server: "apache", code: code, user: user, path: p, file: file, reason: reason,
                count: count,
                first: Self.t0 + first, last: Self.t0 + (last ?? first),
                firstLine: LineReference(path: path, line: line))
        }
        let expected = [
            e(.passwordMismatch, "AH01617", user: "u_apr1", path: "/basic/", count: 2, first: 16, last: 76, line: 1),
            e(.userNotFound, "AH01618", user: "nosuchuser", path: "/basic/", first: 17, line: 2),
            e(.userNotFound, "AH01618", user: "", path: "/basic/", first: 18, line: 3),
            e(.wrongScheme, "AH01614", path: "/basic/", first: 19, line: 4),
            e(.passwordMismatch, "AH01794", user: "u_digest", path: "/digest/", first: 20, line: 5),
            e(.userNotFound, "AH01790", user: "nosuchuser", path: "/digest/", first: 21, line: 6),
            e(.wrongScheme, "AH01781", path: "/digest/", first: 22, line: 7),
            e(
                .authfileUnreadable, "AH01620", file: "/srv/auth/htpasswd", reason: "No such file or directory",
                first: 23, line: 8),
            e(
                .authfileUnreadable, "AH01620", file: "/srv/auth/locked", reason: "Permission denied", first: 24,
                line: 9),
            e(.htaccessNotAllowed, nil, file: "/srv/htdocs/private/.htaccess", first: 25, line: 10),
            e(.authorizationFailure, "AH01631", user: "u_sha1", path: "/requser/", first: 26, line: 11),
            e(.authNotConfigured, "AH00027", path: "/noauthtype/", first: 27, line: 12),
        ]
        #expect(s.errorEvents.count == expected.count)
        for (a, b) in zip(s.errorEvents, expected) { #expect(a == b) }
    }

    @Test("nginx messages map to causes; a missing document is not an auth file")
    func nginx() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let path = try dir.write("nginx-error.log", Self.nginx)
        let s = try LogScan.scan(LogScanOptions(errorPaths: [path], since: Self.t0 + 60))
        #expect(s.inputs.first?.format == "nginx-error")
        #expect(s.errorLines == 7)
        let base = Self.t0 + 60
        func e(
            _ cause: ErrorEvent.Cause, user: String? = nil, path p: String?, file: String? = nil, reason: String? = nil,
            count: Int = 1, first: Int64, last: Int64? = nil, line: Int
        ) -> ErrorEvent {
            ErrorEvent(
                cause: cause, server: "nginx", code: nil, user: user, path: p, file: file, reason: reason, count: count,
                first: base + first, last: base + (last ?? first), firstLine: LineReference(path: path, line: line))
        }
        #expect(
            s.errorEvents == [
                e(.noCredentials, path: "/basic/", first: 39, line: 1),
                e(.userNotFound, user: "nosuchuser", path: "/basic/", file: "/srv/auth/htpasswd", first: 40, line: 2),
                e(.passwordMismatch, user: "u_apr1", path: "/basic/", count: 2, first: 41, last: 49, line: 3),
                e(
                    .authfileUnreadable, path: "/missing/", file: "/srv/auth/htpasswd-missing",
                    reason: "No such file or directory", first: 42, line: 4),
                e(
                    .authfileUnreadable, path: "/locked/", file: "/srv/auth/locked", reason: "Permission denied",
                    first: 43, line: 5),
            ])
        // --until before everything: lines still read, nothing mapped
        let none = try LogScan.scan(LogScanOptions(errorPaths: [path], until: Self.t0))
        #expect(none.errorLines == 7)
        #expect(none.errorEvents.isEmpty)
    }
}
