import Evidence
import Foundation
import HostAccess

/// An Apache configuration with `Include`s spliced in, `Define`d variables substituted,
/// `<IfModule>`/`<IfDefine>`/`<IfFile>`/`<IfVersion>` sections resolved and `<Macro>`s expanded
/// the way httpd does at start-up.
public struct ApacheConfig: Sendable {
    public var mainFile: String
    public var serverRoot: String
    public var directives: [ConfigDirective]
    public var filesRead: [String]
    public var defines: [String: String]
    public var modules: Set<String>
    /// The httpd version `<IfVersion>` was judged against, and where it comes from.
    public var version: ApacheVersion
    public var versionSource: String
    /// Some `<IfVersion>` was judged.
    public var usesIfVersion: Bool
    /// What could not be resolved (undefined variables, includes with no match).
    public var notes: [String]
}

/// Reads `apache2.conf`/`httpd.conf` and everything it includes.
///
/// Relative paths resolve against `ServerRoot` (the directory of the main file until a `ServerRoot`
/// line says otherwise). Debian keeps `User ${APACHE_RUN_USER}` in apache2.conf and the value in
/// `envvars` beside it (`export APACHE_RUN_USER=www-data`); those exports are read as variables.
///
/// Like httpd, it refuses what httpd refuses (a directive where it may not appear, one whose module
/// is not loaded) with FILE:LINE and httpd's own words, and accepts everything else.
public struct ApacheConfigLoader: IncludingConfigLoader, ApacheReaderHost {
    /// Modules Debian's apache2 has compiled in (`apache2 -l`); everything else comes from LoadModule.
    static let builtInModules: Set<String> = [
        "core.c", "mod_so.c", "mod_watchdog.c", "http_core.c", "mod_log_config.c", "mod_logio.c", "mod_version.c",
        "mod_unixd.c",
        "core_module", "so_module", "watchdog_module", "http_module", "log_config_module", "logio_module",
        "version_module", "unixd_module",
    ]
    /// Apache refuses deeper nesting too (AP_MAX_INCLUDE_DEPTH).
    static let maxDepth = 64
    /// When no httpd binary can be asked: the newest 2.4.
    public static let assumedVersion = ApacheVersion(2, 4, 99)

    struct Macro {
        var name: String
        var parameters: [String]
        var body: [ApacheLine]
        var at: ConfigLocation
    }

    var serverRoot: String
    var defines: [String: String] = [:]
    var environment: [String: String] = [:]
    var modules = builtInModules
    var filesRead: [String] = []
    var notes: [String] = []
    var undefinedReported: Set<String> = []
    var includeStack: [String] = []
    var version = assumedVersion
    var macros: [String: Macro] = [:]
    /// Context and module checks (off for `.htaccess`, which httpd judges per request).
    var validates = true
    var sawLoadModule = false
    var sawIfVersion = false
    /// The first directive whose module is not loaded; refused only if the configuration loads
    /// modules at all (one without `LoadModule` lines comes from a build with everything compiled in).
    var missingModule: ConfigError?
    var keepsConditionals: Bool { false }

