import Evidence

// LogFollower: `why401 logs --follow`, counters that grow as the logs do.
//
// Each path is followed as one stream across rotations (`FollowedStream`, LogFollowerStream.swift);
// access lines are counted and paired by `FollowPairing` (LogFollowerPairing.swift) with exactly the
// rules of `Aggregate`, in bounded memory; error lines go through `ErrorConsumer`.
#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// What to follow and how. Built by the `logs --follow` front end.
public struct LogFollowOptions: Sendable {
    /// Access logs to follow: plain files (no globs, no `-`, no `.gz`: `LogFollower.init` throws for those).
    /// A path whose content is an error log is followed as one, as `LogScan.scan` does.
    public var accessPaths: [String]
    /// Apache or nginx error logs to follow (a path whose content is an access log is followed as one).
    public var errorPaths: [String]
    /// Apache `LogFormat` string, like `LogScanOptions.logFormat`; nil = detect per file.
    public var logFormat: String?
    /// Seconds (log time) within which a 2xx from the same client and path turns a 401 into a handshake.
    public var handshakeWindow: Int = 10
    /// Seconds (log time) of the window `LogFollowCounts.bruteForceClients` counts 401s in.
    public var burstWindow: Int = 60
    /// How many 401s within `burstWindow` make a client count in `LogFollowCounts.bruteForceClients`.
    public var bruteForcePeak: Int = 10
    /// User files (AuthUserFile, auth_basic_user_file) known from the configuration, as `LogScanOptions.userFiles`.
    public var userFiles: [String] = []
    /// Wall-clock seconds without any new line in an input after which its open 401s settle as failures.
    public var settleAfter: Double
    /// Internal (tests): the longest line kept, like `LogScanOptions.blockSize` (longer ones count as malformed).
    var blockSize = LogScan.defaultBlockSize

    public init(
        accessPaths: [String] = [], errorPaths: [String] = [], logFormat: String? = nil, handshakeWindow: Int = 10,
        burstWindow: Int = 60, bruteForcePeak: Int = 10, userFiles: [String] = [], settleAfter: Double? = nil
    ) {
        self.accessPaths = accessPaths
        self.errorPaths = errorPaths
        self.logFormat = logFormat
        self.handshakeWindow = handshakeWindow
        self.burstWindow = burstWindow
        self.bruteForcePeak = bruteForcePeak
        self.userFiles = userFiles
        self.settleAfter = settleAfter ?? Double(max(1, handshakeWindow))
    }
}

/// One followed path and where the follower is in it.
public struct FollowedInput: Sendable, Equatable {
    /// As given.
    public var path: String
    /// Access or error log: as named until the first lines are read, then as detected (like `LogInput.kind`).
    public var kind: LogInput.Kind
    /// The detected format (`combined`, `common`, `vhost_combined`, `json`, `custom`, `apache-error`,
    /// `nginx-error`), `unknown` until detected; kept across rotations.
    public var format: String
    /// Bytes read from the file the path names now.
    public var offset: Int64
    /// Times the path was found naming another file (rename rotation, or deleted and created again).
    public var rotations: Int
    /// Times the file shrank below the offset read (copytruncate): read again from its start.
    public var truncations: Int
    /// The path does not exist (yet, or no longer): polled again; read from its start when it appears.
    public var waiting: Bool
    /// Why the path cannot be read now (errno text, `is a directory`, `binary file, not a text log`);
    /// never a line of the log.
    public var problem: String?

    public init(
        path: String, kind: LogInput.Kind, format: String = "unknown", offset: Int64 = 0, rotations: Int = 0,
        truncations: Int = 0, waiting: Bool = false, problem: String? = nil
    ) {
        self.path = path
        self.kind = kind
        self.format = format
        self.offset = offset
        self.rotations = rotations
        self.truncations = truncations
        self.waiting = waiting
        self.problem = problem
    }
}

