import Evidence
import Foundation

/// An Apache configuration with `Include`s spliced in, `Define`d variables substituted and
/// `<IfModule>`/`<IfDefine>`/`<IfFile>` sections resolved the way httpd would at start-up.
public struct ApacheConfig: Sendable {
    public var mainFile: String
    public var serverRoot: String
    public var directives: [ConfigDirective]
    public var filesRead: [String]
    public var defines: [String: String]
    public var modules: Set<String>
    /// What could not be resolved (undefined variables, includes with no match).
    public var notes: [String]
}

/// Reads `apache2.conf`/`httpd.conf` and everything it includes.
///
/// Relative paths resolve against `ServerRoot` (the directory of the main file until a `ServerRoot`
/// line says otherwise). Debian keeps `User ${APACHE_RUN_USER}` in apache2.conf and the value in
/// `envvars` beside it (`export APACHE_RUN_USER=www-data`); those exports are read as variables.
public struct ApacheConfigLoader: IncludingConfigLoader {
    /// Modules Debian's apache2 has compiled in (`apache2 -l`); everything else comes from LoadModule.
    static let builtInModules: Set<String> = [
        "core.c", "mod_so.c", "mod_watchdog.c", "http_core.c", "mod_log_config.c", "mod_logio.c", "mod_version.c", "mod_unixd.c",
        "core_module", "so_module", "watchdog_module", "http_module", "log_config_module", "logio_module", "version_module", "unixd_module",
    ]
    /// Apache refuses deeper nesting too (AP_MAX_INCLUDE_DEPTH).
    static let maxDepth = 64
    static func parse(_ text: String, file: String) throws -> [ConfigDirective] { try ApacheConfigParser.parse(text, file: file) }

    var serverRoot: String
    var defines: [String: String] = [:]
    var environment: [String: String] = [:]
    var modules = builtInModules
    var filesRead: [String] = []
    var notes: [String] = []
    var undefinedReported: Set<String> = []
    var includeStack: [String] = []

    public static func load(_ path: String) throws -> ApacheConfig {
        let main = ConfigFile.normalize(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        var loader = ApacheConfigLoader(serverRoot: ConfigFile.directoryName(main))
        loader.environment = readEnvvars(ConfigFile.directoryName(main) + "/envvars")
        let directives = try loader.loadFile(main, from: nil)
        return ApacheConfig(
            mainFile: main, serverRoot: loader.serverRoot, directives: directives, filesRead: loader.filesRead,
            defines: loader.defines, modules: loader.modules, notes: loader.notes)
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
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f { value = String(value.dropFirst().dropLast()) }
            for (k, v) in vars { value = value.replacingOccurrences(of: "${\(k)}", with: v).replacingOccurrences(of: "$\(k)", with: v) }
            value = value.replacingOccurrences(of: "${SUFFIX}", with: "").replacingOccurrences(of: "$SUFFIX", with: "")
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            vars[name] = value
        }
        return vars
    }

    mutating func expand(_ directives: [ConfigDirective]) throws -> [ConfigDirective] {
        var out: [ConfigDirective] = []
        for var d in directives {
            d.args = d.args.map { substitute($0, at: d.at) }
            switch d.key {
            case "define":
                if let name = d.args.first { defines[name] = d.args.count > 1 ? d.args[1] : "" }
                out.append(d)
            case "undefine":
                if let name = d.args.first { defines[name] = nil }
            case "serverroot":
                if let root = d.args.first { serverRoot = ConfigFile.normalize(root) }
                out.append(d)
            case "loadmodule":
                if d.args.count >= 2 {
                    modules.insert(d.args[0])
                    let file = d.args[1].split(separator: "/").last.map(String.init) ?? ""
                    if file.hasSuffix(".so") { modules.insert(String(file.dropLast(3)) + ".c") }
                }
                out.append(d)
            case "include", "includeoptional":
                out += try include(d, optional: d.key == "includeoptional")
            case "ifmodule", "ifdefine", "iffile", "ifversion", "ifdirective", "ifsection":
                if condition(d) { out += try expand(d.children ?? []) }
            default:
                if let children = d.children { d.children = try expand(children) }
                out.append(d)
            }
        }
        return out
    }

    mutating func include(_ d: ConfigDirective, optional: Bool) throws -> [ConfigDirective] {
        guard let target = d.args.first else { throw ConfigError("\(d.name) needs a path", at: d.at) }
        let path = ConfigFile.resolve(target, against: serverRoot)
        var files: [String] = []
        if ConfigFile.hasWildcard(path) {
            files = ConfigFile.glob(path)
            if files.isEmpty {
                if optional { return [] }
                throw ConfigError("Include \(target): no file matches the wildcard (Apache refuses to start; use IncludeOptional)", at: d.at)
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

    func condition(_ d: ConfigDirective) -> Bool {
        guard var arg = d.args.first else { return true }
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
        default: return true  // IfVersion / IfDirective / IfSection: assume the running httpd satisfies them
        }
        return holds != negate
    }

    /// `${NAME}` from Define, then from envvars; an undefined one stays as written (and is noted once).
    mutating func substitute(_ arg: String, at: ConfigLocation) -> String {
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
                    notes.append("${\(name)} is not defined (\(at)); Apache refuses to start with an undefined variable unless the environment sets it")
                }
            }
            rest = after[after.index(after: end)...]
        }
        return result + rest
    }
}
