// ApacheServer: a real Apache httpd (prefork) on 127.0.0.1:PORT from a standalone config in a temp dir.
//
// Layout of `root`: httpd.conf, htdocs/ (DocumentRoot), logs/{access,error}.log, run/ (pid, mutexes).
// The test supplies only the auth-relevant BODY (<Directory>/<Location> blocks...), appended after
// the generated preamble, so it can override any default. Placeholders {{ROOT}}, {{DOCROOT}},
// {{PORT}} are substituted in the body and in text files.
//
// Defaults in the preamble: `<Directory />` denies all with AllowOverride None; DocumentRoot is
// `Require all granted`, AllowOverride None, Options None. As root, workers run as www-data: every
// directory this harness creates is 0755 and files 0644 so they can read them.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct ApacheOptions: Sendable {
    /// `LogLevel` (e.g. "warn", "info", "debug", "auth_basic:debug warn"...).
    public var logLevel: String = "warn"
    /// Module names beyond the defaults (e.g. "authz_groupfile", "socache_shmcb"); "name" loads mod_name.so.
    public var extraModules: [String] = []
    /// Directives placed after the LoadModule lines and before the defaults (e.g. `Timeout 5`).
    public var preamble: String = ""
    /// Seconds to wait for the port to accept connections.
    public var startTimeout: TimeInterval = 10

    public init(
        logLevel: String = "warn", extraModules: [String] = [], preamble: String = "", startTimeout: TimeInterval = 10
    ) {
        self.logLevel = logLevel
        self.extraModules = extraModules
        self.preamble = preamble
        self.startTimeout = startTimeout
    }

    /// Loaded unless compiled in (`apache2 -l`).
    public static let defaultModules = [
        "mpm_prefork", "authn_core", "authn_file", "auth_basic", "auth_digest", "authz_core", "authz_user",
        "authz_host", "mime", "dir", "cgi", "alias", "rewrite", "setenvif", "headers", "proxy", "proxy_http",
        "env", "log_config", "unixd",
    ]
}

public final class ApacheServer: RealServer, @unchecked Sendable {
    public let binary: String
    public let directory: TempDirectory
    public let configBody: String
    public let files: [ServerFile]
    public let options: ApacheOptions

    public var root: String { directory.path }
    public var docroot: String { directory.path("htdocs") }
    public var configPath: String { directory.path("httpd.conf") }
    public var accessLogPath: String { directory.path("logs/access.log") }
    public var errorLogPath: String { directory.path("logs/error.log") }
    public var pidFilePath: String { directory.path("run/httpd.pid") }

    private let lock = NSLock()
    private var _port: UInt16 = 0
    private var started = false
    private var stopped = false
    public var port: UInt16 { lock.withLock { _port } }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// PID of the Apache parent (from the pid file) once started.
    public var pid: pid_t? { ServerProcess.readPid(pidFilePath) }

    /// Prepares the directory (no files are written until `start()`).
    public init(config body: String, files: [ServerFile] = [], options: ApacheOptions = ApacheOptions()) throws {
        guard let binary = RealServers.apachePath else {
            throw RealServerError.unavailable("apache2 not installed; \(RealServers.installHint)")
        }
        self.binary = binary
        self.configBody = body
        self.files = files
        self.options = options
        self.directory = try TempDirectory(prefix: "why401-apache")
    }

    /// Writes config and files, starts Apache on a free port and waits until it accepts connections.
    /// Retries once on a new port if the port was taken in the meantime.
    public func start() async throws {
        ServerProcess.becomeSubreaper
        for attempt in 1...2 {
            let port = try FreePort.find()
            lock.withLock { _port = port }
            try prepare(port: port)
            let r = try await ProcessRunner.runAsync(binary, ["-f", configPath, "-k", "start"], timeout: 30)
            if r.status != 0 {
                let log = ServerProcess.tail(errorLogPath)
                if attempt == 1, (r.stderr + log).contains("Address already in use") { continue }
                throw RealServerError.startFailed(
                    server: "apache2",
                    detail: "\(binary) -f \(configPath) -k start: \(r)\n--- error.log tail ---\n\(log)")
            }
            lock.withLock {
                started = true
                stopped = false
            }
            let ready = await waitFor(timeout: options.startTimeout) {
                if let pid = self.pid, !ServerProcess.isAlive(pid) { return true }  // died: stop waiting
                return self.pid != nil && Loopback.isListening(port: port)
            }
            if ready, let pid = self.pid, ServerProcess.isAlive(pid), Loopback.isListening(port: port) { return }
            let log = ServerProcess.tail(errorLogPath)
            stop()
            if attempt == 1, log.contains("Address already in use") { continue }
            throw RealServerError.startFailed(
                server: "apache2",
                detail:
                    """
                    not accepting connections on 127.0.0.1:\(port) after \(options.startTimeout) s (pid \
                    \(pid.map(String.init) ?? "none"))\nstdout/stderr of -k start: \(r)\n--- error.log tail \
                    (\(errorLogPath)) ---\n\(log)
                    """
            )
        }
        throw RealServerError.startFailed(server: "apache2", detail: "port taken twice")
    }

