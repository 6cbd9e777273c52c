import Diagnosis
import Evidence
import LogScan
import Report

/// `why401 logs FILE... [--error-log FILE]...`.
public struct LogsRequest: Sendable {
    /// Access (or error) logs: files, globs, `.gz`, or `-` for stdin.
    public var accessLogs: [String]
    /// Apache or nginx error logs.
    public var errorLogs: [String]
    /// An Apache `LogFormat` string for access logs no known format matches; nil: detect per file.
    public var logFormat: String?
    /// Only requests at or after / before these times (ISO-8601, `YYYY-MM-DD HH:MM`, or the log's form).
    public var since: String?
    public var until: String?
    /// Worker threads; 0: one per core.
    public var threads: Int
    /// A 401 followed by a 2xx from the same client and path within this many seconds is a handshake.
    public var handshakeWindow: Int
    /// Seconds of the burst window for the brute-force peak.
    public var burstWindow: Int
    /// User files the configuration names (an nginx `open()` failure naming one is about the user file).
    public var userFiles: [String]
    public var thresholds: LogThresholds
    /// Bytes read so far and the total when known (not for stdin): for a progress line.
    public var progress: (@Sendable (_ bytesRead: Int64, _ bytesTotal: Int64?) -> Void)?

    public init(
        accessLogs: [String] = [], errorLogs: [String] = [], logFormat: String? = nil, since: String? = nil,
        until: String? = nil, threads: Int = 0, handshakeWindow: Int = 10, burstWindow: Int = 60,
        userFiles: [String] = [], thresholds: LogThresholds = LogThresholds(),
        progress: (@Sendable (_ bytesRead: Int64, _ bytesTotal: Int64?) -> Void)? = nil
    ) {
        self.accessLogs = accessLogs
        self.errorLogs = errorLogs
        self.logFormat = logFormat
        self.since = since
        self.until = until
        self.threads = threads
        self.handshakeWindow = handshakeWindow
        self.burstWindow = burstWindow
        self.userFiles = userFiles
        self.thresholds = thresholds
        self.progress = progress
    }

    /// Each value's own limits, named by the CLI flag that sets it (the messages are the CLI's exit-2 lines).
    public func validate() throws {
        if accessLogs.isEmpty && errorLogs.isEmpty {
            throw AuditFailure.usage("logs: give at least one log file, '-' for stdin, or --error-log FILE")
        }
        if (accessLogs + errorLogs).filter({ $0 == "-" }).count > 1 {
            throw AuditFailure.usage("logs: '-' (stdin) can be given only once")
        }
        if threads < 0 || threads > 1024 { throw AuditFailure.usage("--threads must be between 0 and 1024") }
        let counts = [
            ("--brute-force-threshold", thresholds.bruteForceMinFailures),
            ("--brute-force-peak", thresholds.bruteForceMinPeak),
            ("--burst-window", burstWindow), ("--spike-min", thresholds.spikeMinFailures),
            ("--never-succeeds-min", thresholds.neverSucceedsMinFailures),
        ]
        for (name, value) in counts where value < 1 { throw AuditFailure.usage("\(name) must be at least 1") }
        if handshakeWindow < 0 { throw AuditFailure.usage("--handshake-window must not be negative") }
        if !(thresholds.spikeFactor >= 1 && thresholds.spikeFactor.isFinite) {
            throw AuditFailure.usage("--spike-factor must be a number of at least 1")
        }
    }
}

extension UseCase {
    /// Scans every input with `LogScan` (in parallel chunks; every string masked as the summary is
    /// built), judges the summary with the log rules and detects the onset spike. An input that
    /// cannot be read is skipped and named in `warnings`; only when nothing at all could be read does
    /// it throw `AuditFailure.incomplete`. A bad request (limits, times, `logFormat`) is `.usage`.
    public static func analyzeLogs(_ request: LogsRequest) throws -> LogsResult {
        try request.validate()
        let since = try request.since.map { try time($0, field: "--since") }
        let until = try request.until.map { try time($0, field: "--until") }
        if let since, let until, until <= since { throw AuditFailure.usage("--until must be after --since") }
        var options = LogScanOptions(
            accessPaths: request.accessLogs, errorPaths: request.errorLogs, logFormat: request.logFormat, since: since,
            until: until, threads: request.threads, handshakeWindow: request.handshakeWindow,
            burstWindow: request.burstWindow)
        options.userFiles = request.userFiles
        let summary: LogSummary
        do {
            summary = try LogScan.scan(options, progress: request.progress)
        } catch let error as LogScanError {
            throw AuditFailure.usage("--log-format: \(error.description)")
        }
        let nothingRead =
            !summary.inputs.isEmpty && summary.inputs.allSatisfy { $0.problem != nil } && summary.requests == 0
            && summary.errorLines == 0
        if nothingRead {
            let reasons = summary.inputs.map { "\($0.path): \($0.problem ?? "")" }.joined(separator: "; ")
            throw AuditFailure.incomplete("logs: nothing could be read (\(reasons))")
        }
        var warnings: [String] = []
        for input in summary.inputs {
            if let problem = input.problem { warnings.append("\(input.path): \(problem) — analysing the rest") }
        }
        let subject = (request.accessLogs + request.errorLogs.map { "--error-log \($0)" }).joined(separator: " ")
        return LogsResult(
            summary: summary, findings: LogRules.run(summary, thresholds: request.thresholds),
            spike: LogSpike.detect(summary, thresholds: request.thresholds), subject: subject, warnings: warnings)
    }

    static func time(_ text: String, field: String) throws -> Int64 {
        guard let t = LogScan.parseTime(text) else {
            throw AuditFailure.usage(
                "\(field): cannot read \"\(text)\" as a time "
                    + "(use ISO-8601 like 2026-11-29T08:00:00Z or '2026-11-29 08:00')")
        }
        return t
    }
}
