import ArgumentParser
import Diagnosis
import Foundation
import LogScan
import Report
import Why401Exporter
import Why401Kit

/// `why401 logs FILE... [--error-log FILE]...`: flags → `LogsRequest` → `UseCase.analyzeLogs` (which
/// scans, masks and judges) → text/JSON/Markdown, optionally an HTML page. A bad input is reported
/// on stderr and skipped; only when nothing at all could be read does it exit 3.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Analyse access and error logs: 401 onset, spikes, brute force, error-log causes.",
        discussion: """
            Access logs in combined, common, vhost_combined, nginx default or JSON lines are detected per \
            file; give --log-format with an Apache LogFormat string for anything else. Apache (2.4, 2.2) and \
            nginx error logs are detected among the files too, line by line, or named with --error-log. \
            Rotated .gz files and '-' (stdin) are read as they are. A file whose format is not recognised \
            is reported (logs.unrecognized-format), never taken as nothing wrong.

            A 401 followed by a 2xx from the same client and path within --handshake-window seconds is a \
            normal challenge-then-success and is not counted as a failure.

            With --follow and --metrics ADDR it keeps reading the files as they grow (rotation by rename or \
            copytruncate, files that appear later) and serves Prometheus counters on http://ADDR/metrics \
            (why401_log_lines_total, why401_log_requests_total{status}, why401_log_unauthorized_total, \
            why401_log_failures_total, why401_log_error_events_total{cause}, why401_log_brute_force_clients); \
            they equal what a one-shot run over the same lines reports. See docs/exporter.md.

            Examples:
              why401 logs /var/log/apache2/access.log* --error-log /var/log/apache2/error.log
              zcat old.log.gz | why401 logs - --since 2026-11-29T08:00 --json
              why401 logs access.log --html report.html
              why401 logs --follow /var/log/nginx/access.log --error-log /var/log/nginx/error.log \
                --metrics 127.0.0.1:9402

            Exit codes: 0 nothing wrong found, 1 a problem was diagnosed (an error finding; with \
            --fail-on warning, a warning too), 2 usage error, 3 nothing could be read.
            """)

    @Argument(help: ArgumentHelp("Access (or error) logs: files, globs, .gz, or '-' for stdin.", valueName: "FILE"))
    var files: [String] = []

    @Option(
        name: .customLong("error-log"),
        help: ArgumentHelp("An Apache or nginx error log (repeatable).", valueName: "FILE"))
    var errorLogs: [String] = []

    @Option(
        name: .customLong("user-file"),
        help: ArgumentHelp(
            """
            A configured user file (AuthUserFile, auth_basic_user_file): an nginx open() failure naming it is read \
            as the user file, not a missing document (repeatable).
            """,
            valueName: "FILE"))
    var userFiles: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Apache LogFormat string for the access logs, e.g. '%h %l %u %t \"%r\" %>s %b'.", valueName: "FMT"))
    var logFormat: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only requests at or after this time (ISO-8601, 'YYYY-MM-DD HH:MM', UTC unless an offset is given).",
            valueName: "TIME"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Only requests before this time.", valueName: "TIME"))
    var until: String?

    @Option(name: .long, help: ArgumentHelp("Worker threads (0 = one per core).", valueName: "N"))
    var threads: Int = 0

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write a self-contained HTML report (inline SVG chart, no external assets) to this file.",
            valueName: "OUT"))
    var html: String?

    @Option(name: .long, help: ArgumentHelp("logs.brute-force: failed 401s from one client, at least.", valueName: "N"))
    var bruteForceThreshold: Int = LogThresholds().bruteForceMinFailures

    @Option(
        name: .long,
        help: ArgumentHelp("logs.brute-force: failed 401s within one burst window, at least.", valueName: "N"))
    var bruteForcePeak: Int = LogThresholds().bruteForceMinPeak

    @Option(
        name: .long, help: ArgumentHelp("Seconds of the burst window for the brute-force peak.", valueName: "SECONDS"))
    var burstWindow: Int = 60

    @Option(
        name: .long,
        help: ArgumentHelp(
            """
            A 401 followed by a 2xx from the same client and path within this many seconds is a handshake, not a \
            failure.
            """,
            valueName: "SECONDS"))
    var handshakeWindow: Int = 10

    @Option(
        name: .long,
        help: ArgumentHelp(
            "logs.spike: failed 401s per bucket, as a multiple of the baseline, at least.", valueName: "X"))
    var spikeFactor: Double = LogThresholds().spikeFactor

    @Option(name: .long, help: ArgumentHelp("logs.spike: failed 401s in the onset bucket, at least.", valueName: "N"))
    var spikeMin: Int = LogThresholds().spikeMinFailures

    @Option(
        name: .long,
        help: ArgumentHelp(
            "logs.never-succeeds: failed 401s of a client or user with no success, at least.", valueName: "N"))
    var neverSucceedsMin: Int = LogThresholds().neverSucceedsMinFailures

    @Flag(
        name: .long,
        help: "Keep following the files as they grow and serve their counters (needs --metrics).")
    var follow = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --follow: serve Prometheus counters on this address (/metrics).", valueName: "HOST:PORT"))
    var metrics: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --metrics: Bearer token every scrape must carry; required off loopback. TOKEN, @FILE, or env "
                + "WHY401_METRICS_TOKEN.",
            valueName: "TOKEN|@FILE"))
    var token: String?

    @Option(
        name: .long,
        help: ArgumentHelp("With --follow: seconds between reads of the files (default 1).", valueName: "S"))
    var pollInterval: Double = 1

    @OptionGroup var output: OutputOptions

    /// Flags → request. The request's limits are checked by the use case (one plain line, exit 2).
    var request: LogsRequest {
        let thresholds = LogThresholds(
            bruteForceMinFailures: bruteForceThreshold, bruteForceMinPeak: bruteForcePeak, spikeFactor: spikeFactor,
            spikeMinFailures: spikeMin, neverSucceedsMinFailures: neverSucceedsMin)
        return LogsRequest(
            accessLogs: files, errorLogs: errorLogs, logFormat: logFormat, since: since, until: until, threads: threads,
            handshakeWindow: handshakeWindow, burstWindow: burstWindow, userFiles: userFiles, thresholds: thresholds)
    }

    func run() async throws {
        if follow || metrics != nil {
            try await runFollow()
            return
        }
        var request = self.request
        let progress = ProgressLine.forStderr()
        request.progress = progress?.update
        let result: LogsResult
        do {
            defer { progress?.clear() }
            result = try UseCase.analyzeLogs(request)
        }
        for warning in result.warnings { Why401Main.writeError(warning) }
        if let html {
            let page = LogReportHTML.render(result, policy: output.policy)
            do {
                try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
            } catch {
                throw CLIFailure.incomplete("--html: cannot write \(html): \((error as NSError).localizedDescription)")
            }
        }
        try output.emit(LogReport.report(result))
    }
}

