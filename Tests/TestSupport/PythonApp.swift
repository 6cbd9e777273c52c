// Third-party application servers from PyPI (Django REST framework, FastAPI, Flask-HTTPAuth,
// aiohttp, mitmproxy, httpbin, the MCP SDK), started on an ephemeral loopback port from the
// virtual environment `.ci/run` builds, and stopped afterwards.
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum PythonEnvironment {
    /// The package root: this file is `<root>/Tests/TestSupport/PythonApp.swift`.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// `WHY401_VENV`, else `<package>/.venv` (what `.ci/run` creates).
    public static var venv: String {
        ProcessInfo.processInfo.environment["WHY401_VENV"] ?? packageRoot + "/.venv"
    }

    public static var python: String { venv + "/bin/python" }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var importable: [String: Bool] = [:]

    /// Whether `python -c 'import MODULE'` works in the venv (asked once per module).
    static func canImport(_ module: String) -> Bool {
        if let known = lock.withLock({ importable[module] }) { return known }
        let ok =
            FileManager.default.isExecutableFile(atPath: python)
            && ((try? ProcessRunner.run(python, ["-c", "import \(module)"], timeout: 60))?.succeeded ?? false)
        lock.withLock { importable[module] = ok }
        return ok
    }

    /// Like `RealServers.requireApache`: under `CI=true` a missing module fails the test, locally
    /// it is reported as skipped.
    public static func require(_ modules: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let missing = modules.filter { !canImport($0) }.map { "python module \($0) in \(venv)" }
        try RealServers.require(
            missing: missing,
            hint: ".ci/run creates the venv with the PyPI packages (python3 -m venv .venv; .venv/bin/pip install …)",
            sourceLocation: sourceLocation)
    }
}

/// One running Python application: `PORT` in its environment and as its last argument.
public final class PythonApp: @unchecked Sendable {
    public let port: UInt16
    public let directory: TempDirectory
    let pid: pid_t
    let logPath: String

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public func url(_ path: String) -> String { baseURL + path }
    /// What the application printed (stdout and stderr).
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Writes `files` (the app's sources) into a temp dir and runs `python ARGS… PORT` there.
    /// `arguments` may contain `{{PORT}}`; without it the port is appended.
    public static func start(
        files: [String: String], arguments: [String], environment: [String: String] = [:],
        readyTimeout: TimeInterval = 30
    ) async throws -> PythonApp {
        let dir = try TempDirectory(prefix: "why401-pyapp")
        for (name, text) in files { try dir.write(name, text) }
        let port = try FreePort.find()
        let args =
            arguments.contains { $0.contains("{{PORT}}") }
            ? arguments.map { $0.replacingOccurrences(of: "{{PORT}}", with: String(port)) } : arguments + [String(port)]
        let logPath = dir.path("app.log")
        var env = ProcessInfo.processInfo.environment
        env["PORT"] = String(port)
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for (k, v) in environment { env[k] = v }
        let pid = try spawn(PythonEnvironment.python, args, environment: env, directory: dir.path, log: logPath)
        let app = PythonApp(port: port, directory: dir, pid: pid, logPath: logPath)
        let deadline = Date().addingTimeInterval(readyTimeout)
        while !Loopback.isListening(port: port) {
            if !ServerProcess.isAlive(pid) || Date() >= deadline {
                let output = app.log
                app.stop()
                throw RealServerError.startFailed(
                    server: "python \(args.joined(separator: " "))",
                    detail: "did not listen on \(port):\n\(output.suffix(3000))")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return app
    }

    init(port: UInt16, directory: TempDirectory, pid: pid_t, logPath: String) {
        self.port = port
        self.directory = directory
        self.pid = pid
        self.logPath = logPath
    }

    /// SIGTERM to the app's process group (gunicorn/uvicorn workers included), SIGKILL if it lingers.
    public func stop() {
        kill(-pid, SIGTERM)
        kill(pid, SIGTERM)
        if !Loopback.poll(timeout: 5, { !ServerProcess.isAlive(self.pid) }) {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            _ = Loopback.poll(timeout: 3) { !ServerProcess.isAlive(self.pid) }
        }
        directory.remove()
    }

    static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String], directory: String, log: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let closeFrom = GNU.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let addChdir = GNU.addChdir { _ = addChdir(&actions, directory) }
        var pid: pid_t = 0
        let rc = ProcessRunner.spawn(&pid, path, arguments, environment: environment, actions: &actions)
        guard rc == 0 else {
            throw ProcessRunnerError.launchFailed(executable: path, underlying: String(cString: strerror(rc)))
        }
        return pid
    }
}

/// Starts the app, runs `body`, stops it (also when `body` throws).
public func withPythonApp<T>(
    files: [String: String], arguments: [String], environment: [String: String] = [:],
    _ body: (PythonApp) async throws -> T
) async throws -> T {
    let app = try await PythonApp.start(files: files, arguments: arguments, environment: environment)
    defer { app.stop() }
    return try await body(app)
}
