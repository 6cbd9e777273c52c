import Evidence
import Foundation
import HostAccess
import ServerConfig
import TestSupport
import Testing

/// The audit reads what the server itself accepts and refuses what it refuses, line for line: each
/// configuration below is given both to the real `apache2 -t` / `nginx -t` and to the loader, and
/// the two must agree on "accepted" and, when refused, on the line.
@Suite("Configs: accepted and refused exactly as apache2 -t / nginx -t do")
struct ServerAcceptanceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var testDescription: String { name }
    }

    static let apacheCases: [Case] = [
        Case(
            name: "</VirtualHost> </IfModule> on one line",
            body: """
                <IfModule mod_mime.c>
                <VirtualHost *:80>
                DocumentRoot /tmp
                </VirtualHost> </IfModule>
                """),
        Case(
            name: "text after a closing tag",
            body: """
                <Directory /tmp>
                Require all granted
                </Directory> trailing words here
                """),
        Case(
            name: "two closing tags on one line (the second is ignored)",
            body: """
                <Directory /tmp>
                Require all granted
                </Directory> </Directory>
                """),
        Case(
            name: "<IfModule> of a loaded module left open at the end of the file",
            body: """
                <IfModule mod_mime.c>
                <Directory /tmp>
                Require all granted
                </Directory>
                """),
        Case(
            name: "<IfModule> of a loaded module and a <Directory> in it left open at the end",
            body: """
                <IfModule mod_mime.c>
                <Directory /tmp>
                Require all granted
                """),
        Case(
            name: "a skipped <IfModule> closed with text after the tag",
            body: """
                <IfModule mod_not_here.c>
                Bogus directive
                </IfModule> # end
                """),
        Case(
            name: "a loaded <IfModule> closed with text after the tag",
            body: """
                <IfModule mod_mime.c>
                ServerAdmin a@b
                </IfModule> # end
                """),
        Case(
            name: "a skipped <IfModule> left open",
            body: """
                <IfModule mod_not_here.c>
                <Directory /tmp>
                </Directory>
                """),
        Case(
            name: "a <Directory> left open",
            body: """
                <Directory /tmp>
                Require all granted
                """),
        Case(
            name: "a closing tag glued to a comment",
            body: """
                <Directory /tmp>
                Require all granted
                </Directory>#comment
                """),
        Case(
            name: "text after an opening tag",
            body: """
                <Directory /tmp> Require all denied
                </Directory>
                """),
        Case(
            name: "<IfVersion> branches, the dead one holding an unknown directive",
            body: """
                <IfVersion < 2.4>
                Order allow,deny
                </IfVersion>
                <IfVersion >= 2.4>
                <Directory /tmp>
                Require all granted
                </Directory>
                </IfVersion>
                """),
        Case(
            name: "an invalid <IfVersion>",
            body: """
                <IfVersion !2.4.71>
                </IfVersion>
                """),
        Case(
            name: "<Macro> and Use",
            body: """
                <Macro Area $dir $realm>
                <Directory $dir>
                  AuthType Basic
                  AuthName "$realm"
                  AuthUserFile /tmp/htpasswd
                  Require valid-user
                </Directory>
                </Macro>
                Use Area /tmp/a "Private One"
                Use Area /tmp/b Two
                """),
        Case(name: "Use of a macro never defined", body: "Use Nothing here"),
        Case(
            name: "Use with the wrong number of arguments",
            body: """
                <Macro M $a>
                ServerAdmin $a
                </Macro>
                Use M a b
                """),
        Case(
            name: "auth directives in <Location>, <Files> and a server-level <If>",
            body: """
                <Location /x>
                AuthType Basic
                AuthName x
                Require valid-user
                </Location>
                <Files secret>
                AuthType Basic
                </Files>
                <If "true">
                AuthType Basic
                </If>
                """),
        Case(
            name: "AuthType in a <VirtualHost>",
            body: """
                <VirtualHost *:80>
                AuthType Basic
                </VirtualHost>
                """),
        Case(name: "Require at the server level", body: "Require valid-user"),
        Case(
            name: "<Directory> in <Directory>",
            body: """
                <Directory /tmp>
                <Directory /tmp/a>
                </Directory>
                </Directory>
                """),
        Case(
            name: "<Files> in <Location>",
            body: """
                <Location />
                <Files a>
                </Files>
                </Location>
                """),
        Case(
            name: "Listen in a <VirtualHost>",
            body: """
                <VirtualHost *:80>
                Listen 81
                </VirtualHost>
                """),
        Case(
            name: "ScriptAlias in <Directory>",
            body: """
                <Directory /tmp>
                ScriptAlias /x /tmp
                </Directory>
                """),
        Case(
            name: "<Limit> at the server level",
            body: """
                <Limit GET>
                Require all granted
                </Limit>
                """),
        Case(
            name: "Order without mod_access_compat",
            body: """
                <Directory /tmp>
                Order allow,deny
                </Directory>
                """),
        Case(
            name: "SetEnvIf and RewriteRule at the server level",
            body: """
                SetEnvIfNoCase ^Authorization$ "(.+)" HTTP_AUTHORIZATION=$1
                RewriteEngine On
                RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
                """),
        Case(name: "no MPM loaded", body: "#MPM"),
        Case(
            name: "SSLCertificateFile naming a missing file",
            body: """
                <VirtualHost *:443>
                SSLEngine on
                SSLCertificateFile /nonexistent/why401-cert.pem
                </VirtualHost>
                """),
        Case(
            name: "AllowOverride in <Location> (httpd only warns)",
            body: """
                <Location /x>
                AllowOverride None
                </Location>
                """),
    ]

    /// `(accepted, line of the refusal)` from `apache2 -t`.
    static func apacheVerdict(_ conf: String) throws -> (Bool, Int?) {
        let r = try ProcessRunner.run(try #require(RealServers.apachePath), ["-t", "-f", conf], timeout: 30)
        let text = r.stdout + r.stderr
        if r.status == 0 { return (true, nil) }
        let line = text.range(of: #"on line (\d+) of"#, options: .regularExpression).flatMap {
            Int(text[$0].filter(\.isNumber))
        }
        return (false, line)
    }

    @Test(arguments: apacheCases)
    func apacheAgrees(_ c: Case) throws {
        try RealServers.requireApache()
        let dir = try TempDirectory(prefix: "why401-accept")
        defer { dir.remove() }
        let modules = RealServers.apacheModulesDirectory
        let loads = [
            "mpm_prefork", "authn_core", "authn_file", "auth_basic", "authz_core", "authz_user", "authz_host", "mime",
            "alias", "cgi", "setenvif", "rewrite", "macro", "ssl",
        ]
        .map { "LoadModule \($0)_module \(modules)/mod_\($0).so" }
        let preamble =
            [
                "ServerRoot \"\(dir.path)\"", "PidFile \(dir.path)/httpd.pid", "ErrorLog \(dir.path)/error.log",
                "Listen 127.0.0.1:1",
            ] + loads
        var lines = preamble + [c.body, ""]
        if c.body == "#MPM" { lines.removeAll { $0.contains("mpm_prefork") } }
        let conf = try dir.write("httpd.conf", lines.joined(separator: "\n"))
        let (accepted, line) = try Self.apacheVerdict(conf)
        do {
            _ = try ConfigAudit.apache(conf, worker: WorkerIdentity.current)
            #expect(accepted, "why401 read a configuration apache2 -t refuses (line \(line ?? 0))")
        } catch let error as ConfigError {
            #expect(!accepted, "apache2 -t accepts it, why401 refused: \(error)")
            if let line { #expect(error.at?.line == line, "apache2 -t: line \(line); why401: \(error)") }
        }
    }

    static let nginxCases: [Case] = [
        Case(
            name: "auth_request with its endpoint",
            body: """
                events {}
                http { server { listen 127.0.0.1:1;
                  location / { auth_request /auth; }
                  location = /auth { internal; return 204; }
                } }
                """),
        Case(
            name: "nested locations, limit_except with auth_basic, if with return",
            body: """
                events {}
                http { server { listen 127.0.0.1:1;
                  location /a/ { location /a/b/ { root /tmp; } limit_except GET { auth_basic x; auth_basic_user_file \
                  /tmp/pw; } }
                  location /c/ { if ($request_method = OPTIONS) { return 204; } add_header A b; add_header C d; }
                } }
                """),
        Case(name: "location at the top", body: "events {}\nlocation / { }"),
        Case(name: "location in http", body: "events {}\nhttp {\n location / { }\n}"),
        Case(name: "proxy_pass in server", body: "events {}\nhttp { server {\n proxy_pass http://127.0.0.1:1;\n} }"),
        Case(name: "no events", body: "http { server { listen 127.0.0.1:1; } }"),
        Case(name: "server at the top", body: "events {}\nserver { listen 80; }"),
        Case(name: "root twice", body: "events {}\nhttp { server {\n root /a;\n root /b;\n} }"),
        Case(name: "auth_basic with two arguments", body: "events {}\nhttp { server {\n auth_basic a b;\n} }"),
        Case(
            name: "location in if",
            body: """
                events {}\nhttp { server { location / { if ($x) {\n location /a { } } } } }
                """),
        Case(name: "listen in location", body: "events {}\nhttp { server { location / {\n listen 80; } } }"),
        Case(name: "if in http", body: "events {}\nhttp {\n if ($a) { } }"),
        Case(name: "upstream in server", body: "events {}\nhttp { server {\n upstream v { server 127.0.0.1:1; } } }"),
        Case(
            name: "auth_basic_user_file twice",
            body: """
                events {}\nhttp { server { location / {\n auth_basic_user_file /x;\n auth_basic_user_file /y; } } }
                """),
        Case(
            name: "two identical locations",
            body: "events {}\nhttp { server {\n location / { return 200; }\n location / { } } }"),
        Case(name: "events twice", body: "events {}\nevents {}\nhttp { }"),
    ]

    @Test(arguments: nginxCases)
    func nginxAgrees(_ c: Case) throws {
        try RealServers.requireNginx()
        let dir = try TempDirectory(prefix: "why401-accept-ng")
        defer { dir.remove() }
        let conf = try dir.write("nginx.conf", c.body + "\n")
        let r = try ProcessRunner.run(
            try #require(RealServers.nginxPath),
            ["-t", "-p", dir.path, "-c", conf, "-e", dir.path("error.log"), "-g", "pid \(dir.path)/nginx.pid;"],
            timeout: 30)
        let accepted = r.status == 0
        let output = r.stdout + r.stderr
        let line = output.range(of: conf + #":(\d+)"#, options: .regularExpression).flatMap {
            Int(output[$0].split(separator: ":").last ?? "")
        }
        do {
            _ = try ConfigAudit.nginx(conf, worker: WorkerIdentity.current)
            #expect(accepted, "why401 read a configuration nginx -t refuses: \(output)")
        } catch let error as ConfigError {
            #expect(!accepted, "nginx -t accepts it, why401 refused: \(error)")
            if let line { #expect(error.at?.line == line, "nginx -t: \(output); why401: \(error)") }
        }
    }
}
