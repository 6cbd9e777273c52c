// Shared pieces of the real-server harness: the RealServer protocol, files to place, errors,
// availability checks (skip locally, fail under CI), and process/port waiting.
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real Apache httpd or nginx running on 127.0.0.1 from a config in its own temp directory.
public protocol RealServer: AnyObject, Sendable {
    /// The server's private directory (Apache ServerRoot / nginx prefix). `{{ROOT}}` in configs.
    var root: String { get }
    /// `root/htdocs`, the document root. `{{DOCROOT}}` in configs.
    var docroot: String { get }
    /// The loopback port it listens on (valid after `start()`). `{{PORT}}` in configs.
    var port: UInt16 { get }
    /// `http://127.0.0.1:PORT` (no trailing slash).
    var baseURL: String { get }
    var configPath: String { get }
    var accessLogPath: String { get }
    var errorLogPath: String { get }
    func start() async throws
    /// Stops the server and waits until its master process is gone and the port is closed. Idempotent.
    func stop()
}

extension RealServer {
    /// `baseURL + path`; `path` should start with "/".
    public func url(_ path: String) -> String { baseURL + path }
    public func readAccessLog() -> String { (try? String(contentsOfFile: accessLogPath, encoding: .utf8)) ?? "" }
    public func readErrorLog() -> String { (try? String(contentsOfFile: errorLogPath, encoding: .utf8)) ?? "" }
    /// Access-log lines, without empty ones.
    public func accessLogLines() -> [String] { readAccessLog().split(separator: "\n").map(String.init) }
    public func errorLogLines() -> [String] { readErrorLog().split(separator: "\n").map(String.init) }
    public var isListening: Bool { Loopback.isListening(port: port) }

    /// Logs are written by the server asynchronously with the response (Apache writes the access log
    /// line after sending the response). Waits up to `timeout` seconds for `needle` to appear.
    public func waitForAccessLog(containing needle: String, timeout: TimeInterval = 3) async -> Bool {
        await waitFor(timeout: timeout) { self.readAccessLog().contains(needle) }
    }

    public func waitForErrorLog(containing needle: String, timeout: TimeInterval = 3) async -> Bool {
        await waitFor(timeout: timeout) { self.readErrorLog().contains(needle) }
    }
}

/// A file (or directory) to create in the server's directory before it starts.
///
/// Paths are relative to the server root (`htdocs/...` for the document root). Text contents have
/// `{{ROOT}}`, `{{DOCROOT}}` and `{{PORT}}` replaced, like the config.
public struct ServerFile: Sendable {
    public enum Content: Sendable {
        case text(String)
        case data(Data)
        case directory
        /// Users made with the real `htpasswd -b` (file created with `-c` for the first one).
        case htpasswd([(user: String, password: String, format: Htpasswd.Format)])
        /// `user:realm:md5(user:realm:password)` lines, as `htdigest` would write them.
        case htdigest([(user: String, realm: String, password: String)])
    }

    public var path: String
    public var content: Content
    /// Permission bits; nil = 0644 for files, 0755 for directories.
    public var mode: Int?

    public init(_ path: String, _ content: Content, mode: Int? = nil) {
        self.path = path
        self.content = content
        self.mode = mode
    }

    public static func text(_ path: String, _ contents: String, mode: Int? = nil) -> ServerFile {
        ServerFile(path, .text(contents), mode: mode)
    }

    public static func data(_ path: String, _ contents: Data, mode: Int? = nil) -> ServerFile {
        ServerFile(path, .data(contents), mode: mode)
    }

    public static func directory(_ path: String, mode: Int? = nil) -> ServerFile {
        ServerFile(path, .directory, mode: mode)
    }

    /// An executable script (mode 0755), e.g. a CGI program in `htdocs/cgi-bin/`.
    public static func script(_ path: String, _ contents: String, mode: Int = 0o755) -> ServerFile {
        ServerFile(path, .text(contents), mode: mode)
    }

    public static func htpasswd(
        _ path: String, users: [(user: String, password: String, format: Htpasswd.Format)], mode: Int? = nil
    ) -> ServerFile {
        ServerFile(path, .htpasswd(users), mode: mode)
    }

