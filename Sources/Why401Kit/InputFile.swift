#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files an entry point reads or writes for its caller (a token, a cookie jar, a pasted command, a
/// HAR export and its redacted copy), bounded and with one-line errors that name the file and never
/// its content — so every front end refuses a FIFO, a directory or a huge file the same way.
public enum InputFile {
    /// Secrets, jars and pasted commands are small: anything larger is a mistake, not something to read whole.
    public static let smallLimit = 1 << 20

    /// A regular file of at most `limit` bytes, read whole; FIFOs, directories and larger files are
    /// errors (a FIFO would block for ever, a truncated token would be sent wrong). `what` names the
    /// input in the message (`--bearer`, `curl data @FILE`). Throws `AuditFailure.incomplete`.
    public static func contents(_ path: String, what: String, limit: Int = smallLimit) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw AuditFailure.incomplete("\(what): cannot open \(path)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw AuditFailure.incomplete("\(what): \(path) is not a regular file")
        }
        guard Int(info.st_size) <= limit else {
            throw AuditFailure.incomplete("\(what): \(path) is larger than \(limit >> 20) MiB")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var total = 0
        while total < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n <= 0 { break }
            total += n
        }
        guard total == bytes.count else { throw AuditFailure.incomplete("\(what): could not read all of \(path)") }
        return bytes
    }

    /// `contents` as text (UTF-8, ill-formed bytes repaired).
    public static func text(_ path: String, what: String, limit: Int = smallLimit) throws -> String {
        String(decoding: try contents(path, what: what, limit: limit), as: UTF8.self)
    }

    /// Writes `bytes` to `path` readable by the owner only (a copy of a capture is still sensitive).
    static func writeFile(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw AuditFailure.incomplete("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            guard n > 0 else {
                throw AuditFailure.incomplete("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
    }
}

/// The wall clock in whole seconds, for what is judged against "now" (cookie expiry in a jar, tokens
/// in a HAR) when the request does not fix the time.
/// The system clock, for the front ends that need "now" (a cookie jar's expiry, a log follower).
public enum WallClock {
    /// Whole seconds since the epoch.
    public static func now() -> Double {
        seconds().rounded(.down)
    }

    /// Seconds since the epoch, with the fraction.
    public static func seconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
