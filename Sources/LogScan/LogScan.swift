// LogScan: access and error log analysis for `why401 logs`.
//
// Byte-level and chunked: files are read in large blocks, split at line boundaries across
// threads, parsed in place without a String per line, and the per-worker partial aggregates are
// merged in input order. See `Scanner.swift` for the block parser and `Merge.swift` for the merge.
import Evidence

/// What to read and how. Built by the `logs` CLI command.
public struct LogScanOptions: Sendable {
    /// Files, globs (expanded here too when the shell did not), or `-` for stdin.
    public var accessPaths: [String]
    /// `--error-log`; error logs among `accessPaths` are detected by content and moved here.
    public var errorPaths: [String]
    /// Apache `LogFormat` string (`--log-format`); nil = detect per file.
    public var logFormat: String?
    /// UTC epoch seconds: `since` inclusive, `until` exclusive.
    public var since: Int64?
    public var until: Int64?
    /// Worker threads; 0 = number of cores.
    public var threads: Int
    /// Seconds within which a 2xx from the same client and path turns a 401 into a handshake.
    public var handshakeWindow: Int = 10
    /// Window in seconds for `ClientRecord.peakFailures`.
    public var burstWindow: Int = 60
    /// Internal (tests): bytes per parallel chunk; 0 = automatic. Tiny values force many chunk boundaries.
    var chunkSize: Int = 0
    /// Internal (tests): read block size; 0 = default.
    var blockSize: Int = 0

    public init(
        accessPaths: [String] = [], errorPaths: [String] = [], logFormat: String? = nil, since: Int64? = nil,
        until: Int64? = nil, threads: Int = 0, handshakeWindow: Int = 10, burstWindow: Int = 60
    ) {
        self.accessPaths = accessPaths
        self.errorPaths = errorPaths
        self.logFormat = logFormat
        self.since = since
        self.until = until
        self.threads = threads
        self.handshakeWindow = handshakeWindow
        self.burstWindow = burstWindow
    }
}

/// Only a bad `--log-format` string is an error; bad inputs are recorded in `LogInput.problem`.
public struct LogScanError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum LogScan {
    /// Reads every input; never throws for a bad input (recorded in LogInput.problem); throws LogScanError only for a bad --log-format string.
    public static func scan(
        _ options: LogScanOptions, progress: (@Sendable (_ bytesRead: Int64, _ bytesTotal: Int64?) -> Void)? = nil
    ) throws -> LogSummary {
        LogSummary(handshakeWindow: options.handshakeWindow)
    }

    /// Parses `--since`/`--until` values: ISO-8601 date or date-time (with or without offset; UTC when
    /// none), `YYYY-MM-DD HH:MM`, or the log form `29/Nov/2026:08:51:16 +0000`.
    public static func parseTime(_ text: String) -> Int64? {
        nil
    }
}