    public static func htdigest(
        _ path: String, users: [(user: String, realm: String, password: String)], mode: Int? = nil
    ) -> ServerFile {
        ServerFile(path, .htdigest(users), mode: mode)
    }
}

public enum RealServerError: Error, CustomStringConvertible {
    case unavailable(String)
    case noFreePort
    case startFailed(server: String, detail: String)
    case toolFailed(String)

    public var description: String {
        switch self {
        case .unavailable(let message): message
        case .noFreePort: "could not find a free port on 127.0.0.1"
        case .startFailed(let server, let detail): "\(server) failed to start: \(detail)"
        case .toolFailed(let message): message
        }
    }
}

/// Availability of the real servers.
///
/// Call at the top of a test: `try RealServers.requireApache()`. When the binary is missing:
/// - with `CI=true` in the environment the call throws `RealServerError.unavailable` → the test FAILS;
/// - otherwise it prints "SKIPPED: …" and cancels the test with `Test.cancel`, which Swift Testing
///   reports as skipped (never silently passed).
public enum RealServers {
    public static let installHint = ".ci/run must install apache2 apache2-utils nginx"

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// `WHY401_APACHE_BIN` / `WHY401_NGINX_BIN` override the lookup (a path that does not exist makes
    /// the server "missing", which is how the skip/fail behaviour itself can be tried).
    public static var apachePath: String? {
        if let forced = ProcessInfo.processInfo.environment["WHY401_APACHE_BIN"] { return ProcessRunner.which(forced) }
        return ProcessRunner.which("apache2") ?? ProcessRunner.which("httpd")
    }
    public static var nginxPath: String? {
        if let forced = ProcessInfo.processInfo.environment["WHY401_NGINX_BIN"] { return ProcessRunner.which(forced) }
        return ProcessRunner.which("nginx")
    }
    public static var htpasswdPath: String? { ProcessRunner.which("htpasswd") }
    /// Directory of Apache's loadable modules.
    public static var apacheModulesDirectory: String {
        for dir in [
            "/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules",
            "/usr/libexec/apache2", "/usr/local/apache2/modules",
        ]
        where FileManager.default.fileExists(atPath: dir) { return dir }
        return "/usr/lib/apache2/modules"
    }

    public static var apacheAvailable: Bool { apachePath != nil && htpasswdPath != nil }
    public static var nginxAvailable: Bool { nginxPath != nil && htpasswdPath != nil }

    /// Apache httpd and htpasswd (apache2-utils) are needed.
    public static func requireApache(sourceLocation: SourceLocation = #_sourceLocation) throws {
        var missing: [String] = []
        if apachePath == nil { missing.append("apache2") }
        if htpasswdPath == nil { missing.append("htpasswd (apache2-utils)") }
        try require(missing: missing, sourceLocation: sourceLocation)
    }

    /// nginx and htpasswd (to make its user files) are needed.
    public static func requireNginx(sourceLocation: SourceLocation = #_sourceLocation) throws {
        var missing: [String] = []
        if nginxPath == nil { missing.append("nginx") }
        if htpasswdPath == nil { missing.append("htpasswd (apache2-utils)") }
        try require(missing: missing, sourceLocation: sourceLocation)
    }

    static func require(missing: [String], hint: String = installHint, sourceLocation: SourceLocation) throws {
        guard !missing.isEmpty else { return }
        let what = missing.joined(separator: ", ")
        let message = "\(what) not installed; \(hint)"
        if isCI {
            throw RealServerError.unavailable(message + " (CI=true: a missing server is a failure)")
        }
        print("SKIPPED: \(message)")
        if Test.current != nil {
            try Test.cancel("SKIPPED: \(message)", sourceLocation: sourceLocation)
        }
        throw RealServerError.unavailable("SKIPPED: \(message)")
    }
}

// MARK: - internals shared by ApacheServer and NginxServer

/// Polls `condition` every 20 ms (without blocking a thread) until it holds or `timeout` passes.
func waitFor(timeout: TimeInterval, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if condition() { return true }
        if Date() >= deadline { return false }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
}

