#if DEBUG
    import Evidence

    @testable import LogScan

    #if canImport(Glibc)
        import Glibc
    #endif

    /// `access-combined`, `access-json`, `access-custom`, `logscan-chunks`, `error-log`: the in-place line
    /// parsers (each line in a buffer of its own exact size, so the address sanitizer sees any read past
    /// its end), the consumers that turn lines into figures, and the chunked scan.
    enum LogTargets {
        // MARK: access logs

        static func accessCombined(_ data: [UInt8]) {
            for line in data.lines {
                withExactCopy(line) { p, n in
                    for vhost in [false, true] {
                        var cache = CLFTimeCache()
                        var fields = AccessFields()
                        if CombinedParser.parse(p, n, vhost: vhost, cache: &cache, into: &fields) {
                            checkFields(&fields, p, n, agent: CombinedParser.agent)
                        }
                        _ = CombinedParser.hasAgent(p, n, vhost: vhost)
                    }
                }
            }
            var input = PlannedInput(record: LogInput(path: "fuzz.log", kind: .access, format: "unknown"))
            InputPlanner.detect(&input, head: data, custom: nil)
            summarize(data, format: .combined(vhost: false))
            summarize(data, format: .combined(vhost: true))
        }

        static func accessJSON(_ data: [UInt8]) {
            var parser = JSONLineParser()
            defer { parser.release() }
            for line in data.lines {
                withExactCopy(line) { p, n in
                    var cache = CLFTimeCache()
                    var fields = AccessFields()
                    // Decoded strings live in the parser's scratch buffer, not in the line.
                    if parser.parse(p, n, cache: &cache, into: &fields) {
                        checkStatus(fields.status)
                    }
                }
            }
            summarize(data, format: .json)
        }

        /// The first line is an Apache `LogFormat` string, the rest are lines in that format.
        static func accessCustom(_ data: [UInt8]) {
            let newline = data.firstIndex(of: 0x0A) ?? data.count
            guard let format = try? CustomFormat(String(decoding: data[..<newline], as: UTF8.self)) else { return }
            let lines = Array(data[min(newline + 1, data.count)...])
            for line in lines.lines {
                withExactCopy(line) { p, n in
                    var cache = CLFTimeCache()
                    var fields = AccessFields()
                    if format.parse(p, n, cache: &cache, into: &fields) {
                        checkFields(&fields, p, n, agent: { $0.agent })
                    }
                }
            }
            var input = PlannedInput(record: LogInput(path: "fuzz.log", kind: .access, format: "unknown"))
            InputPlanner.detect(&input, head: lines, custom: format)
            summarize(lines, format: .custom(format))
        }

        /// Each byte run a parser hands out lies inside the line; the status is a real one.
        static func checkFields(
            _ fields: inout AccessFields, _ p: UnsafePointer<UInt8>, _ n: Int,
            agent: (inout AccessFields) -> ByteRun?
        ) {
            checkStatus(fields.status)
            checkRun(fields.client, p, n, "client")
            if let user = fields.user { checkRun(user, p, n, "user") }
            if let request = fields.request { checkRun(request, p, n, "request") }
            if let rest = fields.rest { checkRun(rest, p, n, "rest") }
            if let path = fields.requestPath() { checkRun(path, p, n, "path") }
            if let run = agent(&fields) { checkRun(run, p, n, "agent") }
        }

        static func checkStatus(_ status: Int) {
            FuzzCheck.require(status >= 100 && status <= 599, "status \(status) is not an HTTP status")
        }

        static func checkRun(_ run: ByteRun, _ p: UnsafePointer<UInt8>, _ n: Int, _ what: String) {
            let start = run.base - p
            FuzzCheck.require(
                run.count >= 0 && start >= 0 && start + run.count <= n,
                "\(what) run \(start)..<\(start + run.count) outside the line of \(n) bytes")
        }

        /// The figures of the whole input read as one access log, as one worker of the scan makes them,
        /// and what they must satisfy whatever the lines hold.
        @discardableResult
        static func summarize(_ data: [UInt8], format: AccessFormat) -> LogSummary {
            let options = LogScanOptions(threads: 1)
            var consumer = AccessConsumer(agg: options.aggregate(), format: format, since: nil, until: nil)
            var source = MemorySource(bytes: data)
            LineSplitter.run(&source, blockSize: 4096, skipFirst: false, limit: nil, into: &consumer)
            consumer.json.release()
            var global = options.aggregate()
            global.absorb(
                consumer.agg,
                unit: WorkUnit(
                    input: 0, start: 0, end: Int64(data.count), firstOfInput: true, lastOfInput: true, stream: false))
            var summary = LogSummary(handshakeWindow: options.handshakeWindow)
            global.summarize(into: &summary, burstWindow: options.burstWindow, threads: 1)
            checkSummary(summary)
            return summary
        }

        static func checkSummary(_ s: LogSummary) {
            FuzzCheck.require(s.lines == s.requests + s.malformed, "lines \(s.lines) ≠ requests + malformed")
            FuzzCheck.require(
                s.handshakes >= 0 && s.handshakes <= s.unauthorized, "handshakes \(s.handshakes) > 401s")
            FuzzCheck.require(s.unauthorized + s.successes <= s.requests, "more 401s and successes than requests")
            FuzzCheck.require(s.malformedSamples.count <= LogSummary.sampleLimit, "too many malformed samples")
            FuzzCheck.require(
                s.timeline.reduce(0) { $0 + $1.requests } == s.requests, "the timeline does not add up to requests")
            FuzzCheck.require(
                s.timeline.reduce(0) { $0 + $1.failures } == s.failures, "the timeline does not add up to failures")
            FuzzCheck.require(
                s.clients.reduce(0) { $0 + $1.failures } == s.failures, "client records do not add up to failures")
            for list in [s.topPaths, s.topClients, s.topUsers, s.topUserAgents] {
                FuzzCheck.require(list.count <= LogSummary.topLimit, "a top list is longer than its limit")
            }
            if let first = s.first, let last = s.last { FuzzCheck.require(first <= last, "first after last") }
        }

        // MARK: logscan-chunks

        /// Differential: the figures of an input scanned in one piece equal those of the same input cut
        /// into many small chunks (on one or two threads, with take-overs), as `LogScan.scan` reads a file —
        /// for logs within the scan's documented disorder bound (`inOrderEnough`); others are scanned both
        /// ways too, for crashes, but not compared.
        static func chunks(_ data: [UInt8]) {
            guard data.count <= 16 * 1024, TempFile.write(data) else { return }
            defer { TempFile.remove() }
            let hash = data.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
            func scan(threads: Int, chunk: Int) -> LogSummary? {
                var options = LogScanOptions(accessPaths: [TempFile.path], threads: threads)
                options.chunkSize = chunk
                options.blockSize = 1024
                return try? LogScan.scan(options)
            }
            guard let whole = scan(threads: 1, chunk: 0) else { return }
            let chunk = data.count <= 512 ? 1 + Int(hash % 16) : 16 + Int(hash % 241)
            let threads = hash & 0x100 == 0 ? 1 : 2
            guard let cut = scan(threads: threads, chunk: chunk), inOrderEnough(data) else { return }
            FuzzCheck.require(
                cut == whole,
                """
                figures differ when cut into \(chunk)-byte chunks on \(threads) thread(s): \
                \(differences(whole, cut).joined(separator: "; "))
                """)
        }

        /// Whether no access line is `Aggregate.disorder` seconds or more older than a line before it: the
        /// scan pairs and settles 401s on that assumption (a 401 is settled as a failure once the clock has
        /// passed it by `window + disorder`), so beyond it the figures may depend on where chunks start.
        static func inOrderEnough(_ data: [UInt8]) -> Bool {
            var input = PlannedInput(record: LogInput(path: TempFile.path, kind: .access, format: "unknown"))
            InputPlanner.detect(&input, head: data, custom: nil)
            guard let format = input.access else { return true }
            var parser = JSONLineParser()
            defer { parser.release() }
            var cache = CLFTimeCache()
            var newest = Int64.min
            var inOrder = true
            for line in data.lines where inOrder {
                withExactCopy(line) { p, n in
                    var fields = AccessFields()
                    let parsed: Bool
                    switch format {
                    case .combined(let vhost):
                        parsed = CombinedParser.parse(p, n, vhost: vhost, cache: &cache, into: &fields)
                    case .json: parsed = parser.parse(p, n, cache: &cache, into: &fields)
                    case .custom(let custom): parsed = custom.parse(p, n, cache: &cache, into: &fields)
                    }
                    guard parsed else { return }
                    if newest != .min && newest - fields.time >= Aggregate.disorder { inOrder = false }
                    newest = max(newest, fields.time)
                }
            }
            return inOrder
        }

        /// `name: one piece → cut` for each property of the summaries that differs.
        static func differences(_ whole: LogSummary, _ cut: LogSummary) -> [String] {
            zip(Mirror(reflecting: whole).children, Mirror(reflecting: cut).children).compactMap { a, b in
                let (x, y) = (String(describing: a.value), String(describing: b.value))
                return x == y ? nil : "\(a.label ?? "?"): \(x.prefix(300)) → \(y.prefix(300))"
            }
        }

        // MARK: error-log

        /// Apache and nginx error-log lines: each line through both parsers, and the whole input
        /// through the consumer that groups records into events.
        static func errorLog(_ data: [UInt8]) {
            for line in data.lines {
                let text = String(decoding: line, as: UTF8.self)
                _ = ErrorLogParser.flavor(of: Substring(text))
                withExactCopy(line) { p, n in _ = ErrorLogParser.flavor(of: UnsafeBufferPointer(start: p, count: n)) }
                for flavor in [ErrorLogParser.Flavor.apache, .nginx] {
                    if let match = ErrorLogParser.parse(text, flavor: flavor) { _ = match.hashValue }
                }
            }
            var consumer = ErrorConsumer(path: "error.log", since: nil, until: nil)
            var source = MemorySource(bytes: data)
            LineSplitter.run(&source, blockSize: 4096, skipFirst: false, limit: nil, into: &consumer)
            FuzzCheck.require(consumer.confirmed.count == consumer.events.count, "events and confirmations differ")
            FuzzCheck.require(
                consumer.events.reduce(0) { $0 + $1.count } <= consumer.lines, "more events than lines")
            for event in consumer.events {
                FuzzCheck.require(
                    event.firstLine.line >= 1 && event.firstLine.line <= consumer.physical,
                    "event line \(event.firstLine.line) outside the input")
                _ = LogSecretMasking.masked(event)
            }
        }

        // MARK: helpers

        /// `body` gets the line in an allocation of exactly its size (none for an empty line).
        static func withExactCopy(_ line: ArraySlice<UInt8>, _ body: (UnsafePointer<UInt8>, Int) -> Void) {
            var bytes = line
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
            guard !bytes.isEmpty else { return }
            let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
            defer { copy.deallocate() }
            _ = UnsafeMutableBufferPointer(start: copy, count: bytes.count).initialize(from: bytes)
            body(UnsafePointer(copy), bytes.count)
        }
    }

    /// The input as a `ByteSource`, read in pieces as a file is.
    struct MemorySource: ByteSource {
        var bytes: [UInt8]
        var offset = 0
        var problem: String? { nil }

        mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
            let n = min(count, bytes.count - offset)
            guard n > 0 else { return 0 }
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            offset += n
            return n
        }
    }

    /// The one file `logscan-chunks` writes: on /dev/shm, named after the process, removed after each input
    /// (not at exit: libFuzzer's crash, timeout and child processes end without running `atexit` handlers).
    enum TempFile {
        static let path = "/dev/shm/why401-fuzz-\(getpid()).log"

        static func write(_ data: [UInt8]) -> Bool {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var written = 0
            while written < data.count {
                let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, data.count - written) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                written += n
            }
            return true
        }

        static func remove() { unlink(path) }
    }
#endif