    public static func load(_ path: String, version: ApacheVersion? = nil) throws -> ApacheConfig {
        let main = ConfigFile.normalize(
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        var loader = ApacheConfigLoader(serverRoot: ConfigFile.directoryName(main))
        loader.environment = readEnvvars(ConfigFile.directoryName(main) + "/envvars")
        let source: String
        if let version {
            loader.version = version
            source = "given"
        } else if let found = ApacheVersion.installed() {
            loader.version = found.version
            source = "\(found.binary) -v"
        } else {
            source = "assumed: no apache2 or httpd binary here to ask"
        }
        let directives = try loader.loadFile(main, from: nil)
        if loader.sawLoadModule, let missing = loader.missingModule { throw missing }
        // A configuration that loads modules but no MPM is refused at start (AH00534); one without any
        // LoadModule line is a fragment or a static build, and is read as it is.
        // Windows builds (XAMPP, Apache Lounge: `ServerRoot "C:/…"`) have mpm_winnt compiled in.
        let windows =
            loader.serverRoot.count >= 2 && loader.serverRoot.first!.isLetter && Array(loader.serverRoot)[1] == ":"
        if loader.sawLoadModule, !windows,
            !loader.modules.contains(where: { $0.hasPrefix("mpm_") && $0.hasSuffix("_module") })
        {
            throw ConfigError(
                """
                Configuration error: No MPM loaded (AH00534: no LoadModule mpm_event_module, mpm_worker_module or \
                mpm_prefork_module is in effect)
                """,
                at: ConfigLocation(file: main, line: 1))
        }
        return ApacheConfig(
            mainFile: main, serverRoot: loader.serverRoot, directives: directives, filesRead: loader.filesRead,
            defines: loader.defines, modules: loader.modules, version: loader.version, versionSource: source,
            usesIfVersion: loader.sawIfVersion,
            notes: loader.notes)
    }

    /// A `.htaccess` as httpd reads it for this configuration: its `<IfModule>`s judged against the
    /// loaded modules, variables substituted.
    public static func parseHtaccess(_ text: String, file: String, config: ApacheConfig) throws -> [ConfigDirective] {
        var loader = ApacheConfigLoader(serverRoot: config.serverRoot)
        loader.defines = config.defines
        loader.modules = config.modules
        loader.version = config.version
        loader.validates = false
        var reader = ApacheReader(text: text, file: file)
        return try reader.read(&loader)
    }

    /// `export NAME=value` lines of a Debian-style envvars script (`$SUFFIX` is empty by default).
    static func readEnvvars(_ path: String) -> [String: String] {
        guard ConfigFile.exists(path), let text = try? ConfigFile.read(path) else { return [:] }
        var vars: [String: String] = [:]
        for raw in text.split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("export ") else { continue }
            line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let eq = line.firstIndex(of: "=") else { continue }
            let name = String(line[..<eq])
            var value = String(line[line.index(after: eq)...])
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = String(value.dropFirst().dropLast())
            }
            for (k, v) in vars {
                value = value.replacingOccurrences(of: "${\(k)}", with: v).replacingOccurrences(of: "$\(k)", with: v)
            }
            value = value.replacingOccurrences(of: "${SUFFIX}", with: "").replacingOccurrences(of: "$SUFFIX", with: "")
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            vars[name] = value
        }
        return vars
    }

    mutating func read(_ text: String, file: String) throws -> [ConfigDirective] {
        var reader = ApacheReader(text: text, file: file)
        return try reader.read(&self)
    }

    mutating func substitute(_ line: String, at: ConfigLocation) -> String { substituteVariables(line, at: at) }

    mutating func opening(_ section: ConfigDirective, in enclosing: [String]) throws {
        try check(
            "<" + section.key, display: "<" + section.name, at: section.at, in: enclosing, argCount: section.args.count)
    }

    mutating func macro(_ d: ConfigDirective, body: [ApacheLine]) throws {
        try check("<macro", display: "<Macro", at: d.at, in: [], argCount: d.args.count)
        guard let name = d.args.first else { throw ConfigError("macro definition: no name specified", at: d.at) }
        macros[name.lowercased()] = Macro(name: name, parameters: Array(d.args.dropFirst()), body: body, at: d.at)
    }

    /// httpd's checks when it runs a directive: where it may appear, and whether its module is loaded.
    mutating func check(_ key: String, display: String, at: ConfigLocation, in enclosing: [String], argCount: Int)
        throws
    {
        guard validates else { return }
        if let error = ApacheDirectives.contextError(key, display: display, in: enclosing, argCount: argCount) {
            throw ConfigError(error, at: at)
        }
        if missingModule == nil, let module = ApacheDirectives.module[key], !modules.contains(module) {
            let file = "mod_" + module.dropLast("_module".count)
            missingModule = ConfigError(
                """
                Invalid command '\(display)', perhaps misspelled or defined by a module not included in the server \
                configuration (no LoadModule \(module) before this line: \(file) is not loaded)
                """,
                at: at)
        }
    }

    mutating func directive(_ d: ConfigDirective, in enclosing: [String]) throws -> ApacheReplacement {
        try check(d.key, display: d.name, at: d.at, in: enclosing, argCount: d.args.count)
        switch d.key {
        case "define":
            if let name = d.args.first { defines[name] = d.args.count > 1 ? d.args[1] : "" }
        case "undefine":
            if let name = d.args.first { defines[name] = nil }
            return .directives([])
        case "serverroot":
            if let root = d.args.first { serverRoot = ConfigFile.normalize(root) }
        case "loadmodule":
            sawLoadModule = true
            if d.args.count >= 2 {
                modules.insert(d.args[0])
                let file = d.args[1].split(separator: "/").last.map(String.init) ?? ""
                if file.hasSuffix(".so") { modules.insert(String(file.dropLast(3)) + ".c") }
            }
        case "include", "includeoptional":
            return .directives(try include(d, optional: d.key == "includeoptional"))
        case "sslcertificatefile", "sslcertificatekeyfile":
            // mod_ssl checks these when it reads them: httpd does not start without the file.
            if validates, let file = d.args.first, !file.contains("${") {
                let path = ConfigFile.resolve(file, against: serverRoot)
                if !ConfigFile.exists(path) {
                    throw ConfigError("\(d.name): file '\(path)' does not exist or is empty", at: d.at)
                }
            }
        case "use":
            return .lines(try use(d))
        case "undefmacro":
            if let name = d.args.first { macros[name.lowercased()] = nil }
            return .directives([])
        default:
            break
        }
        return .directives([d])
    }

    /// `Use NAME args…`: the macro's lines with each parameter replaced by its value (mod_macro),
    /// read next as if they were written here; they keep the macro body's file and line.
    func use(_ d: ConfigDirective) throws -> [ApacheLine] {
        guard let name = d.args.first else { throw ConfigError("no macro name specified in Use", at: d.at) }
        guard let macro = macros[name.lowercased()] else {
            throw ConfigError(macros.isEmpty ? "no macro defined before Use" : "macro '\(name)' undefined", at: d.at)
        }
        let values = Array(d.args.dropFirst())
        guard values.count == macro.parameters.count else {
            throw ConfigError(
                """
                macro '\(macro.name)' (defined on line \(macro.at.line) of \"\(macro.at.file)\") used with \
                \(values.count) arguments instead of \(macro.parameters.count)
                """,
                at: d.at)
        }
        // Longest names first, so `$dir` does not eat the start of `$dirname`.
        let pairs = zip(macro.parameters, values).sorted { $0.0.count > $1.0.count }
        return macro.body.map { line in
            var text = line.text
            for (parameter, value) in pairs where !parameter.isEmpty {
                text = text.replacingOccurrences(of: parameter, with: value)
            }
            return ApacheLine(text: text, at: line.at)
        }
    }

    mutating func include(_ d: ConfigDirective, optional: Bool) throws -> [ConfigDirective] {
        guard let target = d.args.first else { throw ConfigError("\(d.name) needs a path", at: d.at) }
        let path = ConfigFile.resolve(target, against: serverRoot)
        var files: [String] = []
        if ConfigFile.hasWildcard(path) {
            files = ConfigFile.glob(path)
            if files.isEmpty {
                if optional { return [] }
                throw ConfigError(
                    "Include \(target): no file matches the wildcard (Apache refuses to start; use IncludeOptional)",
                    at: d.at)
            }
        } else if ConfigFile.exists(path) {
            files = [path]
        } else {
            if optional { return [] }
            throw ConfigError("Include \(target): \(path) does not exist (Apache refuses to start)", at: d.at)
        }
        var out: [ConfigDirective] = []
        for file in files {
            if ConfigFile.isDirectory(file) {
                for child in Self.filesBelow(file, depth: 0) { out += try loadFile(child, from: d.at) }
            } else {
                out += try loadFile(file, from: d.at)
            }
        }
        return out
    }

    /// An included directory means every file in it and in its subdirectories, in name order.
    static func filesBelow(_ dir: String, depth: Int) -> [String] {
        guard depth < 16 else { return [] }
        return ConfigFile.list(dir).flatMap { entry -> [String] in
            let path = dir + "/" + entry
            return ConfigFile.isDirectory(path) ? filesBelow(path, depth: depth + 1) : [path]
        }
    }

    mutating func holds(_ d: ConfigDirective) throws -> Bool {
        if d.key == "ifversion" {
            sawIfVersion = true
            do { return try version.satisfies(d.args) } catch let error as ConfigError {
                throw ConfigError(error.message, at: d.at)
            }
        }
        guard var arg = d.args.first else { throw ConfigError("<\(d.name)> requires an argument", at: d.at) }
        var negate = false
        if arg.hasPrefix("!") {
            negate = true
            arg.removeFirst()
        }
        let holds: Bool
        switch d.key {
        case "ifmodule": holds = modules.contains(arg)
        case "ifdefine": holds = defines[arg] != nil
        case "iffile": holds = ConfigFile.exists(ConfigFile.resolve(arg, against: serverRoot))
        default: return true  // IfDirective / IfSection: assume the running httpd has them
        }
        return holds != negate
    }

    /// `${NAME}` from Define, then from envvars; an undefined one stays as written (and is noted once).
    mutating func substituteVariables(_ arg: String, at: ConfigLocation) -> String {
        guard arg.contains("${") else { return arg }
        var result = ""
        var rest = Substring(arg)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: "}") else {
                result += rest[start.lowerBound...]
                rest = ""
                break
            }
            let name = String(after[..<end])
            if let value = defines[name] ?? environment[name] {
                result += value
            } else {
                result += "${\(name)}"
                if undefinedReported.insert(name).inserted {
                    notes.append(
                        """
                        ${\(name)} is not defined (\(at)); Apache refuses to start with an undefined variable \
                        unless the environment sets it
                        """
                    )
                }
            }
            rest = after[after.index(after: end)...]
        }
        return result + rest
    }
}