enum ServerProcess {
    /// Makes this (test) process the "child subreaper" (Linux prctl PR_SET_CHILD_SUBREAPER), so a
    /// daemonized server master is re-parented to us rather than to PID 1 and we can reap it. On this
    /// VM PID 1 is not an init and was seen to leave orphaned masters as zombies for a while, during
    /// which `kill(pid, 0)` still succeeds. Only the server PIDs we know are ever waited for.
    static let becomeSubreaper: Void = {
        #if os(Linux)
            typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
            if let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") {
                _ = unsafeBitCast(p, to: Prctl.self)(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0)
            }
        #endif
    }()

    /// True while `pid` exists and is not a zombie. Reaps it when it is our (adopted) child; a zombie
    /// that is not ours (re-parented to a PID 1 that does not reap) counts as dead.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        var st: Int32 = 0
        if waitpid(pid, &st, WNOHANG) == pid { return false }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
            if state == "Z" || state == "X" { return false }
        }
        return true
    }

    static func readPid(_ file: String) -> pid_t? {
        guard let s = try? String(contentsOfFile: file, encoding: .utf8),
            let v = Int32(s.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return v
    }

    /// Blocks until the process is gone and the port closed; SIGKILL after `timeout`.
    static func waitForExit(pid: pid_t?, port: UInt16, timeout: TimeInterval = 10) {
        let gone = Loopback.poll(timeout: timeout) {
            !(pid.map(isAlive) ?? false) && !Loopback.isListening(port: port)
        }
        if !gone, let pid, isAlive(pid) {
            kill(pid, SIGKILL)
            _ = Loopback.poll(timeout: 3) { !isAlive(pid) && !Loopback.isListening(port: port) }
        }
    }

    static func tail(_ path: String, lines: Int = 30) -> String {
        guard let s = try? String(contentsOfFile: path, encoding: .utf8) else { return "(no \(path))" }
        let all = s.split(separator: "\n", omittingEmptySubsequences: false)
        return all.suffix(lines).joined(separator: "\n")
    }
}

/// Replaces `{{ROOT}}`, `{{DOCROOT}}`, `{{PORT}}` in `text`.
func substitute(_ text: String, root: String, docroot: String, port: UInt16) -> String {
    text.replacingOccurrences(of: "{{ROOT}}", with: root)
        .replacingOccurrences(of: "{{DOCROOT}}", with: docroot)
        .replacingOccurrences(of: "{{PORT}}", with: String(port))
}

/// Writes `files` under `dir`, making parent directories 0755 so a www-data worker can traverse.
func place(_ files: [ServerFile], in dir: TempDirectory, port: UInt16) throws {
    let docroot = dir.path("htdocs")
    for file in files {
        switch file.content {
        case .directory:
            try dir.makeDirectory(file.path, mode: file.mode ?? 0o755)
        case .text(let s):
            try dir.write(
                file.path, substitute(s, root: dir.path, docroot: docroot, port: port), mode: file.mode ?? 0o644)
        case .data(let d):
            try dir.write(file.path, d, mode: file.mode ?? 0o644)
        case .htpasswd(let users):
            let full = dir.path(file.path)
            try dir.makeDirectory((file.path as NSString).deletingLastPathComponent)
            try? FileManager.default.removeItem(atPath: full)
            for u in users { try Htpasswd.create(file: full, user: u.user, password: u.password, format: u.format) }
            try FileManager.default.setAttributes([.posixPermissions: file.mode ?? 0o644], ofItemAtPath: full)
        case .htdigest(let users):
            let lines = try users.map {
                try Htdigest.line(user: $0.user, realm: $0.realm, password: $0.password) + "\n"
            }
            try dir.write(file.path, lines.joined(), mode: file.mode ?? 0o644)
        }
    }
}

/// The unprivileged account workers switch to when we run as root (nil when not root).
func workerAccount() -> (user: String, group: String)? {
    guard geteuid() == 0 else { return nil }
    for candidate in ["www-data", "nobody"] {
        guard let pw = getpwnam(candidate) else { continue }
        let group = getgrgid(pw.pointee.pw_gid).map { String(cString: $0.pointee.gr_name) } ?? candidate
        return (candidate, group)
    }
    return nil
}
