import Diagnosis
import Evidence
import Foundation
import HostAccess
import ServerConfig
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

private typealias H = ConfigAuditHelpers

/// Real nginx on loopback from the config each test writes; the audit reads the same nginx.conf.
@Suite("nginx configuration audit against a real nginx", .serialized)
struct NginxAuditTests {
    static let basic = NginxConfigs.basicLocation()
    static let files: [ServerFile] = [
        .htpasswd("auth/htpasswd", users: H.users), .text("htdocs/basic/index.html", "secret\n"),
    ]

    @Test("clean: no error finding, the location is listed, and nginx says 401 then 200")
    func clean() async throws {
        try RealServers.requireNginx()
        try await withNginx(config: Self.basic, files: Self.files) { nginx in
            let (facts, findings) = try H.audit(nginx: nginx)
            #expect(H.errors(findings).isEmpty, "\(H.errors(findings))")
            let area = try #require(facts.areas.first { $0.context == "location /basic/" })
            #expect(area.at.line == (try H.line(of: "location /basic/", in: nginx.configPath)))
            #expect(area.realm?.value == "Private Basic Area")
            #expect(area.userFile?.access == .ok)
            #expect(facts.docroots.map(\.value) == [nginx.docroot])
            #expect(try HTTPProbe.get(nginx.url("/basic/")).status == 401)
            #expect(try HTTPProbe.get(nginx.url("/basic/"), headers: [H.alice]).status == 200)
        }
    }

