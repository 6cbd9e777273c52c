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

/// Directives that change what applies, judged as the real server judges them: each test starts
/// httpd or nginx with the configuration, asks it, and checks that the audit says the same.
@Suite("Config audit: what applies, confirmed on the real servers", .serialized)
struct ConfigBehaviourTests {
    static let files: [ServerFile] = [
        .htpasswd("auth/htpasswd", users: H.users), .text("htdocs/basic/index.html", "secret\n"),
    ]
    static let cgiScript = """
        #!/bin/sh
        printf 'Content-Type: text/plain\\r\\n\\r\\n'
        printf 'auth=[%s] user=[%s]\\n' "$HTTP_AUTHORIZATION" "$REMOTE_USER"
        """
    static let bearer = ("Authorization", "Bearer abc.def")

    // MARK: <IfVersion>, <Macro>

    @Test("<IfVersion>: the dead branch does not override the live one (httpd asks for a login)")
    func ifVersionDeadBranch() async throws {
        try RealServers.requireApache()
        let config = """
            <IfVersion >= 2.4>
            \(ApacheConfigs.basicArea())
            </IfVersion>
            <IfVersion < 2.4>
            <Directory "{{DOCROOT}}/basic">
                Order allow,deny
                Allow from all
            </Directory>
            </IfVersion>
            """
        try await withApache(config: config, files: Self.files) { apache in
            let (facts, findings) = try H.audit(apache: apache)
            #expect(H.errors(findings).isEmpty, "\(H.errors(findings))")
            let area = try #require(facts.areas.first)
            #expect(area.isProtected && area.requires.map(\.text) == ["Require valid-user"])
            #expect(facts.notes.contains { $0.contains("<IfVersion> judged against Apache 2.4") })
            #expect(try HTTPProbe.get(apache.url("/basic/")).status == 401)
            // Judged against an older httpd, the other branch is the live one — and needs mod_access_compat.
            #expect(throws: ConfigError.self) {
                try ConfigAudit.apache(apache.configPath, worker: nil, version: ApacheVersion(2, 2, 34))
            }
        }
    }

    @Test("<IfVersion> operators, as mod_version evaluates them against 2.4.71 (measured)")
    func ifVersionOperators() throws {
        let v = try #require(ApacheVersion("2.4.71"))
        let holds: [[String]] = [
            ["2.4.71"], [">=", "2.4"], [">", "2.4"], ["<=", "2.4.71"], ["~", #"^2\.4"#], [#"/^2\.4/"#],
            ["=", #"/^2\.4\./"#], ["!~", #"^2\.2"#], ["==", "2.4.71"],
        ]
        let fails: [[String]] = [
            ["2.4"], ["=", "2.4"], ["<", "2.4"], [">", "2.4.71"], ["!=", "2.4.71"], ["!>=", "2.4"], [">=", "3"],
            ["<", "2.4.70"], ["2"],
        ]
        for args in holds { #expect((try? v.satisfies(args)) == true, "\(args)") }
        for args in fails { #expect((try? v.satisfies(args)) == false, "\(args)") }
        #expect(throws: ConfigError.self) { _ = try v.satisfies(["!2.4.71"]) }
    }

    @Test("<Macro>/Use (mod_macro) is expanded: each Use is an area, and httpd protects it")
    func macroExpanded() async throws {
        try RealServers.requireApache()
        let config = """
            <Macro Protect $dir $realm>
            <Directory "{{DOCROOT}}/$dir">
                AuthType Basic
                AuthName "$realm"
                AuthUserFile "{{ROOT}}/auth/htpasswd"
                Require valid-user
            </Directory>
            </Macro>
            Use Protect basic "Macro Realm"
            Use Protect other Second
            UndefMacro Protect
            """
        let files = Self.files + [.text("htdocs/other/index.html", "x\n")]
        try await withApache(config: config, files: files, options: ApacheOptions(extraModules: ["macro"])) { apache in
            let (facts, findings) = try H.audit(apache: apache)
            #expect(H.errors(findings).isEmpty, "\(H.errors(findings))")
            #expect(Set(facts.areas.map(\.realm?.value)) == ["Macro Realm", "Second"])
            let bodyLine = try H.line(of: "<Directory \"\(apache.docroot)/$dir\">", in: apache.configPath)
            #expect(facts.areas.allSatisfy { $0.at == ConfigLocation(file: apache.configPath, line: bodyLine) })
            let challenge = try HTTPProbe.get(apache.url("/basic/"))
            #expect(challenge.status == 401 && challenge.header("WWW-Authenticate") == "Basic realm=\"Macro Realm\"")
            #expect(try HTTPProbe.get(apache.url("/other/")).status == 401)
            #expect(try HTTPProbe.get(apache.url("/other/"), headers: [H.alice]).status == 200)
        }
    }

    // MARK: Apache 2.2 access control

    @Test(
        """
        Satisfy Any with Allow from all (or no Allow at all) lets everyone in: config.auth-bypassed, and httpd \
        answers 200
        """
    )
    func satisfyAnyLetsEveryoneIn() async throws {
        try RealServers.requireApache()
        for rules in ["Order allow,deny\n    Allow from all\n    Satisfy Any", "Satisfy any"] {
            let config = ApacheConfigs.basicArea().replacingOccurrences(
                of: "    Require valid-user", with: "    Require valid-user\n    \(rules)")
            try await withApache(
                config: config, files: Self.files, options: ApacheOptions(extraModules: ["access_compat"])
            ) { apache in
                let (facts, findings) = try H.audit(apache: apache)
                let f = try H.finding("config.auth-bypassed", in: findings)
                #expect(f.severity == .error)
                #expect(H.text(f).contains("\(apache.configPath):\(try H.line(of: "Satisfy", in: apache.configPath))"))
                #expect(f.detail.contains("NOT protected"))
                #expect(facts.areas.first?.isProtected == false)
                #expect(!findings.contains { $0.id == "config.options-requires-auth" })
                #expect(try HTTPProbe.get(apache.url("/basic/")).status == 200)
                #expect(
                    try HTTPProbe.get(
                        apache.url("/basic/"), headers: [HTTPProbe.basic(user: "alice", password: "wrong")]
                    ).status == 200)
            }
        }
    }

    @Test("Satisfy Any with Allow from some hosts: those hosts skip the password (a warning); httpd asks the others")
    func satisfyAnyForSomeHosts() async throws {
        try RealServers.requireApache()
        let config = ApacheConfigs.basicArea().replacingOccurrences(
            of: "    Require valid-user",
            with: [
                "    Require valid-user", "    Order deny,allow", "    Deny from all", "    Allow from 10.0.0.0/8",
                "    Satisfy Any",
            ].joined(separator: "\n")
        )
        try await withApache(config: config, files: Self.files, options: ApacheOptions(extraModules: ["access_compat"]))
        { apache in
            let (facts, findings) = try H.audit(apache: apache)
            let f = try H.finding("config.auth-bypassed", in: findings)
            #expect(f.severity == .warning)
            #expect(f.detail.contains("`Allow from 10.0.0.0/8`"))
            #expect(facts.areas.first?.isProtected == true)
            // 127.0.0.1 is not in 10/8: it must log in.
            #expect(try HTTPProbe.get(apache.url("/basic/")).status == 401)
        }
        let loopback = config.replacingOccurrences(of: "10.0.0.0/8", with: "127.0.0.1")
        try await withApache(
            config: loopback, files: Self.files, options: ApacheOptions(extraModules: ["access_compat"])
        ) { apache in
            let status = try HTTPProbe.get(apache.url("/basic/")).status
            #expect(status == 200)
        }
    }

    // MARK: Authorization pass-through

    static let cgiDir = """
        ScriptAlias /cgi-bin/ "{{ROOT}}/cgi-bin/"
        <Directory "{{ROOT}}/cgi-bin">
            Require all granted
        </Directory>
        """

    @Test(
        """
        a SetEnvIf[NoCase] whose attribute matches Authorization is a pass-through: no finding, and the CGI sees \
        the header
        """,
        arguments: [
            #"SetEnvIfNoCase ^Authorization$ "(.+)" HTTP_AUTHORIZATION=$1"#,
            #"SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1"#,
            #"SetEnvIfNoCase ^(Authorization)$ "(.+)" HTTP_AUTHORIZATION=$1"#,
            #"SetEnvIf ^Author.*$ .+ HTTP_AUTHORIZATION=$0"#,
        ])
    func setEnvIfRegexAttribute(_ line: String) async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.cgiDir + "\n" + line, files: [.script("cgi-bin/echo", Self.cgiScript)]) {
            apache in
            let (facts, findings) = try H.audit(apache: apache)
            #expect(!findings.map(\.id).contains("config.authorization-not-forwarded"), "\(findings.map(\.detail))")
            #expect(facts.forwarding.first?.passesAuthorization == true)
            let seen = try HTTPProbe.get(apache.url("/cgi-bin/echo"), headers: [Self.bearer])
            #expect(seen.bodyText.contains("auth=[Bearer abc.def]"), "\(seen.bodyText)")
        }
    }

    @Test("SetEnvIf on another header is no pass-through: the finding stays and the CGI sees nothing")
    func setEnvIfOtherHeader() async throws {
        try RealServers.requireApache()
        let line = #"SetEnvIfNoCase ^X-Authorization-Extra$ "(.+)" HTTP_AUTHORIZATION=$1"#
        try await withApache(config: Self.cgiDir + "\n" + line, files: [.script("cgi-bin/echo", Self.cgiScript)]) {
            apache in
            let (_, findings) = try H.audit(apache: apache)
            #expect(findings.map(\.id).contains("config.authorization-not-forwarded"))
            #expect(try HTTPProbe.get(apache.url("/cgi-bin/echo"), headers: [Self.bearer]).bodyText.contains("auth=[]"))
        }
    }

    /// The CGI lives in `htdocs/app` (as PHP does in WordPress/Laravel/Nextcloud), run by a server-wide
    /// handler; `.htaccess` there carries the pass-through the applications ship.
    static func appConfig(override: String) -> String {
        """
        <FilesMatch "\\.cgi$">
            SetHandler cgi-script
        </FilesMatch>
        <Directory "{{DOCROOT}}/app">
            Options +ExecCGI +FollowSymLinks
            AllowOverride \(override)
        </Directory>
        """
    }
    static let appFiles: [ServerFile] = [
        .script("htdocs/app/echo.cgi", cgiScript),
        .text(
            "htdocs/app/.htaccess",
            """
            <IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteRule .* - \
            [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]\n</IfModule>\n
            """
        ),
    ]

    @Test("a pass-through in a .htaccess counts for the handler beneath it when AllowOverride lets it apply")
    func htaccessPassThrough() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.appConfig(override: "FileInfo"), files: Self.appFiles) { apache in
            let (facts, findings) = try H.audit(apache: apache)
            #expect(!findings.map(\.id).contains("config.authorization-not-forwarded"), "\(findings.map(\.detail))")
            #expect(
                facts.forwarding.first?.reason.contains("\(apache.docroot)/app/.htaccess:3") == true,
                "\(facts.forwarding)")
            #expect(
                try HTTPProbe.get(apache.url("/app/echo.cgi"), headers: [Self.bearer]).bodyText.contains(
                    "auth=[Bearer abc.def]"))
        }
        // Under AllowOverride None httpd never reads the file: the script gets nothing, and the finding says so.
        try await withApache(config: Self.appConfig(override: "None"), files: Self.appFiles) { apache in
            let (_, findings) = try H.audit(apache: apache)
            let f = try H.finding("config.authorization-not-forwarded", in: findings)
            #expect(!f.fix.contains { $0.contains("server-wide: `SetEnvIf") })
            #expect(try HTTPProbe.get(apache.url("/app/echo.cgi"), headers: [Self.bearer]).bodyText.contains("auth=[]"))
        }
    }

    @Test("a pass-through in a <Directory> counts for a server-wide handler whose scripts are beneath it")
    func directoryPassThrough() throws {
        let dir = try TempDirectory(prefix: "why401-passdir")
        defer { dir.remove() }
        try dir.write("site/app/index.php", "<?php\n")
        let conf = try dir.write(
            "httpd.conf",
            """
            ServerRoot "\(dir.path)"
            DocumentRoot "\(dir.path)/site"
            <FilesMatch "\\.php$">
                SetHandler "proxy:unix:/run/php/php-fpm.sock|fcgi://localhost"
            </FilesMatch>
            <Directory "\(dir.path)/site/app">
                SetEnvIfNoCase ^Authorization$ "(.+)" HTTP_AUTHORIZATION=$1
            </Directory>
            """)
        let facts = try ConfigAudit.apache(conf, worker: WorkerIdentity.current).facts
        #expect(facts.forwarding.first?.passesAuthorization == true, "\(facts.forwarding)")
        #expect(!ConfigRules.run(facts).map(\.id).contains("config.authorization-not-forwarded"))
    }

    @Test("a CGI where Apache authenticates gets REMOTE_USER, not the password: no finding, no CGIPassAuth proposed")
    func cgiBehindApacheAuth() async throws {
        try RealServers.requireApache()
        let config = """
            ScriptAlias /cgi-bin/ "{{ROOT}}/cgi-bin/"
            <Directory "{{ROOT}}/cgi-bin">
                AuthType Basic
                AuthName "Scripts"
                AuthUserFile "{{ROOT}}/auth/htpasswd"
                Require valid-user
            </Directory>
            """
        try await withApache(
            config: config,
            files: [.script("cgi-bin/echo", Self.cgiScript), .htpasswd("auth/htpasswd", users: H.users)]
        ) { apache in
            let (facts, findings) = try H.audit(apache: apache)
            #expect(!findings.map(\.id).contains("config.authorization-not-forwarded"), "\(findings.map(\.detail))")
            #expect(!findings.contains { $0.fix.contains { $0.contains("CGIPassAuth") } })
            let handler = try #require(facts.forwarding.first)
            let requireLine = try H.line(of: "Require valid-user", in: apache.configPath)
            #expect(handler.authenticatedByServer?.line == requireLine)
            #expect(handler.reason.contains("REMOTE_USER"))
            let seen = try HTTPProbe.get(apache.url("/cgi-bin/echo"), headers: [H.alice])
            #expect(seen.bodyText.contains("auth=[] user=[alice]"), "\(seen.bodyText)")
        }
    }

    // MARK: .htaccess with no AllowOverride anywhere

    @Test(
        """
        no AllowOverride anywhere: httpd reads .htaccess and refuses AuthType (500), so the audit says \
        override-forbidden
        """
    )
    func htaccessDefault() async throws {
        try RealServers.requireApache()
        let apacheBinary = try #require(RealServers.apachePath)
        let dir = try TempDirectory(prefix: "why401-noao")
        defer { dir.remove() }
        try dir.makeDirectory("htdocs/private")
        try dir.makeDirectory("logs")
        try dir.makeDirectory("run")
        _ = try dir.write("htdocs/private/index.html", "secret\n")
        _ = try dir.write(
            "htdocs/private/.htaccess",
            "AuthType Basic\nAuthName \"Default\"\nAuthUserFile \(dir.path)/htpasswd\nRequire valid-user\n")
        _ = try Htpasswd.create(file: dir.path("htpasswd"), user: "alice", password: "Secret123")
        chmod(dir.path("htpasswd"), 0o644)
        let port = try FreePort.find()
        let modules = RealServers.apacheModulesDirectory
        let loads = [
            "mpm_prefork", "authn_core", "authn_file", "auth_basic", "authz_core", "authz_user", "authz_host", "dir",
            "mime",
        ]
        .map { "LoadModule \($0)_module \(modules)/mod_\($0).so" }
        let user = geteuid() == 0 ? ["User www-data", "Group www-data"] : []
        let conf = try dir.write(
            "httpd.conf",
            ([
                "ServerRoot \"\(dir.path)\"", "ServerName 127.0.0.1", "Listen 127.0.0.1:\(port)",
                "PidFile \(dir.path)/run/httpd.pid",
                "DefaultRuntimeDir \(dir.path)/run", "Mutex file:\(dir.path)/run default",
                "ErrorLog \(dir.path)/logs/error.log",
            ] + loads + user + [
                "TypesConfig /etc/mime.types", "DocumentRoot \"\(dir.path)/htdocs\"",
                "<Directory \"\(dir.path)/htdocs\">", "    Require all granted", "</Directory>", "",
            ]).joined(separator: "\n"))
        let facts = try ConfigAudit.apache(conf, worker: nil).facts
        let f = try H.finding("config.override-forbidden", in: ConfigRules.run(facts))
        #expect(f.detail.contains("no AllowOverride applies"))
        #expect(f.fix.first?.contains("AllowOverride AuthConfig") == true)
        #expect(!ConfigRules.run(facts).map(\.id).contains("config.htaccess-ignored"))

        let start = try ProcessRunner.run(apacheBinary, ["-f", conf, "-k", "start"], timeout: 30)
        try #require(start.status == 0, "\(start)")
        defer {
            _ = try? ProcessRunner.run(apacheBinary, ["-f", conf, "-k", "stop"], timeout: 15)
            for _ in 0..<50 where Loopback.isListening(port: port) { usleep(100_000) }
        }
        for _ in 0..<100 where !Loopback.isListening(port: port) { usleep(50_000) }
        #expect(try HTTPProbe.get("http://127.0.0.1:\(port)/private/").status == 500)
        var log = ""
        for _ in 0..<30 {
            log = (try? String(contentsOfFile: dir.path("logs/error.log"), encoding: .utf8)) ?? ""
            if log.contains("not allowed here") { break }
            usleep(100_000)
        }
        #expect(log.contains(".htaccess: AuthType not allowed here"), "\(log)")
    }

    // MARK: nginx auth_request

    @Test("nginx auth_request: listed with its endpoint; an endpoint no location handles is a 500 and a finding")
    func nginxAuthRequest() async throws {
        try RealServers.requireNginx()
        let good = """
            location /app/ {
                auth_request /auth;
            }
            location = /auth {
                internal;
                return 401;
            }
            """
        try await withNginx(config: good, files: [.text("htdocs/app/index.html", "x\n")]) { nginx in
            let (facts, findings) = try H.audit(nginx: nginx)
            #expect(H.errors(findings).isEmpty, "\(H.errors(findings))")
            let area = try #require(facts.areas.first { $0.context == "location /app/" })
            #expect(area.scheme?.value == "auth_request" && area.isProtected)
            let endpointLine = try H.line(of: "location = /auth", in: nginx.configPath)
            #expect(area.authRequest?.endpoint?.at.line == endpointLine)
            #expect(area.authRequest?.service?.value == "return 401")
            #expect(try HTTPProbe.get(nginx.url("/app/")).status == 401)
        }
        let missing = "location /app/ {\n    auth_request /oauth2/auth;\n}"
        try await withNginx(config: missing, files: [.text("htdocs/app/index.html", "x\n")]) { nginx in
            let (_, findings) = try H.audit(nginx: nginx)
            let f = try H.finding("config.incomplete-auth", in: findings)
            #expect(H.text(f).contains("\(nginx.configPath):\(try H.line(of: "auth_request", in: nginx.configPath))"))
            #expect(f.detail.contains("no location of this server handles that URI"))
            #expect(try HTTPProbe.get(nginx.url("/app/")).status == 500)
        }
    }
}
