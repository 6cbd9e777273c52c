import Evidence
import Foundation
import ServerConfig
import TestSupport
import Testing

/// Parsing and loading of Apache and nginx configurations: includes, variables, syntax errors and
/// hostile files, each ending in a value or a `ConfigError` that names FILE:LINE.
@Suite("Config parsers and loaders")
struct ConfigParserTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory(prefix: "why401-confparse") }

    func error(_ body: () throws -> Void) -> ConfigError? {
        do { try body() } catch let e as ConfigError { return e } catch { return nil }
        return nil
    }

    @Test func apacheWordsQuotesAndContinuation() throws {
        let text = """
            # comment
            AuthName "Private \\"Area\\"" 'single quoted'
            AuthUserFile \\
                /etc/apache2/.htpasswd
            <Directory "/var/www/my dir">
              Require  valid-user
            </Directory>
            """
        let d = try ApacheConfigParser.parse(text, file: "t.conf")
        #expect(d.count == 3)
        #expect(d[0].args == ["Private \"Area\"", "single quoted"])
        #expect(d[0].at.line == 2)
        #expect(d[1].args == ["/etc/apache2/.htpasswd"])
        #expect(d[1].at.line == 3)
        #expect(d[2].args == ["/var/www/my dir"])
        #expect(d[2].children?.first?.args == ["valid-user"])
        #expect(d[2].children?.first?.at.line == 6)
    }

    @Test func apacheUnclosedAndMismatchedSections() {
        let unclosed = error {
            _ = try ApacheConfigParser.parse("Listen 80\n<Directory /x>\nRequire all granted\n", file: "a.conf")
        }
        #expect(
            unclosed?.description
                == "a.conf:2: <Directory> is never closed (no </Directory> before the end of the file)")
        let mismatched = error { _ = try ApacheConfigParser.parse("<Directory /x>\n</Location>\n", file: "b.conf") }
        #expect(mismatched?.description.hasPrefix("b.conf:2: </Location> closes <Directory>") == true)
        let stray = error { _ = try ApacheConfigParser.parse("\n</Files>\n", file: "c.conf") }
        #expect(stray?.description == "c.conf:2: </Files> without matching <Files> section")
    }

    @Test func apacheIncludeGlobsDefineAndIfModule() throws {
        try dir.write("conf.d/b.conf", "ServerAdmin \"${REALM}\"\n")
        try dir.write("conf.d/a.conf", "Define REALM \"From A\"\n")
        try dir.write("conf.d/skip.txt", "Bogus\n")
        try dir.write("envvars", "export APACHE_RUN_USER=www-data\nexport APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n")
        try dir.write(
            "httpd.conf",
            """
            User ${APACHE_RUN_USER}
            ErrorLog ${APACHE_LOG_DIR}/error.log
            Include conf.d/*.conf
            IncludeOptional nothing/*.conf
            <IfModule mod_cgi.c>
              ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/
            </IfModule>
            <IfModule !mod_cgi.c>
              Define NO_CGI
            </IfModule>
            <IfDefine NO_CGI>
              Listen 8080
            </IfDefine>
            LogLevel ${UNDEFINED_ONE}
            """)
        let config = try ApacheConfigLoader.load(dir.path("httpd.conf"))
        let names = config.directives.map(\.name)
        #expect(names == ["User", "ErrorLog", "Define", "ServerAdmin", "Define", "Listen", "LogLevel"])
        #expect(config.directives[0].args == ["www-data"])
        #expect(config.directives[1].args == ["/var/log/apache2/error.log"])
        #expect(config.directives[3].args == ["From A"])
        #expect(config.directives[3].at == ConfigLocation(file: dir.path("conf.d/b.conf"), line: 1))
        #expect(config.filesRead.count == 3)
        #expect(config.notes.contains { $0.contains("${UNDEFINED_ONE}") && $0.contains("httpd.conf:14") })
    }

    @Test func apacheIncludeLoopAndMissingInclude() throws {
        try dir.write("one.conf", "Include two.conf\n")
        try dir.write("two.conf", "\n\nInclude one.conf\n")
        try dir.write("httpd.conf", "Include one.conf\n")
        let loop = error { _ = try ApacheConfigLoader.load(dir.path("httpd.conf")) }
        #expect(loop?.message.hasPrefix("include loop: ") == true)
        #expect(loop?.at == ConfigLocation(file: dir.path("two.conf"), line: 3))

        try dir.write("missing.conf", "Include does-not-exist.conf\n")
        let missing = error { _ = try ApacheConfigLoader.load(dir.path("missing.conf")) }
        #expect(missing?.description.contains("missing.conf:1: Include does-not-exist.conf") == true)
        try dir.write("noglob.conf", "Include none/*.conf\n")
        #expect(
            error { _ = try ApacheConfigLoader.load(dir.path("noglob.conf")) }?.message.contains("no file matches")
                == true)
    }

    @Test func apacheIncludeOfADirectoryReadsSubdirectoriesInOrder() throws {
        try dir.write("inc/b.conf", "Listen 2\n")
        try dir.write("inc/a/z.conf", "Listen 1\n")
        try dir.write("inc/c.conf", "Listen 3\n")
        try dir.write("dir.conf", "Include inc\n")
        let config = try ApacheConfigLoader.load(dir.path("dir.conf"))
        #expect(config.directives.map { $0.args.first } == ["1", "2", "3"])
    }

    @Test func binaryAndUnreadableFiles() throws {
        var bytes = Data("ServerName x\nLoad".utf8)
        bytes.append(contentsOf: [0, 1, 2, 0xFF, 0xFE])
        try dir.write("binary.conf", bytes)
        let binary = error { _ = try ApacheConfigLoader.load(dir.path("binary.conf")) }
        #expect(binary?.description == "\(dir.path("binary.conf")):2: binary file (NUL byte), not a configuration file")
        let nginxBinary = error { _ = try NginxConfigLoader.load(dir.path("binary.conf")) }
        #expect(nginxBinary?.message.contains("binary file") == true)
        #expect(
            error { _ = try ApacheConfigLoader.load(dir.path("nope.conf")) }?.description
                == "cannot read \(dir.path("nope.conf")): No such file or directory")
        #expect(mkfifo(dir.path("fifo.conf"), 0o644) == 0)
        #expect(
            error { _ = try ApacheConfigLoader.load(dir.path("fifo.conf")) }?.message.contains("not a regular file")
                == true)
        #expect(error { _ = try ApacheConfigLoader.load(dir.path) }?.message.contains("is a directory") == true)
    }

    @Test func nginxTokensBlocksAndVariables() throws {
        let text = """
            # comment
            http {
                map $http_upgrade $c { default upgrade; '' close; }
                server {
                    location ~ "^/a{2}$" {
                        return 200 "x;y ${host}\\n";
                        auth_basic 'Quoted "Realm"';
                    }
                }
            }
            """
        let d = try NginxConfigParser.parse(text, file: "n.conf")
        let server = try #require(d.first?.children?.last)
        #expect(server.name == "server")
        let location = try #require(server.children?.first)
        #expect(location.args == ["~", "^/a{2}$"])
        #expect(location.at.line == 5)
        #expect(location.children?.first?.args == ["200", "x;y ${host}\n"])
        #expect(location.children?.last?.args == ["Quoted \"Realm\""])
        #expect(location.children?.last?.at.line == 7)
    }

    @Test func nginxSyntaxErrorsNameTheLine() {
        #expect(
            error { _ = try NginxConfigParser.parse("http {\n  server {\n  }\n", file: "n.conf") }?.description
                == "n.conf:1: unexpected end of file, expecting \"}\" (the block opened here is never closed)")
        #expect(
            error { _ = try NginxConfigParser.parse("events {}\n}\n", file: "n.conf") }?.description
                == "n.conf:2: unexpected \"}\"")
        #expect(
            error { _ = try NginxConfigParser.parse("http {\n  root /x\n}\n", file: "n.conf") }?.description
                == "n.conf:2: \"root\" directive is not terminated by \";\"")
        #expect(
            error { _ = try NginxConfigParser.parse("user \"www-data;\n", file: "n.conf") }?.description.hasPrefix(
                "n.conf:1: unexpected end of file inside a quoted string") == true)
    }

    @Test func nginxIncludeGlobAndLoop() throws {
        try dir.write("conf.d/a.conf", "server { listen 1; }\n")
        try dir.write("conf.d/b.conf", "server { listen 2; }\n")
        try dir.write("nginx.conf", "events {}\nhttp {\n  include conf.d/*.conf;\n  include none/*.conf;\n}\n")
        let config = try NginxConfigLoader.load(dir.path("nginx.conf"))
        #expect(
            config.directives.first { $0.key == "http" }?.children?.map { $0.children?.first?.args.first } == [
                "1", "2",
            ])
        try dir.write("loop.conf", "include loop.conf;\n")
        let loop = error { _ = try NginxConfigLoader.load(dir.path("loop.conf")) }
        #expect(loop?.message.hasPrefix("include loop") == true)
        #expect(loop?.at?.line == 1)
    }

    @Test func apacheClosingTagsAreReadByTheirFirstWordAsHttpdDoes() throws {
        // mod_version is compiled into Debian's httpd, so this <IfModule> holds.
        let conf = try dir.write(
            "tags.conf",
            """
            <IfModule mod_version.c>
            <VirtualHost *:80>
            DocumentRoot /srv/a
            </VirtualHost> </IfModule>
            <Directory /srv/a>
            Require all granted
            </Directory> trailing words
            ServerAdmin still@inside
            """)
        let config = try ApacheConfigLoader.load(conf, version: ApacheVersion(2, 4, 71))
        #expect(config.directives.map(\.name) == ["VirtualHost", "Directory", "ServerAdmin"])
        #expect(config.directives[0].children?.map(\.name) == ["DocumentRoot"])
        #expect(config.directives[2].at.line == 8)

        let skippedOpen = try dir.write(
            "skipped.conf", "ServerAdmin a@b\n<IfModule mod_not_here.c>\n<Directory /x>\n</Directory>\n")
        let e = error { _ = try ApacheConfigLoader.load(skippedOpen) }
        #expect(e?.at?.line == 2)
        #expect(e?.message.hasPrefix("Expected </IfModule> before end of configuration") == true)
        // A closing tag with text after it ends a skipped conditional, not one that holds.
        _ = try dir.write("skip-close.conf", "<IfModule mod_not_here.c>\nBogus\n</IfModule> # end\n")
        #expect(throws: Never.self) { _ = try ApacheConfigLoader.load(dir.path("skip-close.conf")) }
        _ = try dir.write("hold-close.conf", "<IfModule mod_version.c>\nServerAdmin a@b\n</IfModule> # end\n")
        #expect(
            error { _ = try ApacheConfigLoader.load(dir.path("hold-close.conf")) }?.description
                == "\(dir.path("hold-close.conf")):3: </IfModule> without matching <IfModule> section")
    }

    @Test func apacheIfVersionMacroAndModuleChecks() throws {
        let conf = try dir.write(
            "macro.conf",
            """
            LoadModule mpm_prefork_module modules/mod_mpm_prefork.so
            LoadModule macro_module modules/mod_macro.so
            <IfVersion >= 2.4>
            Define LIVE
            </IfVersion>
            <IfVersion < 2.4>
            Define DEAD
            </IfVersion>
            <Macro Area $dir>
            <Directory $dir>
              Options None
            </Directory>
            </Macro>
            Use Area /srv/one
            Use Area /srv/two
            """)
        let config = try ApacheConfigLoader.load(conf, version: ApacheVersion(2, 4, 71))
        #expect(config.defines.keys.sorted() == ["LIVE"])
        #expect(config.usesIfVersion)
        let dirs = config.directives.filter { $0.key == "directory" }
        #expect(dirs.map(\.args) == [["/srv/one"], ["/srv/two"]])
        #expect(dirs.allSatisfy { $0.at.line == 10 })
        #expect(try ApacheConfigLoader.load(conf, version: ApacheVersion(2, 2, 34)).defines.keys.sorted() == ["DEAD"])

        // A macro that uses itself ends in an error, not a hang.
        let loop = try dir.write(
            "macro-loop.conf",
            "LoadModule mpm_prefork_module x.so\nLoadModule macro_module x.so\n<Macro M>\nUse M\n</Macro>\nUse M\n")
        #expect(error { _ = try ApacheConfigLoader.load(loop) } != nil)

        // A directive of a module nobody loads: refused only when the configuration loads modules at all.
        let loose = try dir.write("no-loadmodule.conf", "<Directory /x>\nRewriteEngine On\n</Directory>\n")
        #expect(throws: Never.self) { _ = try ApacheConfigLoader.load(loose) }
        let strict = try dir.write(
            "loadmodule.conf",
            """
            LoadModule mpm_prefork_module x.so\nLoadModule mime_module x.so\n<Directory /x>\nRewriteEngine \
            On\n</Directory>\n
            """
        )
        #expect(
            error { _ = try ApacheConfigLoader.load(strict) }?.description.hasPrefix(
                "\(strict):4: Invalid command 'RewriteEngine'") == true)
        // Loading modules but no MPM: refused (AH00534), except on Windows, where mpm_winnt is compiled in.
        let noMPM = try dir.write("nompm.conf", "LoadModule mime_module x.so\n")
        #expect(error { _ = try ApacheConfigLoader.load(noMPM) }?.message.contains("No MPM loaded") == true)
        let xampp = try dir.write(
            "xampp.conf", "ServerRoot \"C:/xampp/apache\"\nLoadModule mime_module modules/mod_mime.so\n")
        #expect(throws: Never.self) { _ = try ApacheConfigLoader.load(xampp) }
    }

    @Test func nginxLuaBlocksAreSkippedAsText() throws {
        let text = """
            location /lua {
                content_by_lua_block {
                    local t = { a = 1 }  -- a comment with } and ;
                    ngx.say("}{;")
                }
                auth_basic "After";
            }
            """
        let d = try NginxConfigParser.parse(text, file: "lua.conf")
        #expect(d.first?.children?.map(\.name) == ["content_by_lua_block", "auth_basic"])
        #expect(d.first?.children?.last?.at.line == 6)
        #expect(throws: ConfigError.self) {
            try NginxConfigParser.parse("access_by_lua_block {\n  if x then\n", file: "lua.conf")
        }
    }

    @Test func nginxContextArgumentsAndDuplicates() throws {
        func refusal(_ text: String) throws -> String? {
            let conf = try dir.write("ctx.conf", text)
            return error { _ = try NginxConfigLoader.load(conf) }?.description.replacingOccurrences(
                of: conf + ":", with: "")
        }
        #expect(
            try refusal("events {}\nhttp {\n  location / { }\n}\n") == "3: \"location\" directive is not allowed here")
        #expect(
            try refusal("events {}\nhttp { server {\n  proxy_pass http://x;\n} }\n")
                == "3: \"proxy_pass\" directive is not allowed here")
        #expect(
            try refusal("events {}\nhttp { server {\n  auth_basic a b;\n} }\n")
                == "3: invalid number of arguments in \"auth_basic\" directive")
        #expect(
            try refusal("events {}\nhttp { server {\n  root /a;\n  root /b;\n} }\n")
                == "4: \"root\" directive is duplicate")
        #expect(
            try refusal("events {}\nhttp { server {\n  location /a { }\n  location /a { }\n} }\n")
                == "4: duplicate location \"/a\"")
        #expect(try refusal("http { }\n")?.hasPrefix("1: no \"events\" section") == true)
        #expect(
            try refusal(
                """
                events {}\nhttp { server { location / { auth_request /auth; some_module_directive 1 2 3; } \
                location = /auth { internal; return 204; } } }\n
                """
            ) == nil)
    }

    @Test("the Debian default configurations (when installed) load without error")
    func debianDefaults() throws {
        if FileManager.default.fileExists(atPath: "/etc/apache2/apache2.conf") {
            let result = try ConfigAudit.apache("/etc/apache2/apache2.conf", worker: nil)
            #expect(result.facts.filesRead.count > 5)
            #expect(result.facts.worker == "www-data")
        }
        if FileManager.default.fileExists(atPath: "/etc/nginx/nginx.conf") {
            let result = try ConfigAudit.nginx("/etc/nginx/nginx.conf", worker: nil)
            #expect(!result.facts.filesRead.isEmpty)
        }
    }
}

/// Hostile input: random bytes from the configuration alphabet and absurd nesting end in a value or
/// a `ConfigError`, never a crash.
@Suite("Config parsers on hostile input")
struct ConfigParserHostileTests {
    @Test func randomInputNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("<>/{};#\"'\\ \t\n\r$abcDirectory Location include auth_basic Require ${X}")
        for _ in 0..<300 {
            let length = Int.random(in: 0..<400, using: &rng)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
            _ = try? ApacheConfigParser.parse(text, file: "r.conf")
            _ = try? NginxConfigParser.parse(text, file: "r.conf")
        }
    }

    @Test func deepNestingIsAnError() {
        let apache =
            String(repeating: "<Directory /x>\n", count: 10_000) + String(repeating: "</Directory>\n", count: 10_000)
        #expect(throws: ConfigError.self) { try ApacheConfigParser.parse(apache, file: "deep.conf") }
        let nginx = String(repeating: "location / {\n", count: 10_000) + String(repeating: "}\n", count: 10_000)
        #expect(throws: ConfigError.self) { try NginxConfigParser.parse(nginx, file: "deep.conf") }
    }
}
