import Evidence

// LogScan: access and error log analysis for `why401 logs`.
//
// Byte-level and chunked: files are read in large blocks, split at line boundaries across
// threads, parsed in place without a String per line, and the per-worker partial aggregates are
// merged in input order. See `Scanner.swift` for the block parser and `Merge.swift` for the merge.
#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// What to read and how. Built by the `logs` use case (`UseCase.logs`).
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
    /// User files (AuthUserFile, auth_basic_user_file) known from the configuration: an nginx
    /// `open() "FILE" failed` naming one is the user file, not a missing document. Files the error logs
    /// name themselves (`was not found in "FILE"`) count too.
    public var userFiles: [String] = []
    /// Internal (tests): bytes per parallel chunk; 0 = automatic. Tiny values force many chunk boundaries.
    var chunkSize: Int = 0
    /// Internal (tests): the least an idle worker takes over from a running chunk; 0 = automatic.
    var splitMinimum: Int = 0
    /// Internal (tests): read block size; 0 = default.
    var blockSize: Int = 0
    /// Internal (tests): per-client failure seconds kept before the first compaction for the burst peak;
    /// tiny values force compaction (and dropping) all the time.
    var peakCompactMinimum: Int = 16

    /// An empty aggregate for these options.
    func aggregate() -> Aggregate {
        Aggregate(window: handshakeWindow, burst: burstWindow, compactMinimum: peakCompactMinimum)
    }

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
    static let defaultBlockSize = 4 << 20
    static let minimumChunk: Int64 = 8 << 20
    /// The least a worker takes over from a slower one's chunk (and leaves it): less is not worth a merge.
    static let minimumSplit: Int64 = 16 << 20

    /// Reads every input; never throws for a bad input (recorded in LogInput.problem); throws LogScanError only for a
    /// bad --log-format string.
    public static func scan(
        _ options: LogScanOptions, progress: (@Sendable (_ bytesRead: Int64, _ bytesTotal: Int64?) -> Void)? = nil
    ) throws -> LogSummary {
        let custom = try options.logFormat.map { try CustomFormat($0) }
        let threads = options.threads > 0 ? options.threads : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let blockSize = options.blockSize > 0 ? options.blockSize : defaultBlockSize

        var planned: [PlannedInput] = []
        var stdinUsed = false
        for (paths, wantError) in [(options.accessPaths, false), (options.errorPaths, true)] {
            for (path, problem) in InputPlanner.expand(paths) {
                if let problem {
                    planned.append(
                        PlannedInput(
                            record: LogInput(
                                path: path, kind: wantError ? .error : .access, format: "unknown", problem: problem)))
                } else {
                    planned.append(
                        InputPlanner.plan(path: path, wantError: wantError, custom: custom, stdinUsed: &stdinUsed))
                }
            }
        }
        defer {
            for input in planned where input.fd > 0 { close(input.fd) }
        }

        // access inputs become units: plain files are split at (later adjusted) line boundaries
        var units: [WorkUnit] = []
        var totalBytes: Int64? = 0
        for (i, input) in planned.enumerated() where input.fd >= 0 && input.record.kind == .access {
            if input.isStdin {
                totalBytes = nil
            } else {
                totalBytes = totalBytes.map { $0 + input.size }
            }
            if input.isStdin || input.record.gzip {
                units.append(
                    WorkUnit(input: i, start: 0, end: input.size, firstOfInput: true, lastOfInput: true, stream: true))
                continue
            }
            let chunk =
                options.chunkSize > 0
                ? Int64(options.chunkSize) : max(minimumChunk, (input.size + Int64(threads) - 1) / Int64(threads))
            var start: Int64 = 0
            repeat {
                let end = min(input.size, start + chunk)
                units.append(
                    WorkUnit(
                        input: i, start: start, end: end, firstOfInput: start == 0, lastOfInput: end >= input.size,
                        stream: false))
                start = end
            } while start < input.size
        }
        // one access input: settled burst seconds may be dropped (bounded memory); several inputs may
        // come in any time order, so each keeps all of them
        let boundedPeak = Set(units.map(\.input)).count == 1
        for i in units.indices { units[i].boundedPeak = boundedPeak }
        let done = Workers.run(
            units: units, inputs: planned, options: options, threads: threads, blockSize: blockSize,
            totalBytes: totalBytes, progress: progress)
        units = done.map(\.0)
        var results = done.map(\.1)

        var global = options.aggregate()
        global.boundedPeak = boundedPeak
        var samples: [LineReference] = []
        var lineBase = [Int](repeating: 0, count: planned.count)
        var forwarded = [Int](repeating: 0, count: planned.count)
        for (index, unit) in units.enumerated() {
            let result = results[index]
            // free each chunk's figures once merged: peak memory stays near one copy
            results[index] = UnitResult(agg: options.aggregate(), problem: nil)
            let u = result.agg
            for line in u.malformedSamples where samples.count < LogSummary.sampleLimit {
                samples.append(LineReference(path: planned[unit.input].record.path, line: lineBase[unit.input] + line))
            }
            lineBase[unit.input] += u.physicalLines
            forwarded[unit.input] += u.forwardedLines
            planned[unit.input].record.lines += u.lines
            planned[unit.input].record.malformed += u.malformed
            if let problem = result.problem, planned[unit.input].record.problem == nil {
                planned[unit.input].record.problem = problem
            }
            global.absorb(u, unit: unit)
        }
        for i in planned.indices where planned[i].record.kind == .access && planned[i].fd >= 0 {
            if planned[i].record.lines > 0 && planned[i].record.lines == planned[i].record.malformed {
                planned[i].record.format = "unknown"
            } else if planned[i].record.format == "unknown" && planned[i].record.lines > planned[i].record.malformed {
                // nothing recognised in the first lines, but later ones parsed
                planned[i].record.format = "combined"
            }
            if forwarded[i] > 0 {
                planned[i].record.notes.append(
                    """
                    \(forwarded[i]) line\(forwarded[i] == 1 ? " starts" : "s start") with an X-Forwarded-For list \
                    (`10.0.0.2, 10.0.0.1, …`): the client is its first address, as the proxies reported it (a \
                    `deny`/`Require not ip` for it needs nginx `real_ip_header X-Forwarded-For` or Apache \
                    mod_remoteip)
                    """
                )
            }
        }

        var summary = LogSummary(handshakeWindow: options.handshakeWindow)
        global.summarize(into: &summary, burstWindow: options.burstWindow, threads: threads)
        summary.malformedSamples = samples

        // error logs: small, read one after another; the format is decided per line (see ErrorConsumer)
        var userFiles = Set(options.userFiles)
        var events: [(ErrorEvent, confirmed: Bool)] = []
        for i in planned.indices where planned[i].fd >= 0 && planned[i].record.kind == .error {
            let input = planned[i]
            var consumer = ErrorConsumer(path: input.record.path, since: options.since, until: options.until)
            let problem: String?
            if input.isStdin {
                problem = Workers.readStream(
                    StreamSource(fd: input.fd, prefix: input.stdinPrefix, counter: nil), gzip: input.record.gzip,
                    blockSize: blockSize, into: &consumer)
            } else {
                problem = Workers.readStream(
                    FileRangeSource(fd: input.fd, offset: 0, end: nil, counter: nil), gzip: input.record.gzip,
                    blockSize: blockSize, into: &consumer)
            }
            planned[i].record.lines = consumer.lines
            planned[i].record.format = consumer.flavor?.rawValue ?? "unknown"
            if consumer.flavor != nil {
                if consumer.continuationLines > 0 {
                    let n = consumer.continuationLines
                    planned[i].record.notes.append(
                        """
                        \(n) line\(n == 1 ? "" : "s") without a date read as part of the record before \
                        \(n == 1 ? "it" : "them") (multi-line messages such as PHP-FPM's)
                        """
                    )
                }
                if consumer.strayLines > 0 {
                    let n = consumer.strayLines
                    planned[i].record.notes.append(
                        "\(n) line\(n == 1 ? "" : "s") before the first dated record skipped")
                }
            }
            if let problem, planned[i].record.problem == nil { planned[i].record.problem = problem }
            summary.errorLines += consumer.lines
            userFiles.formUnion(consumer.userFiles)
            events += zip(consumer.events, consumer.confirmed).map { ($0, $1) }
        }
        // an nginx open() failure is the user file only if it is one; otherwise it was a missing document
        // masked only now: the user-file match above needs the file names as logged
        summary.errorEvents = events.filter { $0.confirmed || $0.0.file.map(userFiles.contains) == true }
            .map { LogSecretMasking.masked($0.0) }
        summary.inputs = planned.map(\.record)
        return summary
    }

    /// Parses `--since`/`--until` values: ISO-8601 date or date-time (with or without offset; UTC when
    /// none), `YYYY-MM-DD HH:MM`, or the log form `29/Nov/2026:08:51:16 +0000`.
    public static func parseTime(_ text: String) -> Int64? {
        TimeParse.parse(text)
    }
}