/// The follower's counters, summed over every input since it started. All of them only grow except
/// `pendingUnauthorized` and `bruteForceClients` (gauges).
///
/// For each path, a one-shot `LogScan.scan` of all bytes read from it (rotated files one after another,
/// as one input) gives the same `lines`, `malformed`, `requests`, `unauthorized`, `handshakes`,
/// `failures + pendingUnauthorized`, `errorLines` and error-event counts, as long as the bytes end with
/// a newline (a last line without one waits for it) and open 401s were settled only by the log's own
/// clock or once the input was quiet for good (see `LogFollowOptions.settleAfter`).
public struct LogFollowCounts: Sendable, Equatable {
    /// Non-blank access-log lines read (`LogSummary.lines`).
    public var lines: Int
    /// Access-log lines that did not parse (`LogSummary.malformed`).
    public var malformed: Int
    /// Parsed requests by status; the sum is `LogSummary.requests`.
    public var requestsByStatus: [Int: Int]
    /// 401 responses, handshakes included (`LogSummary.unauthorized`, `requestsByStatus[401]`).
    public var unauthorized: Int
    /// 401s answered by a 2xx from the same client and path within the handshake window.
    public var handshakes: Int
    /// Failed 401s already settled (monotonic): no 2xx can pair them any more.
    public var failures: Int
    /// 401s still open (a 2xx may still pair them); `failures + pendingUnauthorized` is `LogSummary.failures`.
    public var pendingUnauthorized: Int
    /// Error-log lines read (`LogSummary.errorLines`).
    public var errorLines: Int
    /// Error-log events by cause: the per-cause sum of `LogSummary.errorEvents[].count`.
    public var errorEventsByCause: [ErrorEvent.Cause: Int]
    /// Gauge: clients with at least `bruteForcePeak` 401s that were not answered as handshakes, within the
    /// last `burstWindow` seconds of an input's log time (distinct clients over all inputs).
    public var bruteForceClients: Int
    /// Every input, in the order given (access paths, then error paths).
    public var inputs: [FollowedInput]

    public init(
        lines: Int = 0, malformed: Int = 0, requestsByStatus: [Int: Int] = [:], unauthorized: Int = 0,
        handshakes: Int = 0, failures: Int = 0, pendingUnauthorized: Int = 0, errorLines: Int = 0,
        errorEventsByCause: [ErrorEvent.Cause: Int] = [:], bruteForceClients: Int = 0, inputs: [FollowedInput] = []
    ) {
        self.lines = lines
        self.malformed = malformed
        self.requestsByStatus = requestsByStatus
        self.unauthorized = unauthorized
        self.handshakes = handshakes
        self.failures = failures
        self.pendingUnauthorized = pendingUnauthorized
        self.errorLines = errorLines
        self.errorEventsByCause = errorEventsByCause
        self.bruteForceClients = bruteForceClients
        self.inputs = inputs
    }
}

/// Follows access and error logs as they grow (`tail -F` style) and keeps counters over them.
///
/// - Each path is one stream across rotations. Rename rotation (the path names another file): the old
///   file is read to its end, then the new one from offset 0 (`rotations`). While the path is missing,
///   the old file is still read (a server writes there until it reopens its logs) and closed once it
///   was quiet for `settleAfter`. Copytruncate (same file, now shorter than the offset read): read
///   again from 0 (`truncations`). A path that does not exist is `waiting` and read from 0 when it
///   appears; a directory or an unreadable path gets a `problem` and is polled again.
/// - Only complete lines (ending in `\n`) are consumed; a partial last line waits for its newline. Bytes
///   carried over a rotation stay in the stream: the stream is exactly the concatenation of what was read.
/// - The format is detected once per path from its first bytes, as soon as they hold a complete non-blank
///   line (`InputPlanner.detect`, up to 64 KiB, so at most the lines already there), and kept across
///   rotations. An access path whose content is an error log is followed as one (and the other way round).
/// - Pairing follows `Aggregate` exactly within one path's stream: a 2xx at `T` from a client and path
///   pairs every open 401 of that pair with `t <= T` and `T - t <= handshakeWindow`; open 401s settle as
///   failures in arrival order once the newest time passes `t + handshakeWindow + Aggregate.disorder`,
///   and all of them once the input had no new line for `settleAfter` wall-clock seconds (a 2xx logged
///   after that cannot pair them any more: the one place the counts may differ from a one-shot scan).
/// - Error lines go through `ErrorConsumer`: an event counts when confirmed or when its file is a user
///   file (`userFiles`, or named by any followed error log); groups that count are folded into
///   per-cause totals after every poll, so only unconfirmed groups are held (at most 4096 per input).
/// - Memory is bounded whatever the run time: per stream, the open 401s of the last
///   `handshakeWindow + Aggregate.disorder` seconds and the unanswered 401s of the last `burstWindow`
///   seconds, nothing per client, path or user ever seen.
///
/// `poll(now:)` runs on one thread at a time (calls are serialized); `snapshot()` may be called from any
/// thread at any time and returns the counts as of the last poll (or of the last 16 MiB read in it).
public final class LogFollower: @unchecked Sendable {
    private let options: LogFollowOptions
    private let streams: [FollowedStream]
    private let pollLock = NSLockLite()
    private let lock = NSLockLite()
    /// Guarded by `lock`.
    private var published: LogFollowCounts
    // Guarded by `pollLock`:
    private var userFiles: Set<String>
    private var errorTotals: [ErrorEvent.Cause: Int] = [:]
    private var now: Double = 0

