#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Dispatch
import Evidence

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

/// Maps error-log lines to grouped `ErrorEvent`s.
struct ErrorConsumer: LineConsumer {
    struct Key: Hashable {
        var cause: ErrorEvent.Cause
        var server: String
        var code: String?
        var user: String?
        var path: String?
        var file: String?
    }

    let path: String
    let flavor: ErrorLogParser.Flavor
    let since: Int64?
    let until: Int64?
    var lines = 0
    var physical = 0
    var events: [ErrorEvent] = []
    var index: [Key: Int] = [:]

    mutating func line(_ p: UnsafePointer<UInt8>, _ n: Int) {
        physical += 1
        if n == 0 { return }
        lines += 1
        let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        guard let m = ErrorLogParser.parse(text, flavor: flavor) else { return }
        if let t = m.time {
            if let since, t < since { return }
            if let until, t >= until { return }
        }
        let key = Key(cause: m.cause, server: m.server, code: m.code, user: m.user, path: m.path, file: m.file)
        if let i = index[key] {
            events[i].count += 1
            if let t = m.time {
                events[i].first = min(events[i].first ?? t, t)
                events[i].last = max(events[i].last ?? t, t)
            }
        } else {
            index[key] = events.count
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

final class ResultBox: @unchecked Sendable {
    let lock = NSLockLite()
    var results: [UnitResult?]
    var next = 0
    init(count: Int) { results = Array(repeating: nil, count: count) }

    func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < results.count else { return nil }
        next += 1
        return next - 1
    }

    func store(_ r: UnitResult, at i: Int) {
        lock.lock()
        results[i] = r
        lock.unlock()
    }
}

enum Workers {
    static func runUnit(
        _ unit: WorkUnit, input: PlannedInput, options: LogScanOptions, blockSize: Int, counter: ProgressCounter
    ) -> UnitResult {
        var agg = options.aggregate()
        agg.boundedPeak = unit.boundedPeak
        agg.recordHead = !unit.firstOfInput
        var consumer = AccessConsumer(agg: agg, format: input.access ?? .combined(vhost: false), since: options.since, until: options.until)
        var problem: String?
        if unit.stream {
            let inner = StreamSource(fd: input.fd, prefix: input.stdinPrefix, counter: counter)
            if input.isStdin {
                problem = readStream(inner, gzip: input.record.gzip, blockSize: blockSize, into: &consumer)
            } else {
                let file = FileRangeSource(fd: input.fd, offset: 0, end: nil, counter: counter)
                problem = readStream(file, gzip: input.record.gzip, blockSize: blockSize, into: &consumer)
            }
        } else {
            let skip = unit.start > 0
            var source = FileRangeSource(fd: input.fd, offset: skip ? unit.start - 1 : 0, end: unit.end, counter: counter, countFrom: unit.start)
            let limit = unit.end - (skip ? unit.start - 1 : 0)
            LineSplitter.run(&source, blockSize: blockSize, skipFirst: skip, limit: limit, into: &consumer)
            problem = source.problem
        }
        consumer.json.release()
        return UnitResult(agg: consumer.agg, problem: problem)
    }

    static func readStream<S: ByteSource, C: LineConsumer>(_ source: S, gzip: Bool, blockSize: Int, into consumer: inout C) -> String? {
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

    /// Runs all units on `threads` threads; reports progress from the calling thread.
    static func run(
        units: [WorkUnit], inputs: [PlannedInput], options: LogScanOptions, threads: Int, blockSize: Int,
        totalBytes: Int64?, progress: (@Sendable (Int64, Int64?) -> Void)?
    ) -> [UnitResult] {
        let box = ResultBox(count: units.count)
        let counter = ProgressCounter()
        let group = DispatchGroup()
        let workerCount = max(1, min(threads, units.count))
        let opts = options
        for _ in 0..<workerCount {
            group.enter()
            Thread.detach {
                while let i = box.take() {
                    let unit = units[i]
                    box.store(runUnit(unit, input: inputs[unit.input], options: opts, blockSize: blockSize, counter: counter), at: i)
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
        return box.results.map { $0! }
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
        let rc = pthread_create(&tid, &attr, { arg in
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
