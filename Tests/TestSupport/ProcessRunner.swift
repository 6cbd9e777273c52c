// ProcessRunner: runs a program to completion with stdin, captured stdout/stderr and a timeout.
//
// Built on posix_spawn + waitpid rather than Foundation.Process: on Linux, Foundation detects the
// exit of a child through a socket the child inherits, so a program that daemonizes (apache2 -k
// start, nginx) keeps it open and `waitUntilExit` never returns; Foundation also passes the
// spawning thread's blocked-signal mask on, and a daemon started that way ignores SIGTERM.
//
// Both output pipes are drained concurrently by one poll(2) loop, so a child that writes megabytes
// to stderr while we wait on stdout cannot deadlock. A child that outlives the timeout gets SIGTERM,
// then SIGKILL after a short grace. A program that daemonizes and leaves a grandchild holding the
// pipes open (e.g. a server's `start`) does not hang us: after the direct child exits we keep
// reading only for `drainGrace` seconds.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

public struct ProcessResult: Sendable, Equatable, CustomStringConvertible {
    /// Exit status, or the signal number (as reported by Foundation) when the child was killed.
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// True when the child was killed because it ran past the timeout.
    public var timedOut: Bool
    /// True when Foundation reports the child ended by a signal rather than `exit`.
    public var killedBySignal: Bool

    public init(status: Int32, stdout: String, stderr: String, timedOut: Bool = false, killedBySignal: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
        self.killedBySignal = killedBySignal
    }

    public var succeeded: Bool { status == 0 && !timedOut && !killedBySignal }

    public var description: String {
        """
        exit \(status)\(timedOut ? " (timed out)" : "")\(killedBySignal ? " (signal)" : "")\n--- stdout \
        ---\n\(stdout)\n--- stderr ---\n\(stderr)
        """
    }
}

public enum ProcessRunnerError: Error, CustomStringConvertible {
    case launchFailed(executable: String, underlying: String)

    public var description: String {
        switch self {
        case .launchFailed(let executable, let underlying): "could not launch \(executable): \(underlying)"
        }
    }
}

