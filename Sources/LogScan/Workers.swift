import Dispatch
import Evidence

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Parses access-log lines into an `Aggregate`.
struct AccessConsumer: LineConsumer {
    var agg: Aggregate
    let format: AccessFormat
    let since: Int64?
    let until: Int64?
    var cache = CLFTimeCache()
    var json = JSONLineParser()
    var fields = AccessFields()

    init(agg: Aggregate, format: AccessFormat, since: Int64?, until: Int64?) {
        self.agg = agg
        self.format = format
        self.since = since
        self.until = until
    }

    /// Combined lines start with the client address (after the virtual host for vhost_combined): its
    /// slot in the client table is loaded while the line before is parsed.
    @inline(__always)
    mutating func lookAhead(_ p: UnsafePointer<UInt8>, _ available: Int) {
        guard case .combined(let vhost) = format else { return }
        let n = min(available, 96)
        var i = 0
        if vhost {
            guard let sp = Scan.findNear(p, 0, n, 0x20) else { return }
            i = sp + 1
        }
        guard let end = Scan.findNear(p, i, n, 0x20), end > i else { return }
        agg.clients.prefetch(p + i, end - i)
    }

    @inline(__always)
    mutating func line(_ p: UnsafePointer<UInt8>, _ n: Int) {
        agg.physicalLines += 1
        if n == 0 { return }
        agg.lines += 1
        let ok: Bool
        switch format {
        case .combined(let vhost): ok = CombinedParser.parse(p, n, vhost: vhost, cache: &cache, into: &fields)
        case .json: ok = json.parse(p, n, cache: &cache, into: &fields)
        case .custom(let custom): ok = custom.parse(p, n, cache: &cache, into: &fields)
        }
        if fields.forwarded {
            // set by the combined parser only for a line that starts with an X-Forwarded-For list
            fields.forwarded = false
            if ok { agg.forwardedLines += 1 }
        }
        guard ok else {
            agg.noteMalformed(line: agg.physicalLines)
            return
        }
        if let since, fields.time < since { return }
        if let until, fields.time >= until { return }
        agg.add(&fields, agentOf: CombinedParser.agent)
    }

    mutating func tooLong() {
        agg.physicalLines += 1
        agg.lines += 1
        agg.noteMalformed(line: agg.physicalLines)
    }
}

/// Maps error-log records to grouped `ErrorEvent`s.
///
/// The format is decided per line, not per file: a line that parses as an Apache or nginx error line
/// starts a record, wherever it is; a line that does not (PHP-FPM's `FastCGI sent in stderr: "PHP
/// message: …` continues on lines without a date, a stack trace, a comment) belongs to the record
/// before it, and lines before the first record belong to none. A record is judged by its first
/// line — every authentication message of both servers is one line — so text that a continuation line
/// quotes (PHP output can print anything) is never taken for a message of the server's own.
struct ErrorConsumer: LineConsumer {
    let path: String
    let since: Int64?
    let until: Int64?
    var lines = 0
    var physical = 0
    /// Records started by an Apache / an nginx error line.
    var apacheRecords = 0
    var nginxRecords = 0
    /// Lines that continue the record before them, and lines before the first record.
    var continuationLines = 0
    var strayLines = 0
    var events: [ErrorEvent] = []
    /// Per event: false while every line of it was a tentative nginx `open()` (see `ErrorLogParser.Match.tentative`).
    var confirmed: [Bool] = []
    /// User files the log itself names (`was not found in "FILE"`, `Could not open password file: FILE`).
    var userFiles: Set<String> = []
    /// Events by what groups them: the match without its reason text, time and tentativeness.
    var index: [ErrorLogParser.Match: Int] = [:]

    init(path: String, since: Int64?, until: Int64?) {
        self.path = path
        self.since = since
        self.until = until
    }

    /// The flavour most records had, or nil when no line was an error-log line.
    var flavor: ErrorLogParser.Flavor? {
        apacheRecords + nginxRecords == 0 ? nil : (nginxRecords > apacheRecords ? .nginx : .apache)
    }

