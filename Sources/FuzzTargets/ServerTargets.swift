#if DEBUG
    import Evidence

    @testable import ServerConfig
    @testable import WordPressAudit

    /// `apache-config`, `nginx-config`, `wordpress-plugin-header`: configuration text as the server
    /// audit reads it, and a plugin's header block.
    enum ServerTargets {
        static let file = "/nonexistent/why401-fuzz/fuzz.conf"

        // MARK: apache-config

        /// The file on its own (`ApacheConfigParser.parse`), then as the loader reads it — variables,
        /// conditionals judged, `<Macro>`/`Use`, httpd's context and module checks — with `Include`,
        /// `<IfFile>` and the SSL file checks kept off the real filesystem (`HermeticApacheHost`); and
        /// once more as a `.htaccess` (no context checks).
        static func apacheConfig(_ data: [UInt8]) {
            let text = data.lossyText
            let lines = physicalLines(text)
            if let directives = try? ApacheConfigParser.parse(text, file: file) {
                checkLocations(directives, lines: lines)
            }
            for validates in [true, false] {
                var loader = ApacheConfigLoader(serverRoot: "/nonexistent/why401-fuzz")
                loader.validates = validates
                var host = HermeticApacheHost(loader: loader)
                var reader = ApacheReader(text: text, file: file)
                if let directives = try? reader.read(&host) {
                    checkLocations(directives, lines: lines)
                }
            }
            for line in text.split(separator: "\n").prefix(64) { _ = ApacheConfigParser.splitWords(String(line)) }
        }

        // MARK: nginx-config

        static func nginxConfig(_ data: [UInt8]) {
            let text = data.lossyText
            guard let directives = try? NginxConfigParser.parse(text, file: file) else { return }
            checkLocations(directives, lines: physicalLines(text))
            _ = try? NginxDirectives.validate(directives, mainFile: file)
        }

        /// Every directive names a line of the text it came from; only sections have children.
        static func checkLocations(_ directives: [ConfigDirective], lines: Int) {
            for directive in directives {
                FuzzCheck.require(directive.at.file == file, "a directive from another file: \(directive.at.file)")
                FuzzCheck.require(
                    directive.at.line >= 1 && directive.at.line <= lines,
                    "directive \(directive.name) at line \(directive.at.line) of a \(lines)-line text")
                _ = directive.text
                if let children = directive.children { checkLocations(children, lines: lines) }
            }
        }

        static func physicalLines(_ text: String) -> Int { text.utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) } }

        // MARK: wordpress-plugin-header

        static func wordPressPluginHeader(_ data: [UInt8]) {
            let text = data.lossyText
            _ = WordPressReader.version(in: text)
            guard let headers = WordPressReader.pluginHeaders(text) else { return }
            let keys: Set<String> = [
                "plugin name", "version", "description", "author", "text domain", "requires at least",
            ]
            for (key, value) in headers {
                FuzzCheck.require(keys.contains(key), "unexpected header key \(key)")
                FuzzCheck.require(!value.isEmpty && value.count <= 200, "header \(key) empty or over 200 characters")
            }
            guard let name = headers["plugin name"] else {
                FuzzCheck.require(false, "headers without a plugin name")
                return
            }
            _ = WordPressKnownPlugins.match(folder: "fuzz", name: name)
        }
    }

    /// The Apache loader's reading with nothing taken from the filesystem: `Include` reads nothing,
    /// `<IfFile>` holds only when negated (no file exists), the SSL certificate files are not checked.
    /// Everything else (Define, `${VAR}`, IfModule/IfDefine/IfVersion, Macro/Use, context and module
    /// checks) is the loader's own.
    struct HermeticApacheHost: ApacheReaderHost {
        var loader: ApacheConfigLoader
        var keepsConditionals: Bool { loader.keepsConditionals }

        mutating func substitute(_ line: String, at: ConfigLocation) -> String { loader.substitute(line, at: at) }

        mutating func holds(_ conditional: ConfigDirective) throws -> Bool {
            if conditional.key == "iffile" {
                guard let argument = conditional.args.first else { return try loader.holds(conditional) }
                return argument.hasPrefix("!")
            }
            return try loader.holds(conditional)
        }

        mutating func opening(_ section: ConfigDirective, in enclosing: [String]) throws {
            try loader.opening(section, in: enclosing)
        }

        mutating func directive(_ d: ConfigDirective, in enclosing: [String]) throws -> ApacheReplacement {
            switch d.key {
            case "include", "includeoptional", "sslcertificatefile", "sslcertificatekeyfile":
                try loader.check(d.key, display: d.name, at: d.at, in: enclosing, argCount: d.args.count)
                return .directives(d.key.hasPrefix("include") ? [] : [d])
            default:
                return try loader.directive(d, in: enclosing)
            }
        }

        mutating func macro(_ d: ConfigDirective, body: [ApacheLine]) throws { try loader.macro(d, body: body) }
    }
#endif
