import HTTPAuth

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
            guard let line = readLine(strippingNewline: true) else { throw CLIFailure.usage("--password-stdin: stdin is empty") }
            return line
        }
        if let env = getenv("WHY401_PASSWORD") { return String(cString: env) }
        guard let password = promptWithoutEcho(prompt) else {
            throw CLIFailure.usage("no password: give -u USER:PASS, WHY401_PASSWORD, --password-stdin, or run on a terminal")
        }
        return password
    }

    /// `TOKEN`, `@FILE` (one trailing newline removed, as editors add one), or `-` (stdin).
    static func token(_ spec: String) throws -> String {
        if spec == "-" {
            guard let line = readLine(strippingNewline: true) else { throw CLIFailure.usage("--bearer -: stdin is empty") }
            return line
        }
        if spec.hasPrefix("@") {
            let path = String(spec.dropFirst())
            guard let text = readSmallFile(path) else { throw CLIFailure.usage("--bearer: cannot read \(path)") }
            var token = text
            if token.hasSuffix("\r\n") { token.removeLast(2) } else if token.hasSuffix("\n") { token.removeLast() }
            return token
        }
        return spec
    }

    /// Reads up to 1 MB; nil if unreadable.
    static func readSmallFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        let count = fread(&bytes, 1, bytes.count, file)
        return String(decoding: bytes.prefix(count), as: UTF8.self)
    }

    /// Reads a line from /dev/tty with echo off; nil when there is no terminal.
    static func promptWithoutEcho(_ prompt: String) -> String? {
        let fd = open("/dev/tty", O_RDWR)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var original = termios()
        guard tcgetattr(fd, &original) == 0 else { return nil }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        tcsetattr(fd, TCSAFLUSH, &silent)
        defer {
            tcsetattr(fd, TCSAFLUSH, &original)
            _ = write(fd, "\n", 1)
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 10, line.count < 4096 { if byte != 13 { line.append(byte) } }
        return String(decoding: line, as: UTF8.self)
    }
}

/// The subject line of a report: the URL with any password and secret query values masked.
enum SecretMaskingURL {
    static func mask(_ url: String) -> String { SecretMasking.maskURL(url) }
}
