// NginxServer: a real nginx on 127.0.0.1:PORT from a standalone config in a temp dir (the prefix).
//
// Layout of `root`: nginx.conf, htdocs/ (root), logs/{access,error}.log, nginx.pid, tmp/* (temp paths).
// The test supplies the BODY placed inside `server { listen 127.0.0.1:PORT; root htdocs; ... }`
// (typically `location` blocks) and optionally `httpExtra` placed inside `http {}` before the server
// (upstreams, maps). Placeholders {{ROOT}}, {{DOCROOT}}, {{PORT}} are substituted.
// Run as `nginx -p ROOT/ -c ROOT/nginx.conf -e ROOT/logs/error.log` with `daemon on`.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct NginxOptions: Sendable {
    /// `error_log` level: debug, info, notice, warn, error (default), crit...
    public var errorLogLevel: String = "error"
    /// Inside `http {}`, before the server block.
    public var httpExtra: String = ""
    /// Seconds to wait for the port to accept connections.
    public var startTimeout: TimeInterval = 10

    public init(errorLogLevel: String = "error", httpExtra: String = "", startTimeout: TimeInterval = 10) {
        self.errorLogLevel = errorLogLevel
        self.httpExtra = httpExtra
        self.startTimeout = startTimeout
    }
}

public final class NginxServer: RealServer, @unchecked Sendable {
    public let binary: String
    public let directory: TempDirectory
    public let configBody: String
    public let files: [ServerFile]
    public let options: NginxOptions

    public var root: String { directory.path }
    public var docroot: String { directory.path("htdocs") }
    public var configPath: String { directory.path("nginx.conf") }
    public var accessLogPath: String { directory.path("logs/access.log") }
    public var errorLogPath: String { directory.path("logs/error.log") }
    public var pidFilePath: String { directory.path("nginx.pid") }

    private let lock = NSLock()
    private var _port: UInt16 = 0
    private var started = false
    private var stopped = false
    public var port: UInt16 { lock.withLock { _port } }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// PID of the nginx master once started.
    public var pid: pid_t? { ServerProcess.readPid(pidFilePath) }

    public init(config body: String, files: [ServerFile] = [], options: NginxOptions = NginxOptions()) throws {
        guard let binary = RealServers.nginxPath else {
            throw RealServerError.unavailable("nginx not installed; \(RealServers.installHint)")
        }
        self.binary = binary
        self.configBody = body
        self.files = files
        self.options = options
        self.directory = try TempDirectory(prefix: "why401-nginx")
    }

    private var arguments: [String] { ["-p", root + "/", "-c", configPath, "-e", errorLogPath] }

    /// Writes config and files, starts nginx on a free port and waits until it accepts connections.
    /// Retries once on a new port if the port was taken in the meantime.
    public func start() async throws {
        ServerProcess.becomeSubreaper
        for attempt in 1...2 {
            let port = try FreePort.find()
            lock.withLock { _port = port }
            try prepare(port: port)
            let r = try await ProcessRunner.runAsync(binary, arguments, timeout: 30)
            if r.status != 0 {
                let log = ServerProcess.tail(errorLogPath)
                if attempt == 1, (r.stderr + log).contains("Address already in use") { continue }
                throw RealServerError.startFailed(
                    server: "nginx",
                    detail: "\(binary) \(arguments.joined(separator: " ")): \(r)\n--- error.log tail ---\n\(log)")
            }
            lock.withLock {
                started = true
                stopped = false
            }
            let ready = await waitFor(timeout: options.startTimeout) {
                if let pid = self.pid, !ServerProcess.isAlive(pid) { return true }
                return self.pid != nil && Loopback.isListening(port: port)
            }
            if ready, let pid = self.pid, ServerProcess.isAlive(pid), Loopback.isListening(port: port) { return }
            let log = ServerProcess.tail(errorLogPath)
            stop()
            throw RealServerError.startFailed(
                server: "nginx",
                detail:
                    """
                    not accepting connections on 127.0.0.1:\(port) after \(options.startTimeout) s (pid \
                    \(pid.map(String.init) ?? "none"))\noutput: \(r)\n--- error.log tail (\(errorLogPath)) \
                    ---\n\(log)
                    """
            )
        }
        throw RealServerError.startFailed(server: "nginx", detail: "port taken twice")
    }

    private func prepare(port: UInt16) throws {
        for d in ["htdocs", "logs", "tmp"] { try directory.makeDirectory(d) }
        try place(files, in: directory, port: port)
        try directory.write("nginx.conf", renderConfig(port: port))
    }

    /// The complete nginx.conf for `port`.
    public func renderConfig(port: UInt16) -> String {
        let userLine = workerAccount().map { "user \($0.user) \($0.group);" } ?? ""
        let body = substitute(configBody, root: root, docroot: docroot, port: port)
        let extra = substitute(options.httpExtra, root: root, docroot: docroot, port: port)
        let mime =
            FileManager.default.fileExists(atPath: "/etc/nginx/mime.types")
            ? "include /etc/nginx/mime.types;" : "types { text/html html; text/plain txt; }"
        return """
            # Generated by TestSupport.NginxServer
            daemon on;
            master_process on;
            worker_processes 1;
            \(userLine)
            pid \(root)/nginx.pid;
            error_log \(root)/logs/error.log \(options.errorLogLevel);
            events { worker_connections 128; }
            http {
                \(mime)
                default_type application/octet-stream;
                access_log \(root)/logs/access.log combined;
                client_body_temp_path \(root)/tmp/client_body;
                proxy_temp_path \(root)/tmp/proxy;
                fastcgi_temp_path \(root)/tmp/fastcgi;
                uwsgi_temp_path \(root)/tmp/uwsgi;
                scgi_temp_path \(root)/tmp/scgi;
                keepalive_timeout 2;
            \(extra)
                server {
                    listen 127.0.0.1:\(port);
                    server_name localhost;
                    root \(docroot);
                    # ---- test body ----
            \(body)
                }
            }

            """
    }

    /// Sends SIGTERM to the master and waits until it is gone and the port closed. Idempotent.
    public func stop() {
        let (wasStarted, port) = lock.withLock { () -> (Bool, UInt16) in
            defer { stopped = true }
            return (started && !stopped, _port)
        }
        guard wasStarted else { return }
        let pid = self.pid
        if let pid { kill(pid, SIGTERM) }
        ServerProcess.waitForExit(pid: pid, port: port)
    }

    /// Stops the server and removes its directory.
    public func stopAndRemove() {
        stop()
        directory.remove()
    }

    deinit { stop() }
}

/// Starts nginx with `config` (server-block body) and `files`, runs `body`, and always stops it.
public func withNginx<T>(
    config: String,
    files: [ServerFile] = [],
    options: NginxOptions = NginxOptions(),
    _ body: (NginxServer) async throws -> T
) async throws -> T {
    let server = try NginxServer(config: config, files: files, options: options)
    defer { server.stopAndRemove() }
    try await server.start()
    return try await body(server)
}