    /// Throws `LogScanError` for a bad `logFormat`, and for a path that cannot be followed (`-`, `.gz`).
    public init(_ options: LogFollowOptions) throws {
        for path in options.accessPaths + options.errorPaths {
            if path == "-" { throw LogScanError("cannot follow stdin (-): name the log file") }
            if path.hasSuffix(".gz") {
                throw LogScanError("\(path): a .gz file does not grow and cannot be followed; scan it without --follow")
            }
        }
        let custom = try options.logFormat.map { try CustomFormat($0) }
        self.options = options
        streams =
            options.accessPaths.map { FollowedStream(path: $0, wantError: false, options: options, custom: custom) }
            + options.errorPaths.map { FollowedStream(path: $0, wantError: true, options: options, custom: custom) }
        userFiles = Set(options.userFiles)
        published = LogFollowCounts(inputs: streams.map(\.input))
    }

    /// Reads everything new in every input, then settles the open 401s of inputs quiet for `settleAfter`.
    /// `now` is the wall clock in seconds (any epoch, only differences matter), injected for tests.
    public func poll(now: Double) {
        pollLock.lock()
        defer { pollLock.unlock() }
        self.now = now
        for stream in streams {
            stream.poll(now: now) { [self] in publish() }
        }
        publish()
    }

    /// The counts as of the last poll (or its last 16 MiB).
    public func snapshot() -> LogFollowCounts {
        lock.lock()
        defer { lock.unlock() }
        return published
    }

    /// Internal (tests): entries held in every per-stream table (open 401s, their index, recent 401s per
    /// client, unconfirmed error groups): what must stay bounded.
    var stateSize: Int {
        pollLock.lock()
        defer { pollLock.unlock() }
        return streams.reduce(0) { $0 + $1.stateSize }
    }

    /// Folds error groups that count and makes the counts visible to `snapshot()`. Called with `pollLock` held.
    private func publish() {
        for stream in streams { stream.takeUserFiles(into: &userFiles) }
        for stream in streams { stream.foldErrorEvents(userFiles: userFiles, into: &errorTotals) }
        var counts = LogFollowCounts(errorEventsByCause: errorTotals)
        var flagged = Set<[UInt8]>()
        for stream in streams {
            counts.inputs.append(stream.input)
            if let access = stream.access {
                counts.lines += access.lines
                counts.malformed += access.malformed
                counts.requestsByStatus.merge(access.byStatus, uniquingKeysWith: +)
                counts.unauthorized += access.unauthorized
                counts.handshakes += access.pairing.handshakes
                counts.failures += access.pairing.failures
                counts.pendingUnauthorized += access.pairing.open
                let idle = stream.lastLineAt.map { Int64(max(0, now - $0)) } ?? 0
                access.pairing.burst.flagged(end: access.pairing.watermark &+ idle, into: &flagged)
            }
            if let errors = stream.errors { counts.errorLines += errors.lines }
        }
        counts.bruteForceClients = flagged.count
        lock.lock()
        published = counts
        lock.unlock()
    }
}