    mutating func line(_ p: UnsafePointer<UInt8>, _ n: Int) {
        physical += 1
        if n == 0 { return }
        lines += 1
        guard let flavor = ErrorLogParser.flavor(of: UnsafeBufferPointer(start: p, count: n)) else {
            if apacheRecords + nginxRecords > 0 { continuationLines += 1 } else { strayLines += 1 }
            return
        }
        if flavor == .apache { apacheRecords += 1 } else { nginxRecords += 1 }
        let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        guard let m = ErrorLogParser.parse(text, flavor: flavor) else { return }
        if let file = m.file, !m.tentative, m.cause == .userNotFound || m.cause == .authfileUnreadable {
            userFiles.insert(file)
        }
        if let t = m.time {
            if let since, t < since { return }
            if let until, t >= until { return }
        }
        var key = m
        key.reason = nil
        key.time = nil
        key.tentative = false
        if let i = index[key] {
            events[i].count += 1
            if !m.tentative { confirmed[i] = true }
            if let t = m.time {
                events[i].first = min(events[i].first ?? t, t)
                events[i].last = max(events[i].last ?? t, t)
            }
        } else {
            index[key] = events.count
            confirmed.append(!m.tentative)
            events.append(
                ErrorEvent(
                    cause: m.cause, server: m.server, code: m.code, user: m.user, path: m.path, file: m.file,
                    reason: m.reason, count: 1, first: m.time, last: m.time,
                    firstLine: LineReference(path: path, line: physical)))
        }
    }

    mutating func tooLong() {
        physical += 1
        lines += 1
        if apacheRecords + nginxRecords > 0 { continuationLines += 1 } else { strayLines += 1 }
    }
}

/// A piece of work: a byte range of a plain file, or a whole stream (gzip, stdin).
struct WorkUnit {
    var input: Int
    var start: Int64
    var end: Int64
    var firstOfInput: Bool
    var lastOfInput: Bool
    var stream: Bool
    /// The scan has this one access input: `Aggregate.boundedPeak`.
    var boundedPeak = false
}

struct UnitResult {
    var agg: Aggregate
    var problem: String?
}

/// The units of a scan in input order, handed to workers as they ask; when none is left, an idle
/// worker takes over the second half of the file chunk with the most bytes still unread.
///
/// Chunks are cut once per core, so a core that runs slower (another process, a busier sibling)
/// would otherwise leave the other idle at the end. Each take-over adds one unit to merge (a few
/// milliseconds), so only chunks with at least `2 × minimumSplit` bytes left are split.
final class WorkQueue: @unchecked Sendable {
    final class Entry {
        var unit: WorkUnit
        var started = false
        var bounds: ChunkBounds?
        var result: UnitResult?
        init(_ unit: WorkUnit) { self.unit = unit }
    }

    private let lock = NSLockLite()
    private var entries: [Entry]
    let minimumSplit: Int64

    init(units: [WorkUnit], minimumSplit: Int64) {
        entries = units.map(Entry.init)
        self.minimumSplit = minimumSplit
    }

    /// The next unit to run, or nil when every unit is running or done and none can be split.
    func take() -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        if let entry = entries.first(where: { !$0.started }) {
            entry.started = true
            if !entry.unit.stream { entry.bounds = ChunkBounds(start: entry.unit.start, end: entry.unit.end) }
            return entry
        }
        // the running chunk with the most bytes left, if it is worth splitting
        var best: (index: Int, left: Int64)?
        for (i, entry) in entries.enumerated() where entry.result == nil {
            guard let bounds = entry.bounds else { continue }
            let left = bounds.remaining
            if left > (best?.left ?? 0) { best = (i, left) }
        }
        guard let best, let bounds = entries[best.index].bounds, let (start, end) = bounds.split(minimum: minimumSplit)
        else {
            return nil
        }
        let victim = entries[best.index]
        var unit = victim.unit
        unit.start = start
        unit.end = end
        unit.firstOfInput = false
        victim.unit.end = start
        victim.unit.lastOfInput = false
        let entry = Entry(unit)
        entry.started = true
        entry.bounds = ChunkBounds(start: start, end: end)
        entries.insert(entry, at: best.index + 1)
        return entry
    }

    func finish(_ entry: Entry, _ result: UnitResult) {
        lock.lock()
        entry.result = result
        lock.unlock()
    }

    /// Every unit with its result, in input order (call after all workers are done).
    var finished: [(WorkUnit, UnitResult)] {
        lock.lock()
        defer { lock.unlock() }
        return entries.map { ($0.unit, $0.result!) }
    }
}