    @Test("authfile.missing → 403 with credentials")
    func missing() async throws {
        try RealServers.requireNginx()
        let config = Self.basic.replacingOccurrences(of: "auth/htpasswd", with: "auth/gone")
        try await withNginx(config: config, files: [.text("htdocs/basic/index.html", "x\n")]) { nginx in
            let (_, findings) = try H.audit(nginx: nginx)
            let f = try H.finding("authfile.missing", in: findings)
            #expect(
                H.text(f).contains(
                    "\(nginx.configPath):\(try H.line(of: "auth_basic_user_file", in: nginx.configPath))"))
            #expect(try HTTPProbe.get(nginx.url("/basic/"), headers: [H.alice]).status == 403)
        }
    }

    @Test("authfile.unreadable: 0600 root-owned → 500 with credentials")
    func unreadable() async throws {
        try RealServers.requireNginx()
        try #require(H.isRoot, "needs root")
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: H.users, mode: 0o600), .text("htdocs/basic/index.html", "x\n"),
        ]
        try await withNginx(config: Self.basic, files: files) { nginx in
            let (_, findings) = try H.audit(nginx: nginx)
            let f = try H.finding("authfile.unreadable", in: findings)
            #expect(
                H.text(f).contains(
                    "\(nginx.configPath):\(try H.line(of: "auth_basic_user_file", in: nginx.configPath))"))
            #expect(H.text(f).contains("worker: www-data"))
            #expect(try HTTPProbe.get(nginx.url("/basic/"), headers: [H.alice]).status == 500)
        }
    }

    @Test("authfile.in-docroot: nginx serves .htpasswd from the root")
    func inDocroot() async throws {
        try RealServers.requireNginx()
        let config = Self.basic.replacingOccurrences(of: "{{ROOT}}/auth/htpasswd", with: "{{DOCROOT}}/.htpasswd")
        let files: [ServerFile] = [
            .htpasswd("htdocs/.htpasswd", users: H.users), .text("htdocs/basic/index.html", "x\n"),
        ]
        try await withNginx(config: config, files: files) { nginx in
            let (_, findings) = try H.audit(nginx: nginx)
            let f = try H.finding("authfile.in-docroot", in: findings)
            #expect(f.fix.contains { $0.contains("auth_basic_user_file /etc/nginx/.htpasswd;") })
            let leak = try HTTPProbe.get(nginx.url("/.htpasswd"))
            #expect(leak.status == 200)
            #expect(leak.bodyText.contains("alice:$2y$"))
        }
    }

    @Test("config.incomplete-auth: auth_basic without a user file lets everyone in")
    func incomplete() async throws {
        try RealServers.requireNginx()
        let config = """
            location /basic/ {
                auth_basic "No File";
            }
            """
        try await withNginx(config: config, files: [.text("htdocs/basic/index.html", "x\n")]) { nginx in
            let (_, findings) = try H.audit(nginx: nginx)
            let f = try H.finding("config.incomplete-auth", in: findings)
            #expect(
                H.text(f).contains(
                    "\(nginx.configPath):\(try H.line(of: "auth_basic \"No File\"", in: nginx.configPath))"))
            #expect(try HTTPProbe.get(nginx.url("/basic/")).status == 200)
        }
    }

    @Test("config.authorization-not-forwarded: proxy_set_header Authorization \"\" strips the header")
    func proxyStripsAuthorization() async throws {
        try RealServers.requireNginx()
        let config = """
            location /echo/ {
                return 200 "auth=[$http_authorization]\\n";
            }
            location /api/ {
                proxy_set_header Authorization "";
                proxy_pass http://127.0.0.1:{{PORT}}/echo/;
            }
            location /api2/ {
                proxy_pass http://127.0.0.1:{{PORT}}/echo/;
            }
            """
        try await withNginx(config: config) { nginx in
            let (facts, findings) = try H.audit(nginx: nginx)
            let stripped = findings.filter { $0.id == "config.authorization-not-forwarded" }
            #expect(stripped.count == 1, "\(facts.forwarding)")
            let f = try #require(stripped.first)
            #expect(
                H.text(f).contains(
                    "\(nginx.configPath):\(try H.line(of: "proxy_set_header Authorization", in: nginx.configPath))"))
            #expect(f.fix.first?.contains("proxy_set_header Authorization $http_authorization;") == true)
            let bearer = [("Authorization", "Bearer abc.def")]
            #expect(try HTTPProbe.get(nginx.url("/api/"), headers: bearer).bodyText.contains("auth=[]"))
            #expect(try HTTPProbe.get(nginx.url("/api2/"), headers: bearer).bodyText.contains("auth=[Bearer abc.def]"))
        }
    }

    @Test("config.options-requires-auth: CORS location answers 401 to the preflight; an OPTIONS return fixes it")
    func optionsBehindAuth() async throws {
        try RealServers.requireNginx()
        let cors = Self.basic.replacingOccurrences(
            of: "    auth_basic \"", with: "    add_header Access-Control-Allow-Origin \"*\" always;\n    auth_basic \""
        )
        let preflight = [("Origin", "https://app.example"), ("Access-Control-Request-Method", "GET")]
        try await withNginx(config: cors, files: Self.files) { nginx in
            let (_, findings) = try H.audit(nginx: nginx)
            let f = try H.finding("config.options-requires-auth", in: findings)
            let line = try H.line(of: "add_header Access-Control-Allow-Origin", in: nginx.configPath)
            #expect(H.text(f).contains("\(nginx.configPath):\(line)"))
            #expect(try HTTPProbe.request("OPTIONS", nginx.url("/basic/"), headers: preflight).status == 401)
        }
        let fixed = cors.replacingOccurrences(
            of: "location /basic/ {", with: "location /basic/ {\n    if ($request_method = OPTIONS) { return 204; }")
        try await withNginx(config: fixed, files: Self.files) { nginx in
            let (_, findings) = try H.audit(nginx: nginx)
            #expect(H.errors(findings).isEmpty, "\(H.errors(findings))")
            #expect(try HTTPProbe.request("OPTIONS", nginx.url("/basic/"), headers: preflight).status == 204)
            #expect(try HTTPProbe.get(nginx.url("/basic/")).status == 401)
        }
    }

    @Test("config.htaccess-ignored: nginx never reads .htaccess — the directory is open")
    func htaccessIgnored() async throws {
        try RealServers.requireNginx()
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: H.users), .text("htdocs/private/index.html", "secret\n"),
            .text(
                "htdocs/private/.htaccess",
                "AuthType Basic\nAuthName \"x\"\nAuthUserFile {{ROOT}}/auth/htpasswd\nRequire valid-user\n"),
        ]
        try await withNginx(config: "", files: files) { nginx in
            let (_, findings) = try H.audit(nginx: nginx)
            let f = try H.finding("config.htaccess-ignored", in: findings)
            #expect(f.detail.contains("nginx never reads .htaccess"))
            #expect(f.fix.first?.contains("location /private/ {") == true)
            #expect(try HTTPProbe.get(nginx.url("/private/")).status == 200)
        }
    }

    @Test("inheritance: server-level auth_basic reaches locations; auth_basic off ends it")
    func inheritance() async throws {
        try RealServers.requireNginx()
        let config = """
            auth_basic "Whole Site";
            auth_basic_user_file {{ROOT}}/auth/htpasswd;
            location /public/ {
                auth_basic off;
            }
            location /basic/ {
            }
            """
        let files = Self.files + [.text("htdocs/public/index.html", "p\n")]
        try await withNginx(config: config, files: files) { nginx in
            let (facts, findings) = try H.audit(nginx: nginx)
            #expect(H.errors(findings).isEmpty, "\(H.errors(findings))")
            #expect(facts.areas.contains { $0.context == "location /basic/" && $0.realm?.value == "Whole Site" })
            #expect(!facts.areas.contains { $0.context == "location /public/" })
            #expect(try HTTPProbe.get(nginx.url("/basic/")).status == 401)
            #expect(try HTTPProbe.get(nginx.url("/public/")).status == 200)
        }
    }
}
