import HTTPAuth
import Why401Kit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where secrets come from: env, stdin, files, or a no-echo prompt — argv only when the user insists
/// (it shows in `ps`). Errors never contain the secret.
enum SecretInput {
    static func password(fromStdin: Bool, prompt: String) throws -> String {
        if fromStdin {
            guard let line = try boundedLine() else { throw CLIFailure.usage("--password-stdin: stdin is empty") }
            return line
        }
        if let env = getenv("WHY401_PASSWORD") { return String(cString: env) }
        guard let password = promptWithoutEcho(prompt) else {
            throw CLIFailure.usage(
                "no password: give -u USER:PASS, WHY401_PASSWORD, --password-stdin, or run on a terminal")
        }
        return password
    }

    /// `TOKEN`, `@FILE` (one trailing newline removed, as editors add one), or `-` (stdin).
    static func token(_ spec: String) throws -> String {
        var token = spec
        if spec == "-" {
            guard let line = try boundedLine() else { throw CLIFailure.usage("--bearer -: stdin is empty") }
            token = line
        } else if spec.hasPrefix("@") {
            let path = String(spec.dropFirst())
            token = try readSmallFile(path, what: "--bearer")
            // "\r\n" is one Character in Swift: one removeLast drops either line break.
            if token.hasSuffix("\n") || token.hasSuffix("\r\n") { token.removeLast() }
        }
        if token.isEmpty { throw CLIFailure.usage("--bearer: the token is empty") }
        return token
    }

    /// Secrets and jars are small: anything larger is a mistake, not something to read whole.
    static let maximumSize = InputFile.smallLimit

    /// The password of a pasted command's `-u USER` (no `:PASS`): `WHY401_PASSWORD` or a no-echo
    /// prompt — asked only once the command is known to need it, never on stdin (a pasted command
    /// may itself come from stdin).
    static let pastedCommandPassword: @Sendable (String) throws -> String = { user in
        try password(fromStdin: false, prompt: "Password for \(user): ")
    }

    /// One line from stdin, at most `maximumSize` bytes (a `</dev/zero` must not eat the memory).
    static func boundedLine() throws -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        var sawAny = false
        while read(STDIN_FILENO, &byte, 1) == 1 {
            sawAny = true
            if byte == 10 { break }
            bytes.append(byte)
            if bytes.count > maximumSize { throw CLIFailure.usage("stdin line longer than 1 MiB") }
        }
        if !sawAny { return nil }
        if bytes.last == 13 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A regular file of at most 1 MiB, read whole, as text (`InputFile`: the library's one bounded
    /// reader, so the CLI and every other front end refuse a FIFO or a huge file alike).
    /// A server's access token: `TOKEN`, `@FILE` (one trailing newline dropped) or, with no flag,
    /// the environment variable `environment` — which keeps the token out of `ps`.
    static func serverToken(_ spec: String?, environment: String) throws -> String? {
        guard let spec else {
            guard let value = getenv(environment) else { return nil }
            let text = String(cString: value)
            return text.isEmpty ? nil : text
        }
        guard spec.hasPrefix("@") else { return spec }
        var text = try readSmallFile(String(spec.dropFirst()), what: "--token")
        // "\r\n" is one Character in Swift: one removeLast drops either line break.
        if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    static func readSmallFile(_ path: String, what: String, limit: Int = maximumSize) throws -> String {
        try InputFile.text(path, what: what, limit: limit)
    }

    /// `readSmallFile` as bytes (password files may hold user names that are not UTF-8). `limit` is
    /// larger for inputs that are legitimately big, such as a password file with 10⁶ users.
    static func readSmallFileBytes(_ path: String, what: String, limit: Int = maximumSize) throws -> [UInt8] {
        try InputFile.contents(path, what: what, limit: limit)
    }

    /// Reads a line from /dev/tty with echo off; nil when there is no terminal. Ctrl-C during the
    /// prompt restores echo before the process ends.
    static func promptWithoutEcho(_ prompt: String) -> String? {
        let fd = open("/dev/tty", O_RDWR)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var original = termios()
        guard tcgetattr(fd, &original) == 0 else { return nil }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        TerminalRestore.saved.pointee = original
        TerminalRestore.fd = fd
        signal(SIGINT) { _ in
            if TerminalRestore.fd >= 0 { tcsetattr(TerminalRestore.fd, TCSAFLUSH, TerminalRestore.saved) }
            _exit(130)
        }
        tcsetattr(fd, TCSAFLUSH, &silent)
        defer {
            tcsetattr(fd, TCSAFLUSH, &original)
            signal(SIGINT, SIG_DFL)
            TerminalRestore.fd = -1
            _ = write(fd, "\n", 1)
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 10, line.count < 4096 { if byte != 13 { line.append(byte) } }
        return String(decoding: line, as: UTF8.self)
    }
}

/// The terminal state a SIGINT handler restores (a C handler cannot capture context).
///
/// `saved` is an allocation of C's `sizeof(struct termios)` (60 bytes), not a Swift global of type
/// `termios`: Swift sizes that global without the struct's tail padding (57 bytes) while an assignment
/// copies all 60, three bytes past its end (the address sanitizer reports it).
enum TerminalRestore {
    nonisolated(unsafe) static let saved: UnsafeMutablePointer<termios> = {
        let storage = UnsafeMutablePointer<termios>.allocate(capacity: 1)
        storage.initialize(to: termios())
        return storage
    }()
    nonisolated(unsafe) static var fd: Int32 = -1
}