enum Workers {
    /// `inflateAhead`: a `.gz` is inflated on a thread of its own while this one parses (`InflatePipe`);
    /// worth it when there is a second core.
    static func runUnit(
        _ unit: WorkUnit, bounds: ChunkBounds?, input: PlannedInput, options: LogScanOptions, blockSize: Int,
        counter: ProgressCounter, inflateAhead: Bool = false
    ) -> UnitResult {
        var agg = options.aggregate()
        agg.boundedPeak = unit.boundedPeak
        agg.recordHead = !unit.firstOfInput
        var consumer = AccessConsumer(
            agg: agg, format: input.access ?? .combined(vhost: false), since: options.since, until: options.until)
        var problem: String?
        if unit.stream {
            let inner = StreamSource(fd: input.fd, prefix: input.stdinPrefix, counter: counter)
            if input.isStdin {
                problem = readStream(
                    inner, gzip: input.record.gzip, blockSize: blockSize, inflateAhead: inflateAhead, into: &consumer)
            } else {
                let file = FileRangeSource(fd: input.fd, offset: 0, end: nil, counter: counter)
                problem = readStream(
                    file, gzip: input.record.gzip, blockSize: blockSize, inflateAhead: inflateAhead, into: &consumer)
            }
        } else {
            let skip = unit.start > 0
            let origin = skip ? unit.start - 1 : 0
            var source = FileRangeSource(
                fd: input.fd, offset: origin, end: unit.end, counter: counter, countFrom: unit.start, bounds: bounds,
                origin: origin)
            LineSplitter.run(&source, blockSize: blockSize, skipFirst: skip, limit: unit.end - origin, into: &consumer)
            problem = source.problem
        }
        consumer.json.release()
        return UnitResult(agg: consumer.agg, problem: problem)
    }

    static func readStream<S: ByteSource, C: LineConsumer>(
        _ source: S, gzip: Bool, blockSize: Int, inflateAhead: Bool = false, into consumer: inout C
    ) -> String? {
        if gzip && inflateAhead {
            let pipe = InflatePipe(source)
            var reader = PipeSource(pipe)
            LineSplitter.run(&reader, blockSize: blockSize, skipFirst: false, limit: nil, into: &consumer)
            pipe.cancel()
            return pipe.problem
        }
        if gzip {
            var g = GzipSource(source)
            LineSplitter.run(&g, blockSize: blockSize, skipFirst: false, limit: nil, into: &consumer)
            let problem = g.problem
            g.close()
            return problem
        }
        var s = source
        LineSplitter.run(&s, blockSize: blockSize, skipFirst: false, limit: nil, into: &consumer)
        return s.problem
    }

    /// Runs all units on `threads` threads (splitting chunks late to keep the threads busy); reports
    /// progress from the calling thread. Returns the units as finally cut, in input order, with results.
    static func run(
        units: [WorkUnit], inputs: [PlannedInput], options: LogScanOptions, threads: Int, blockSize: Int,
        totalBytes: Int64?, progress: (@Sendable (Int64, Int64?) -> Void)?
    ) -> [(WorkUnit, UnitResult)] {
        // tests shrink chunks (and take-overs) to a few hundred bytes; otherwise 16 MiB
        let configured = options.splitMinimum > 0 ? options.splitMinimum : options.chunkSize
        let minimumSplit = configured > 0 ? Int64(configured) : LogScan.minimumSplit
        let queue = WorkQueue(units: units, minimumSplit: threads > 1 ? minimumSplit : .max)
        let counter = ProgressCounter()
        let group = DispatchGroup()
        let workerCount = max(1, min(threads, max(units.count, units.contains { !$0.stream } ? threads : 1)))
        let opts = options
        for _ in 0..<workerCount {
            group.enter()
            Thread.detach {
                while let entry = queue.take() {
                    let unit = entry.unit
                    let result = runUnit(
                        unit, bounds: entry.bounds, input: inputs[unit.input], options: opts, blockSize: blockSize,
                        counter: counter, inflateAhead: threads > 1)
                    queue.finish(entry, result)
                }
                group.leave()
            }
        }
        if let progress {
            while group.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
                progress(counter.total, totalBytes)
            }
            progress(counter.total, totalBytes)
        } else {
            group.wait()
        }
        return queue.finished
    }
}

/// A joinable-free pthread with a large stack (parsers recurse little, but Dispatch's pool may be
/// capped below the requested thread count).
enum Thread {
    final class Body: @unchecked Sendable {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    static func detach(_ body: @escaping @Sendable () -> Void) {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, 8 << 20)
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(
            &tid, &attr,
            { arg in
                let b = Unmanaged<Thread.Body>.fromOpaque(arg!).takeRetainedValue()
                b.run()
                return nil
            }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 {
            // could not start a thread: run inline
            Unmanaged<Body>.fromOpaque(box).takeRetainedValue().run()
        }
    }
}