    private func prepare(port: UInt16) throws {
        for d in ["htdocs", "logs", "run"] { try directory.makeDirectory(d) }
        try place(files, in: directory, port: port)
        try directory.write("httpd.conf", renderConfig(port: port))
    }

    /// The complete httpd.conf for `port`.
    public func renderConfig(port: UInt16) throws -> String {
        let builtIn = ApacheServer.compiledInModules(binary: binary)
        let modDir = RealServers.apacheModulesDirectory
        var loads: [String] = []
        for name in ApacheOptions.defaultModules + options.extraModules where !builtIn.contains("mod_\(name).c") {
            let file = "\(modDir)/mod_\(name).so"
            guard FileManager.default.fileExists(atPath: file) else {
                if ApacheOptions.defaultModules.contains(name) { continue }  // e.g. unixd: built in elsewhere
                throw RealServerError.startFailed(server: "apache2", detail: "module file \(file) does not exist")
            }
            loads.append("LoadModule \(name)_module \(file)")
        }
        var userLines = ""
        if let account = workerAccount() {
            userLines = "User \(account.user)\nGroup \(account.group)"
        }
        let body = substitute(configBody, root: root, docroot: docroot, port: port)
        let pre = substitute(options.preamble, root: root, docroot: docroot, port: port)
        return """
            # Generated by TestSupport.ApacheServer
            ServerRoot "\(root)"
            ServerName 127.0.0.1
            Listen 127.0.0.1:\(port)
            PidFile "\(root)/run/httpd.pid"
            DefaultRuntimeDir "\(root)/run"
            Mutex file:\(root)/run default
            ErrorLog "\(root)/logs/error.log"
            LogLevel \(options.logLevel)
            \(loads.joined(separator: "\n"))
            \(userLines)
            StartServers 2
            MinSpareServers 1
            MaxSpareServers 4
            MaxRequestWorkers 16
            KeepAliveTimeout 2
            Timeout 30
            TypesConfig /etc/mime.types
            LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined
            CustomLog "\(root)/logs/access.log" combined
            DocumentRoot "\(docroot)"
            DirectoryIndex index.html
            <Directory />
                AllowOverride None
                Require all denied
            </Directory>
            <Directory "\(docroot)">
                Options None
                AllowOverride None
                Require all granted
            </Directory>
            \(pre)
            # ---- test body ----
            \(body)

            """
    }

    /// Stops Apache (`-k stop`) and waits until the parent is gone and the port closed. Idempotent.
    public func stop() {
        let (wasStarted, port) = lock.withLock { () -> (Bool, UInt16) in
            defer { stopped = true }
            return (started && !stopped, _port)
        }
        guard wasStarted else { return }
        let pid = self.pid
        _ = try? ProcessRunner.run(binary, ["-f", configPath, "-k", "stop"], timeout: 15)
        if let pid, ServerProcess.isAlive(pid) { kill(pid, SIGTERM) }
        ServerProcess.waitForExit(pid: pid, port: port)
    }

    /// Stops the server and removes its directory.
    public func stopAndRemove() {
        stop()
        directory.remove()
    }

    deinit { stop() }

    nonisolated(unsafe) private static var builtInCache: [String: Set<String>] = [:]
    private static let cacheLock = NSLock()

    /// Modules compiled into the binary (`apache2 -l`), e.g. "mod_log_config.c".
    public static func compiledInModules(binary: String) -> Set<String> {
        if let cached = cacheLock.withLock({ builtInCache[binary] }) { return cached }
        let r = try? ProcessRunner.run(binary, ["-l"], timeout: 15)
        let set = Set(
            (r?.stdout ?? "").split(whereSeparator: \.isWhitespace).map(String.init).filter { $0.hasSuffix(".c") })
        cacheLock.withLock { builtInCache[binary] = set }
        return set
    }
}

/// Starts Apache with `config` and `files`, runs `body`, and always stops it (and removes its dir).
public func withApache<T>(
    config: String,
    files: [ServerFile] = [],
    options: ApacheOptions = ApacheOptions(),
    _ body: (ApacheServer) async throws -> T
) async throws -> T {
    let server = try ApacheServer(config: config, files: files, options: options)
    defer { server.stopAndRemove() }
    try await server.start()
    return try await body(server)
}
