import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// `why401 exporter --config FILE`: the probe modules Prometheus names in `/probe?module=NAME`.
///
/// ```yaml
/// modules:
///   api_alice:
///     user: alice
///     password_file: /etc/why401/alice.password   # or password_env: VAR
///     targets: [https://api.example.com]          # where these credentials may be sent
///     digest: false
///     timeout: 10s
/// ```
///
/// A secret is never written in the config itself (nor in a target URL): passwords, tokens and
/// credential-bearing headers come from a file (read at every probe, so a rotated token is picked
/// up) or an environment variable. A module with credentials names the origins it may send them to.
public struct ExporterConfig: Sendable {
    /// Modules by name.
    public var modules: [String: ProbeModule]
    /// The file the config was read from.
    public var path: String

    /// Reads and checks `path`. Throws `ConfigError` ("FILE:LINE: what is wrong") for anything that
    /// would fail later: YAML syntax, an unknown key, a wrong type, a literal secret, a secret file that
    /// cannot be read, an environment variable that is not set.
    public static func load(path: String, environment: [String: String]) throws -> ExporterConfig {
        guard let text = ConfigFile.read(path) else {
            throw ConfigError(path: path, line: nil, "cannot read the file (\(String(cString: strerror(errno))))")
        }
        return try parse(text, path: path, environment: environment)
    }

    /// Parses config text; `path` names it in errors and anchors relative secret files.
    public static func parse(_ text: String, path: String, environment: [String: String]) throws -> ExporterConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(path: path, yaml: error)
        } catch {
            throw ConfigError(path: path, line: nil, "not YAML")
        }
        let reader = NodeReader(path: path)
        guard let root else { throw ConfigError(path: path, line: 1, "the file is empty; it needs `modules:`") }
        let top = try reader.mapping(root, what: "the config")
        try reader.onlyKeys(top, ["modules"], in: "the config")
        guard let modulesNode = top.first(where: { $0.key == "modules" })?.value else {
            throw ConfigError(path: path, line: root.mark?.line, "the config needs `modules:` with at least one module")
        }
        let entries = try reader.mapping(modulesNode, what: "modules")
        if entries.isEmpty { throw ConfigError(path: path, line: modulesNode.mark?.line, "`modules:` is empty") }
        var modules: [String: ProbeModule] = [:]
        for (name, node, line) in entries {
            guard ProbeModule.isValidName(name) else {
                throw ConfigError(
                    path: path, line: line, "module name \"\(name)\": use letters, digits, '_', '-' and '.' only")
            }
            modules[name] = try ProbeModule.parse(
                name: name, node: node, reader: reader, environment: environment,
                directory: ConfigFile.directory(of: path))
        }
        return ExporterConfig(modules: modules, path: path)
    }
}

/// A config the exporter refuses: one line naming the file and, when known, the line.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    /// YAML syntax errors, without the snippet of the offending line (it could hold a secret).
    init(path: String, yaml error: YamlError) {
        self.path = path
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            line = mark.line
            message = "YAML: " + [context?.text, problem].compactMap { $0 }.joined(separator: " ")
        case .duplicatedKeysInMapping(let duplicates, let context):
            line = context.mark.line
            message = "duplicate key \(duplicates.joined(separator: ", "))"
        default:
            line = nil
            message = "YAML: cannot read the file"
        }
    }

    public var description: String {
        (line.map { "\(path):\($0)" } ?? path) + ": " + message
    }
}

/// Typed access to YAML nodes with file:line errors.
struct NodeReader {
    let path: String

    func fail(_ node: Node, _ message: String) -> ConfigError {
        ConfigError(path: path, line: node.mark?.line, message)
    }

    /// A mapping's entries in file order: (key, value, key's line).
    func mapping(_ node: Node, what: String) throws -> [(key: String, value: Node, line: Int?)] {
        guard case .mapping(let mapping) = node else { throw fail(node, "\(what) must be a mapping (key: value)") }
        return try mapping.map { key, value in
            guard case .scalar(let scalar) = key else { throw fail(key, "\(what): keys must be plain words") }
            return (scalar.string, value, key.mark?.line)
        }
    }

    func onlyKeys(_ entries: [(key: String, value: Node, line: Int?)], _ allowed: [String], in what: String) throws {
        for entry in entries where !allowed.contains(entry.key) {
            throw ConfigError(
                path: path, line: entry.line,
                "unknown key \"\(entry.key)\" in \(what) (known: \(allowed.joined(separator: ", ")))")
        }
    }

    func string(_ node: Node, key: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw fail(node, "\(key) must be a single value") }
        return scalar.string
    }

    func bool(_ node: Node, key: String) throws -> Bool {
        switch try string(node, key: key).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(node, "\(key) must be true or false")
        }
    }

    func integer(_ node: Node, key: String, range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(try string(node, key: key)), range.contains(value) else {
            throw fail(node, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `500ms`, `10s`, `2m`, or a number of seconds; within `range` seconds.
    func duration(_ node: Node, key: String, range: ClosedRange<Double>) throws -> Double {
        let text = try string(node, key: key).trimmingCharacters(in: " ")
        guard let seconds = ConfigDuration.seconds(text), range.contains(seconds) else {
            throw fail(
                node,
                "\(key) must be a duration like 10s, 500ms or 2m, from \(ConfigDuration.format(range.lowerBound)) "
                    + "to \(ConfigDuration.format(range.upperBound))")
        }
        return seconds
    }

    func strings(_ node: Node, key: String) throws -> [(String, Node)] {
        switch node {
        case .sequence(let sequence): return try sequence.map { (try string($0, key: key), $0) }
        case .scalar: return [(try string(node, key: key), node)]
        default: throw fail(node, "\(key) must be a list")
        }
    }
}

/// Prometheus-style durations.
enum ConfigDuration {
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "5m" must not be read as "5" + "m" of "ms": the longer suffix is tried first.
            guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
            return value * factor
        }
        guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
        return value
    }

    static func format(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : "\(Int(seconds))s"
    }
}

/// The file system as the config needs it.
enum ConfigFile {
    /// The whole file as UTF-8 text, or nil (errno set) when it cannot be read.
    static func read(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            errno = EISDIR
            return nil
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= limit {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        if bytes.count > limit {
            errno = EFBIG
            return nil
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
