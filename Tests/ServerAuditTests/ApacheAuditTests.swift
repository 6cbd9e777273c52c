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

/// Real Apache httpd on loopback, started from the config each test writes; `why401 server`'s
/// audit reads the same config. A clean audit must go with a working login; each planted defect
/// must give its finding (with file and line) and the real server must show the failure.
@Suite("Apache configuration audit against a real httpd", .serialized)
struct ApacheAuditTests {
    @Test("clean: no error finding, the area is listed with file:line, and the server says 401 then 200")
    func clean() async throws {
        try RealServers.requireApache()
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: H.users), .text("htdocs/basic/index.html", "secret\n"),
        ]
        try await withApache(config: ApacheConfigs.basicArea(), files: files) { apache in
            let (facts, findings) = try H.audit(apache: apache)
            #expect(H.errors(findings).isEmpty, "\(H.errors(findings))")
            let area = try #require(facts.areas.first)
            #expect(
                area.at
                    == ConfigLocation(
                        file: apache.configPath,
                        line: try H.line(of: "<Directory \"\(apache.docroot)/basic\">", in: apache.configPath)))
            #expect(area.scheme?.value == "Basic")
            #expect(area.realm?.value == "Private Basic Area")
            #expect(area.userFile?.access == .ok)
            #expect(area.requires.map(\.text) == ["Require valid-user"])
            #expect(facts.worker == (H.isRoot ? "www-data" : WorkerIdentity.current.name))
            #expect(try HTTPProbe.get(apache.url("/basic/")).status == 401)
            #expect(try HTTPProbe.get(apache.url("/basic/"), headers: [H.alice]).status == 200)
        }
    }

    @Test("authfile.missing: AuthUserFile names no file → 500 with credentials")
    func missingUserFile() async throws {
        try RealServers.requireApache()
        let config = ApacheConfigs.basicArea().replacingOccurrences(of: "auth/htpasswd", with: "auth/nothing-here")
        try await withApache(config: config, files: [.text("htdocs/basic/index.html", "secret\n")]) { apache in
            let (_, findings) = try H.audit(apache: apache)
            let f = try H.finding("authfile.missing", in: findings)
            let line = try H.line(of: "AuthUserFile", in: apache.configPath)
            #expect(H.text(f).contains("\(apache.configPath):\(line)"))
            #expect(H.text(f).contains("htpasswd -c -B \(apache.root)/auth/nothing-here"))
            #expect(try HTTPProbe.get(apache.url("/basic/"), headers: [H.alice]).status == 500)
            #expect(await apache.waitForErrorLog(containing: "AH01620"))
        }
    }

    @Test("authfile.unreadable: a root-owned 0600 user file → 500 for www-data")
    func unreadableUserFile() async throws {
        try RealServers.requireApache()
        try #require(H.isRoot, "needs root: the worker must be another user than the file's owner")
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: H.users, mode: 0o600), .text("htdocs/basic/index.html", "secret\n"),
        ]
        try await withApache(config: ApacheConfigs.basicArea(), files: files) { apache in
            let (_, findings) = try H.audit(apache: apache)
            let f = try H.finding("authfile.unreadable", in: findings)
            #expect(H.text(f).contains("\(apache.configPath):\(try H.line(of: "AuthUserFile", in: apache.configPath))"))
            #expect(H.text(f).contains("mode 0600"))
            #expect(
                f.fix.contains {
                    $0.contains(
                        "chown root:www-data \(apache.root)/auth/htpasswd && chmod 640 \(apache.root)/auth/htpasswd")
                })
            #expect(try HTTPProbe.get(apache.url("/basic/"), headers: [H.alice]).status == 500)
            #expect(await apache.waitForErrorLog(containing: "Permission denied"))
        }
    }

    @Test("authfile.unreadable: a parent directory without o+x blocks the worker")
    func untraversableParent() async throws {
        try RealServers.requireApache()
        try #require(H.isRoot, "needs root")
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: H.users), .text("htdocs/basic/index.html", "secret\n"),
        ]
        try await withApache(config: ApacheConfigs.basicArea(), files: files) { apache in
            #expect(chmod(apache.root + "/auth", 0o700) == 0)
            let (_, findings) = try H.audit(apache: apache)
            let f = try H.finding("authfile.unreadable", in: findings)
            #expect(H.text(f).contains("\(apache.root)/auth: mode 0700"))
            #expect(f.fix.contains { $0.contains("chmod o+x \(apache.root)/auth") })
            #expect(try HTTPProbe.get(apache.url("/basic/"), headers: [H.alice]).status == 500)
        }
    }

    @Test("authfile.in-docroot: the user file is served to anyone")
    func userFileInDocroot() async throws {
        try RealServers.requireApache()
        let config = ApacheConfigs.basicArea().replacingOccurrences(
            of: "{{ROOT}}/auth/htpasswd", with: "{{DOCROOT}}/pw.txt")
        let files: [ServerFile] = [
            .htpasswd("htdocs/pw.txt", users: H.users), .text("htdocs/basic/index.html", "secret\n"),
        ]
        try await withApache(config: config, files: files) { apache in
            let (_, findings) = try H.audit(apache: apache)
            let f = try H.finding("authfile.in-docroot", in: findings)
            #expect(H.text(f).contains("\(apache.configPath):\(try H.line(of: "AuthUserFile", in: apache.configPath))"))
            #expect(f.fix.contains { $0.contains("AuthUserFile /etc/apache2/.pw.txt") })
            let leak = try HTTPProbe.get(apache.url("/pw.txt"))
            #expect(leak.status == 200)
            #expect(leak.bodyText.contains("alice:$2y$"))
            // The hash itself is never part of the finding.
            #expect(!H.text(f).contains("$2y$"))
        }
    }

    @Test("config.incomplete-auth: AuthType without Require protects nothing; Require without AuthType is a 500")
    func incompleteAuth() async throws {
        try RealServers.requireApache()
        let config = """
            <Directory "{{DOCROOT}}/open">
                AuthType Basic
                AuthName "Forgot Require"
                AuthUserFile "{{ROOT}}/auth/htpasswd"
            </Directory>
            <Directory "{{DOCROOT}}/broken">
                Require valid-user
            </Directory>
            """
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: H.users), .text("htdocs/open/index.html", "x\n"),
            .text("htdocs/broken/index.html", "x\n"),
        ]
        try await withApache(config: config, files: files) { apache in
            let (_, findings) = try H.audit(apache: apache)
            let incomplete = findings.filter { $0.id == "config.incomplete-auth" }
            #expect(incomplete.count == 2, "\(findings.map(\.detail))")
            let openLine = try H.line(of: "AuthType Basic", in: apache.configPath, after: "# ---- test body")
            let brokenLine = try H.line(of: "Require valid-user", in: apache.configPath, after: "# ---- test body")
            #expect(
                incomplete.contains {
                    H.text($0).contains("\(apache.configPath):\(openLine)")
                        && $0.fix.contains { $0.contains("Require valid-user") }
                })
            #expect(
                incomplete.contains {
                    H.text($0).contains("\(apache.configPath):\(brokenLine)") && $0.detail.contains("AH00027")
                })
            #expect(try HTTPProbe.get(apache.url("/open/")).status == 200)
            #expect(try HTTPProbe.get(apache.url("/broken/")).status == 500)
        }
    }

    static let cgiScript = """
        #!/bin/sh
        printf 'Content-Type: text/plain\\r\\n\\r\\n'
        printf 'auth=[%s]\\n' "$HTTP_AUTHORIZATION"
        """

    @Test("config.authorization-not-forwarded: a CGI without CGIPassAuth never sees HTTP_AUTHORIZATION")
    func cgiWithoutPassAuth() async throws {
        try RealServers.requireApache()
        let config = """
            ScriptAlias /cgi-bin/ "{{ROOT}}/cgi-bin/"
            <Directory "{{ROOT}}/cgi-bin">
                Require all granted
            </Directory>
            """
        try await withApache(config: config, files: [.script("cgi-bin/echo", Self.cgiScript)]) { apache in
            let (_, findings) = try H.audit(apache: apache)
            let f = try H.finding("config.authorization-not-forwarded", in: findings)
            #expect(H.text(f).contains("\(apache.configPath):\(try H.line(of: "ScriptAlias", in: apache.configPath))"))
            #expect(f.fix.first?.contains("CGIPassAuth On") == true)
            let seen = try HTTPProbe.get(apache.url("/cgi-bin/echo"), headers: [("Authorization", "Bearer abc.def")])
            #expect(seen.status == 200)
            #expect(seen.bodyText.contains("auth=[]"), "\(seen.bodyText)")
        }
        // The fix the finding proposes: the audit is clean and the script sees the header.
        let fixed = config.replacingOccurrences(
            of: "Require all granted", with: "Require all granted\n    CGIPassAuth On")
        try await withApache(config: fixed, files: [.script("cgi-bin/echo", Self.cgiScript)]) { apache in
            let (facts, findings) = try H.audit(apache: apache)
            #expect(!findings.map(\.id).contains("config.authorization-not-forwarded"))
            #expect(facts.forwarding.first?.passesAuthorization == true)
            let seen = try HTTPProbe.get(apache.url("/cgi-bin/echo"), headers: [("Authorization", "Bearer abc.def")])
            #expect(seen.bodyText.contains("auth=[Bearer abc.def]"), "\(seen.bodyText)")
        }
    }

    @Test("config.options-requires-auth: a CORS area answers 401 to the preflight; <LimitExcept OPTIONS> fixes it")
    func optionsBehindAuth() async throws {
        try RealServers.requireApache()
        let cors = ApacheConfigs.basicArea().replacingOccurrences(
            of: "    Require valid-user",
            with: "    Require valid-user\n    Header always set Access-Control-Allow-Origin \"*\"")
        let files: [ServerFile] = [
            .htpasswd("auth/htpasswd", users: H.users), .text("htdocs/basic/index.html", "secret\n"),
        ]
        let preflight = [("Origin", "https://app.example"), ("Access-Control-Request-Method", "GET")]
        try await withApache(config: cors, files: files) { apache in
            let (_, findings) = try H.audit(apache: apache)
            let f = try H.finding("config.options-requires-auth", in: findings)
            #expect(
                H.text(f).contains("\(apache.configPath):\(try H.line(of: "Header always set", in: apache.configPath))")
            )
            #expect(try HTTPProbe.request("OPTIONS", apache.url("/basic/"), headers: preflight).status == 401)
        }
        let exempt = cors.replacingOccurrences(
            of: "    Require valid-user",
            with: "    <LimitExcept OPTIONS>\n        Require valid-user\n    </LimitExcept>")
        try await withApache(config: exempt, files: files) { apache in
            let (_, findings) = try H.audit(apache: apache)
            #expect(H.errors(findings).isEmpty, "\(H.errors(findings))")
            #expect(try HTTPProbe.request("OPTIONS", apache.url("/basic/"), headers: preflight).status == 200)
            #expect(try HTTPProbe.get(apache.url("/basic/")).status == 401)
        }
    }

    static let htaccess = """
        AuthType Basic
        AuthName "Htaccess Area"
        AuthUserFile "{{ROOT}}/auth/htpasswd"
        Require valid-user
        """
    /// A user file and `htdocs/private` protected by `.htaccess` only.
    static let htaccessFiles: [ServerFile] = [
        .htpasswd("auth/htpasswd", users: H.users), .text("htdocs/private/.htaccess", htaccess),
        .text("htdocs/private/index.html", "secret\n"),
    ]

    /// The config that sets `AllowOverride` for `htdocs/private`.
    static func privateOverride(_ value: String) -> String {
        """
        <Directory "{{DOCROOT}}/private">
            AllowOverride \(value)
        </Directory>
        """
    }

    @Test("config.htaccess-ignored: auth in .htaccess under AllowOverride None → 200 without a prompt")
    func htaccessIgnored() async throws {
        try RealServers.requireApache()
        try await withApache(config: "", files: Self.htaccessFiles) { apache in
            let (_, findings) = try H.audit(apache: apache)
            let f = try H.finding("config.htaccess-ignored", in: findings)
            #expect(f.severity == .error)
            let overrideLine = try H.line(
                of: "AllowOverride None", in: apache.configPath, after: "<Directory \"\(apache.docroot)\">")
            #expect(H.text(f).contains("\(apache.docroot)/private/.htaccess"))
            #expect(H.text(f).contains("\(apache.configPath):\(overrideLine)"))
            #expect(f.fix.first?.contains("AllowOverride AuthConfig") == true)
            let open = try HTTPProbe.get(apache.url("/private/"))
            #expect(open.status == 200)
            #expect(open.header("WWW-Authenticate") == nil)
        }
    }

    @Test("config.override-forbidden: auth in .htaccess under AllowOverride Indexes → 500 for everyone")
    func overrideForbidden() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.privateOverride("Indexes"), files: Self.htaccessFiles) { apache in
            let (_, findings) = try H.audit(apache: apache)
            let f = try H.finding("config.override-forbidden", in: findings)
            #expect(!findings.map(\.id).contains("config.htaccess-ignored"))
            #expect(
                H.text(f).contains(
                    "\(apache.configPath):\(try H.line(of: "AllowOverride Indexes", in: apache.configPath))"))
            #expect(f.fix.first?.contains("AllowOverride Indexes AuthConfig") == true)
            #expect(try HTTPProbe.get(apache.url("/private/")).status == 500)
            #expect(await apache.waitForErrorLog(containing: "AuthType not allowed here"))
        }
    }

    @Test("AllowOverride AuthConfig: the .htaccess area is in effect, audited, and the server asks for a login")
    func htaccessInEffect() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.privateOverride("AuthConfig"), files: Self.htaccessFiles) { apache in
            let (facts, findings) = try H.audit(apache: apache)
            #expect(H.errors(findings).isEmpty, "\(H.errors(findings))")
            let area = try #require(facts.areas.first { $0.htaccess != nil })
            #expect(area.at == ConfigLocation(file: apache.docroot + "/private/.htaccess", line: 1))
            #expect(area.override?.allowsAuthConfig == true)
            #expect(area.userFile?.access == .ok)
            #expect(try HTTPProbe.get(apache.url("/private/")).status == 401)
            #expect(try HTTPProbe.get(apache.url("/private/"), headers: [H.alice]).status == 200)
        }
    }
}