extension LogsCommand {
    /// `--follow --metrics ADDR`: flags → `LogFollowOptions` → `FollowServer.run`.
    func runFollow() async throws {
        guard follow, let metrics else {
            throw CLIFailure.usage(
                follow
                    ? "--follow needs --metrics HOST:PORT: the counters are served for Prometheus"
                    : "--metrics needs --follow")
        }
        if since != nil || until != nil || html != nil {
            throw CLIFailure.usage("--follow counts every line as it comes: --since, --until and --html do not apply")
        }
        if !(pollInterval >= 0.05 && pollInterval <= 60) {
            throw CLIFailure.usage("--poll-interval must be between 0.05 and 60 seconds")
        }
        try request.validate()
        let listen = try MetricsListen(
            address: try ListenAddress.parse(metrics, defaultPort: 9402, flag: "--metrics"),
            token: try SecretInput.serverToken(token, environment: "WHY401_METRICS_TOKEN"),
            command: "read these logs' counters")
        let options = LogFollowOptions(
            accessPaths: files, errorPaths: errorLogs, logFormat: logFormat, handshakeWindow: handshakeWindow,
            burstWindow: burstWindow, bruteForcePeak: bruteForcePeak, userFiles: userFiles)
        do {
            try await FollowServer.run(
                options, listen: listen, interval: pollInterval, announce: ServeCommand.line, log: { _ in })
        } catch let error as LogScanError {
            throw CLIFailure.usage(error.description)
        }
    }
}

/// "reading 412 MB of 1.2 GB (33%)" on stderr, rewritten in place — only when stderr is a terminal
/// and the read has lasted a moment, so pipes, CI logs and short reads stay clean.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let started = Date()
    private let delay: TimeInterval
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(delay: TimeInterval) { self.delay = delay }

    /// Half a second before the first draw; `WHY401_PROGRESS_DELAY` (seconds) changes it, so a test
    /// on a pseudo-terminal need not read a huge file.
    static func forStderr() -> ProgressLine? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let delay = ProcessInfo.processInfo.environment["WHY401_PROGRESS_DELAY"].flatMap(TimeInterval.init) ?? 0.5
        return ProgressLine(delay: max(0, delay))
    }

    func update(_ read: Int64, _ total: Int64?) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(started) >= delay, now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        var text = "\rwhy401: reading \(Self.bytes(read))"
        if let total, total > 0 { text += " of \(Self.bytes(total)) (\(min(100, read * 100 / total))%)" }
        Self.write(text + "\u{1B}[K")
        drawn = true
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { Self.write("\r\u{1B}[K") }
        drawn = false
    }

    static func bytes(_ n: Int64) -> String {
        if n < 1 << 20 { return "\(n / 1024) KB" }
        if n < 1 << 30 { return "\(n >> 20) MB" }
        return LogFigures.decimal(Double(n) / Double(1 << 30)) + " GB"
    }

    private static func write(_ text: String) {
        var line = text
        line.withUTF8 { buffer in _ = Foundation.write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }
}
