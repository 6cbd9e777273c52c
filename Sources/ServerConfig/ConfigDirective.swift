import Evidence
import HostAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One directive of an Apache or nginx configuration, with where it was written. A section
/// (`<Directory …>`, `location … { }`) has `children`; a plain directive has nil.
public struct ConfigDirective: Sendable, Hashable {
    public var name: String
    public var args: [String]
    public var at: ConfigLocation
    public var children: [ConfigDirective]?

    public init(name: String, args: [String], at: ConfigLocation, children: [ConfigDirective]? = nil) {
        self.name = name
        self.args = args
        self.at = at
        self.children = children
    }

    /// Directive names are case-insensitive in Apache; nginx's are lower case anyway.
    public var key: String { name.lowercased() }
    public var isSection: Bool { children != nil }
    /// `Name arg1 arg2` as a human would write it (quoted where needed).
    public var text: String {
        ([name] + args.map { $0.isEmpty || $0.contains(where: { $0 == " " || $0 == "\t" }) ? "\"\($0)\"" : $0 }).joined(
            separator: " ")
    }
}

/// Why a configuration could not be read; the CLI prints `description` as its one-line error (exit 3).
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var at: ConfigLocation?
    public init(_ message: String, at: ConfigLocation? = nil) {
        self.message = message
        self.at = at
    }
    public var description: String { at.map { "\($0): \(message)" } ?? message }
}

/// Reads configuration files defensively: only regular files (a FIFO would block, a device never
/// end), bounded in size, and refusing binary content (a NUL byte) with a clear message.
enum ConfigFile {
    static let sizeLimit = 16 << 20

    static func read(_ path: String) throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw ConfigError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw ConfigError(
                "cannot read \(path): \((st.st_mode & S_IFMT) == S_IFDIR ? "is a directory" : "not a regular file")")
        }
        guard st.st_size <= sizeLimit else {
            throw ConfigError(
                """
                cannot read \(path): \(st.st_size) bytes, more than a configuration file can be \
                (\(sizeLimit >> 20) MiB)
                """
            )
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw ConfigError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConfigError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > sizeLimit { throw ConfigError("cannot read \(path): larger than \(sizeLimit >> 20) MiB") }
        }
        if let nul = bytes.firstIndex(of: 0) {
            let line = bytes[..<nul].reduce(1) { $1 == 10 ? $0 + 1 : $0 }
            throw ConfigError(
                "binary file (NUL byte), not a configuration file", at: ConfigLocation(file: path, line: line))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.read(fd, buffer, count)
        #else
            Darwin.read(fd, buffer, count)
        #endif
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Canonical path for loop detection (falls back to the path itself).
    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func hasWildcard(_ path: String) -> Bool { path.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    /// Paths matching a shell pattern, sorted (as Apache and nginx both sort them).
    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        #if canImport(Glibc)
            guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        #else
            guard Darwin.glob(pattern, 0, nil, &g) == 0 else { return [] }
        #endif
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out.sorted()
    }

    /// Entries of a directory, sorted, without `.`/`..`.
    static func list(_ dir: String) -> [String] { DirectoryListing.names(dir) ?? [] }

    /// `base/relative` unless `relative` is absolute; `.`/`..` are left for the kernel.
    static func resolve(_ relative: String, against base: String) -> String {
        if relative.hasPrefix("/") || base.isEmpty { return relative }
        return (base.hasSuffix("/") ? base : base + "/") + relative
    }

    static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// Removes `./`, duplicate and trailing slashes so paths compare as strings.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", !parts.isEmpty {
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// True when `path` is `dir` or lies below it.
    static func isInside(_ path: String, _ dir: String) -> Bool {
        let p = normalize(path)
        let d = normalize(dir)
        return p == d || p.hasPrefix(d == "/" ? "/" : d + "/")
    }
}

/// What Apache's and nginx's loaders share: reading a file named by the main file or an include,
/// with include loops and runaway nesting refused at the including line, and every file read listed.
protocol IncludingConfigLoader {
    /// Canonical paths of the files being expanded, outermost first: a file already on it is a loop.
    var includeStack: [String] { get set }
    var filesRead: [String] { get set }
    static var maxDepth: Int { get }
    /// One file's directives with its includes and variables resolved.
    mutating func read(_ text: String, file: String) throws -> [ConfigDirective]
}

extension IncludingConfigLoader {
    mutating func loadFile(_ path: String, from: ConfigLocation?) throws -> [ConfigDirective] {
        let canonical = ConfigFile.canonical(path)
        if includeStack.contains(canonical) {
            let chain = (includeStack.drop { $0 != canonical } + [canonical]).joined(separator: " → ")
            throw ConfigError("include loop: \(chain)", at: from)
        }
        guard includeStack.count < Self.maxDepth else {
            throw ConfigError("includes nested more than \(Self.maxDepth) deep", at: from)
        }
        let text: String
        do { text = try ConfigFile.read(path) } catch let error as ConfigError {
            // Say which line included the file that failed.
            if let from, error.at == nil { throw ConfigError(error.message + " (included)", at: from) }
            throw error
        }
        if !filesRead.contains(path) { filesRead.append(path) }
        includeStack.append(canonical)
        defer { includeStack.removeLast() }
        return try read(text, file: path)
    }
}