public enum ProcessRunner {
    /// Runs `executable` (an absolute path, or a bare name looked up with `which`) with `arguments`.
    ///
    /// - Parameters:
    ///   - stdin: written to the child's standard input, which is then closed; nil gives /dev/null.
    ///   - environment: variables set on top of the inherited environment (nil: inherit unchanged).
    ///   - inheritEnvironment: false starts from an empty environment (then only `environment` is set).
    ///   - currentDirectory: working directory of the child (nil: ours).
    ///   - timeout: seconds before the child is killed (SIGTERM, then SIGKILL 2 s later).
    /// - Throws: `ProcessRunnerError.launchFailed` when the program cannot be started. A non-zero exit
    ///   is not an error: inspect `status`.
    /// Threads of a Swift process block most signals; a child (e.g. a daemonized Apache, or a
    /// why401 a test means to interrupt) would inherit the mask and ignore SIGTERM/SIGINT. Gives the
    /// child an empty mask and default dispositions, optionally in a process group of its own.
    public static func setDefaultSignals(_ attr: inout posix_spawnattr_t, ownProcessGroup: Bool) {
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attr, &all)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attr, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attr, Int16(flags))
    }

    /// posix_spawn with the child's signals reset and in a process group of its own; argv and
    /// envp built from Swift strings. Returns posix_spawn's result.
    static func spawn(
        _ pid: inout pid_t, _ path: String, _ arguments: [String], environment: [String: String],
        actions: inout posix_spawn_file_actions_t
    ) -> Int32 {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        setDefaultSignals(&attr, ownProcessGroup: true)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        return posix_spawn(&pid, path, &actions, &attr, argv, envp)
    }

    public static func run(
        _ executable: String,
        _ arguments: [String] = [],
        stdin: String? = nil,
        environment: [String: String]? = nil,
        inheritEnvironment: Bool = true,
        currentDirectory: String? = nil,
        timeout: TimeInterval = 60,
        drainGrace: TimeInterval = 0.5
    ) throws -> ProcessResult {
        let path = executable.contains("/") ? executable : (which(executable) ?? executable)
        var env = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        for (k, v) in environment ?? [:] { env[k] = v }
        // We ignore SIGPIPE process-wide: a child closing its stdin early must not kill the tests.
        // Children get the default disposition back (POSIX_SPAWN_SETSIGDEF below).
        signal(SIGPIPE, SIG_IGN)

        let outPipe = try makePipe()
        let errPipe = try makePipe()
        let inPipe: (read: Int32, write: Int32)? = stdin == nil ? nil : try makePipe()
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe?.read ?? devNull, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe.write, 2)
        // No other descriptor of ours (sockets, pipes of parallel tests) leaks into the child: a
        // daemon holding one could keep a port bound or a pipe open for ever.
        if let closeFrom = GNU.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let currentDirectory {
            guard let addChdir = GNU.addChdir else {
                throw ProcessRunnerError.launchFailed(
                    executable: path, underlying: "posix_spawn_file_actions_addchdir_np unavailable")
            }
            _ = addChdir(&actions, currentDirectory)
        }

        var pid: pid_t = 0
        // Own process group: a timeout kills the whole tree.
        let rc = spawn(&pid, path, arguments, environment: env, actions: &actions)
        // The child's ends are the child's now; ours must be closed, or we never see EOF.
        close(outPipe.write)
        close(errPipe.write)
        if let inPipe { close(inPipe.read) }
        guard rc == 0 else {
            close(outPipe.read)
            close(errPipe.read)
            if let inPipe { close(inPipe.write) }
            throw ProcessRunnerError.launchFailed(executable: path, underlying: String(cString: strerror(rc)))
        }

        if let inPipe, let stdin {
            let data = Data(stdin.utf8)
            let fd = inPipe.write
            // A separate thread: the child may not read its input before we drain its output.
            let t = Thread {
                writeAll(fd, data)
                close(fd)
            }
            t.start()
        }

        let fds = [outPipe.read, errPipe.read]
        var buffers = [Data(), Data()]
        var open = [true, true]
        let start = Date()
        var exitedAt: Date?
        var waitStatus: Int32 = 0
        var timedOut = false
        var termSentAt: Date?
        var chunk = [UInt8](repeating: 0, count: 65536)

        while true {
            if exitedAt == nil {
                var st: Int32 = 0
                let w = waitpid(pid, &st, WNOHANG)
                if w == pid {
                    exitedAt = Date()
                    waitStatus = st
                }
            }
            if !open[0] && !open[1] && exitedAt != nil { break }
            var pfds = [pollfd]()
            var idx = [Int]()
            for i in 0..<2 where open[i] {
                pfds.append(pollfd(fd: fds[i], events: Int16(POLLIN), revents: 0))
                idx.append(i)
            }
            if pfds.isEmpty {
                usleep(10_000)
            } else if poll(&pfds, nfds_t(pfds.count), 20) > 0 {
                for (j, p) in pfds.enumerated() where p.revents != 0 {
                    let i = idx[j]
                    let r = chunk.withUnsafeMutableBytes { read(fds[i], $0.baseAddress, $0.count) }
                    if r > 0 {
                        buffers[i].append(contentsOf: chunk[0..<r])
                    } else if r == 0 || (errno != EINTR && errno != EAGAIN) {
                        open[i] = false
                    }
                }
            }
            let now = Date()
            // A daemonizing child can leave a grandchild holding our pipes: stop reading shortly after exit.
            if let exitedAt, now.timeIntervalSince(exitedAt) > drainGrace { break }
            if exitedAt == nil, now.timeIntervalSince(start) > timeout * TestTiming.scale {
                if termSentAt == nil {
                    timedOut = true
                    termSentAt = now
                    kill(-pid, SIGTERM)
                    kill(pid, SIGTERM)
                } else if now.timeIntervalSince(termSentAt!) > 2 {
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                }
            }
        }
        close(outPipe.read)
        close(errPipe.read)

        let signaled = (waitStatus & 0x7f) != 0 && (waitStatus & 0x7f) != 0x7f
        let status = signaled ? (waitStatus & 0x7f) : ((waitStatus >> 8) & 0xff)
        return ProcessResult(
            status: status,
            stdout: String(decoding: buffers[0], as: UTF8.self),
            stderr: String(decoding: buffers[1], as: UTF8.self),
            timedOut: timedOut,
            killedBySignal: signaled)
    }

    /// `run` on a dedicated thread, so an async test does not block a cooperative-pool thread.
    public static func runAsync(
        _ executable: String,
        _ arguments: [String] = [],
        stdin: String? = nil,
        environment: [String: String]? = nil,
        inheritEnvironment: Bool = true,
        currentDirectory: String? = nil,
        timeout: TimeInterval = 60
    ) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<ProcessResult, Error>) in
            let t = Thread {
                cont.resume(
                    with: Result {
                        try run(
                            executable, arguments, stdin: stdin, environment: environment,
                            inheritEnvironment: inheritEnvironment, currentDirectory: currentDirectory,
                            timeout: timeout)
                    })
            }
            t.start()
        }
    }

    /// Finds an executable by name in PATH, then /usr/local/sbin, /usr/sbin and /sbin
    /// (root-only tools such as apache2 and nginx live there and are often not on a user's PATH).
    public static func which(_ name: String) -> String? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        var dirs = path.split(separator: ":").map(String.init)
        for extra in ["/usr/local/sbin", "/usr/sbin", "/sbin"] where !dirs.contains(extra) { dirs.append(extra) }
        for dir in dirs where !dir.isEmpty {
            let candidate = (dir as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }
}

/// glibc extensions that Swift's Glibc module does not export (they need _GNU_SOURCE), looked up at run time.
enum GNU {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    static let pipe2: Pipe2? = symbol("pipe2")

    private static func symbol<T>(_ name: String) -> T? {
        guard let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(p, to: T.self)
    }
}

/// A pipe whose both ends are close-on-exec (dup2 onto 0/1/2 clears the flag for the child).
private func makePipe() throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    let rc: Int32
    if let pipe2 = GNU.pipe2 {
        rc = pipe2(&fds, O_CLOEXEC)
    } else {
        rc = pipe(&fds)
        if rc == 0 { for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
    }
    guard rc == 0 else {
        throw ProcessRunnerError.launchFailed(executable: "pipe2", underlying: String(cString: strerror(errno)))
    }
    return (fds[0], fds[1])
}

/// Writes all of `data`, giving up quietly on EPIPE (child closed its stdin early).
private func writeAll(_ fd: Int32, _ data: Data) {
    data.withUnsafeBytes { raw in
        guard var p = raw.baseAddress else { return }
        var left = raw.count
        while left > 0 {
            let w = write(fd, p, left)
            if w < 0 {
                if errno == EINTR { continue }
                return
            }
            left -= w
            p = p.advanced(by: w)
        }
    }
}

/// How much longer than usual a child may take: `WHY401_TEST_TIME_SCALE` (default 1). The sanitizer runs
/// (`Sanitizers/run.sh`) set it, since an instrumented debug build runs several times slower; a time limit
/// that guards against a hang stays one, only later.
public enum TestTiming {
    public static let scale: Double = {
        guard let text = ProcessInfo.processInfo.environment["WHY401_TEST_TIME_SCALE"], let value = Double(text),
            value >= 1
        else { return 1 }
        return value
    }()
}
