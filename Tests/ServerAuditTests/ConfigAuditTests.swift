import Diagnosis
import Evidence
import Foundation
import HostAccess
import ServerConfig
import TestSupport
import Testing

/// The audit's merge logic on written configs (no server): virtual hosts, nested sections, the
/// AllowOverride that governs a directory, and nginx's array-directive inheritance.
@Suite("Config audit merge rules")
struct ConfigAuditTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory(prefix: "why401-confaudit") }

    func apache(_ body: String) throws -> (ServerConfigFacts, [Finding]) {
        let conf = try dir.write("httpd.conf", "ServerRoot \"\(dir.path)\"\nUser www-data\n" + body)
        let facts = try ConfigAudit.apache(conf, worker: nil).facts
        return (facts, ConfigRules.run(facts))
    }

    @Test func authTypeInOuterDirectoryCompletesRequireInInnerDirectory() throws {
        try Htpasswd.create(file: dir.path("htpasswd"), user: "alice", password: "Secret123")
        let (facts, findings) = try apache(
            """
            <VirtualHost *:80>
                DocumentRoot "\(dir.path)/site"
                <Directory "\(dir.path)/site">
                    AuthType Basic
                    AuthName "Site"
                    AuthUserFile htpasswd
                </Directory>
                <Directory "\(dir.path)/site/private">
                    Require valid-user
                </Directory>
            </VirtualHost>
            """)
        #expect(!findings.contains { $0.id == "config.incomplete-auth" }, "\(findings.map(\.detail))")
        let area = try #require(facts.areas.first { $0.context.contains("site/private") })
        #expect(area.scheme?.value == "Basic")
        #expect(area.userFile?.path == dir.path("htpasswd"))  // relative to ServerRoot
        #expect(area.at.line == 10)
        let outer = try #require(facts.areas.first { $0.context == "<Directory \"\(dir.path)/site\">" })
        #expect(outer.completedElsewhere)
    }

    /// httpd refuses auth directives outside a per-directory section (measured: "AuthType not allowed
    /// in <VirtualHost> context", "Require not allowed here"): such a file is an error, not an area.
    @Test(arguments: [
        ("<VirtualHost *:80>\n    AuthType Basic\n</VirtualHost>", 4, "AuthType not allowed in <VirtualHost> context"),
        ("Require valid-user", 3, "Require not allowed here"),
        (
            """
            <VirtualHost *:80>\n  <Directory /x>\n    <Directory /x/y>\n    </Directory>\n \
             </Directory>\n</VirtualHost>
            """,
            5, "<Directory not allowed in <Directory> context"
        ),
        ("<Location />\n  <Files a>\n  </Files>\n</Location>", 4, "<Files> cannot occur within <Location> section"),
        ("<VirtualHost *:80>\n  Listen 81\n</VirtualHost>", 4, "Listen cannot occur within <VirtualHost> section"),
        ("<Directory /x>\n  DocumentRoot /x\n</Directory>", 4, "DocumentRoot not allowed in <Directory> context"),
        ("<Limit GET>\n  Require all granted\n</Limit>", 3, "<Limit not allowed here"),
    ])
    func directivesOutOfContextAreRefusedLikeHttpd(_ body: String, line: Int, message: String) throws {
        do {
            _ = try apache(body)
            Issue.record("expected \(message)")
        } catch let error as ConfigError {
            #expect(error.description == "\(dir.path("httpd.conf")):\(line): \(message)")
        }
    }

    @Test func longestDirectoryDecidesAllowOverride() throws {
        try dir.write("site/a/.htaccess", "Require valid-user\n")
        try dir.write("site/a/b/.htaccess", "AuthType Basic\n")
        try dir.write("site/c/.htaccess", "AuthType Basic\n")
        let (facts, findings) = try apache(
            """
            DocumentRoot "\(dir.path)/site"
            <Directory "\(dir.path)/site">
                AllowOverride None
            </Directory>
            <Directory "\(dir.path)/site/a">
                AllowOverride FileInfo
            </Directory>
            <Directory "\(dir.path)/site/c">
                AllowOverride FileInfo Nonfatal=Override
            </Directory>
            """)
        let byPath = Dictionary(uniqueKeysWithValues: facts.htaccess.map { ($0.path, $0.override) })
        #expect(byPath[dir.path("site/a/.htaccess")]?.text == "FileInfo")
        #expect(byPath[dir.path("site/a/b/.htaccess")]?.at?.line == 8)
        #expect(findings.filter { $0.id == "config.override-forbidden" }.count == 2)
        // Nonfatal=Override: Apache skips the directive with a warning — the protection is just absent.
        #expect(findings.contains { $0.id == "config.htaccess-ignored" && $0.detail.contains("site/c/.htaccess") })
    }

    @Test func digestAreaAndMissingAuthName() throws {
        let (_, findings) = try apache(
            """
            <Location "/digest">
                AuthType Digest
                AuthUserFile "\(dir.path)/htdigest"
                Require valid-user
            </Location>
            """)
        let incomplete = try #require(findings.first { $0.id == "config.incomplete-auth" })
        #expect(incomplete.detail.contains("has no `AuthName`"))
        let missing = try #require(findings.first { $0.id == "authfile.missing" })
        #expect(missing.fix.first?.contains("htdigest -c") == true)
    }

    @Test func phpFpmHandlerWithAndWithoutPassThrough() throws {
        let handler = """
            LoadModule mpm_event_module modules/mod_mpm_event.so
            LoadModule proxy_fcgi_module modules/mod_proxy_fcgi.so
            LoadModule setenvif_module modules/mod_setenvif.so
            <FilesMatch "\\.php$">
                SetHandler "proxy:unix:/run/php/php-fpm.sock|fcgi://localhost"
            </FilesMatch>
            """
        let (bad, badFindings) = try apache(handler)
        #expect(bad.forwarding.first?.kind == .fastcgi)
        #expect(
            badFindings.contains {
                $0.id == "config.authorization-not-forwarded" && $0.evidence.first?.contains("httpd.conf:7") == true
            })
        let (good, goodFindings) = try apache(handler + "\n" + #"SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1"#)
        #expect(good.forwarding.first?.passesAuthorization == true)
        #expect(!goodFindings.contains { $0.id == "config.authorization-not-forwarded" })
    }

    @Test func nginxLocationProxyHeadersReplaceTheServerList() throws {
        let conf = try dir.write(
            "nginx.conf",
            """
            user www-data;
            events {}
            http {
                server {
                    proxy_set_header Authorization "";
                    location /a/ { proxy_pass http://127.0.0.1:9; }
                    location /b/ { proxy_set_header Host $host; proxy_pass http://127.0.0.1:9; }
                    location /c/ { fastcgi_param HTTP_AUTHORIZATION ""; fastcgi_pass 127.0.0.1:9; }
                    location /d/ { fastcgi_pass_request_headers off; fastcgi_pass 127.0.0.1:9; }
                }
            }
            """)
        let facts = try ConfigAudit.nginx(conf, worker: nil).facts
        let passes = Dictionary(uniqueKeysWithValues: facts.forwarding.map { ($0.context, $0.passesAuthorization) })
        #expect(passes == ["location /a/": false, "location /b/": true, "location /c/": false, "location /d/": false])
        #expect(facts.forwarding.first?.blocker?.at.line == 5)
    }

    @Test func asUserOverridesTheConfiguredWorker() throws {
        let conf = try dir.write("httpd.conf", "User www-data\n")
        let me = WorkerIdentity.current
        let result = try ConfigAudit.apache(conf, worker: me)
        #expect(result.facts.worker == me.name)
        #expect(result.facts.workerSource == "--as \(me.name)")
    }
}
