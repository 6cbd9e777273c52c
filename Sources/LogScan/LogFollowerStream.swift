import Evidence

// One followed path of `LogFollower`: the file it names now, rotation and truncation, complete lines,
// format detection, and the consumer its lines go to.
#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

final class FollowedStream {
    static let readSize = 256 << 10
    /// Counts are published after this many bytes within one poll (a long backlog).
    static let publishEvery = 16 << 20
    /// Unconfirmed error groups held per stream at most (the oldest are dropped beyond).
    static let heldGroupLimit = 4096

    let path: String
    let wantError: Bool
    let options: LogFollowOptions
    let custom: CustomFormat?
    private(set) var input: FollowedInput
    private(set) var access: FollowAccessConsumer?
    private(set) var errors: ErrorConsumer?
    /// Wall-clock time of the last poll that consumed a complete line.
    private(set) var lastLineAt: Double?

    private var fd: Int32 = -1
    private var device: UInt64 = 0
    private var inode: UInt64 = 0
    /// A file was opened once: the next one is a rotation.
    private var opened = false
    /// Wall-clock time bytes were last read (to let go of a deleted file that stopped growing).
    private var lastByteAt: Double = 0
    /// Bytes read and not consumed yet: a partial last line, or everything before the format is known.
    private var pending: [UInt8] = []
    /// Dropping the rest of a line longer than `options.blockSize`.
    private var skipping = false
    private var detected = false
    /// Set when the content cannot be followed (binary, compressed): nothing is read until another file.
    private var blocked: String?
    /// The errno-style problem of the last poll.
    private var ioProblem: String?
    private var accessFormat = "unknown"
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: FollowedStream.readSize, alignment: 16)

    init(path: String, wantError: Bool, options: LogFollowOptions, custom: CustomFormat?) {
        self.path = path
        self.wantError = wantError
        self.options = options
        self.custom = custom
        input = FollowedInput(path: path, kind: wantError ? .error : .access)
    }

    deinit {
        if fd >= 0 { close(fd) }
        access?.json?.release()
        buffer.deallocate()
    }

    var stateSize: Int { (access?.pairing.stateSize ?? 0) + (errors?.events.count ?? 0) }

    // MARK: polling

    /// Reads what is new (following a rotation or truncation), then settles open 401s when quiet.
    func poll(now: Double, publish: () -> Void) {
        defer { finishPoll(now: now) }
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                input.waiting = true
                ioProblem = nil
                // the server may still write to the renamed or deleted file until it reopens its logs
                if fd >= 0 {
                    read(upTo: nil, now: now, publish: publish)
                    if now - lastByteAt >= options.settleAfter { closeFile() }
                }
            } else {
                ioProblem = "cannot read: \(errnoText(code))"
                if fd >= 0 { read(upTo: nil, now: now, publish: publish) }
            }
            return
        }
        input.waiting = false
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG else {
            if fd >= 0 {
                read(upTo: nil, now: now, publish: publish)
                closeFile()
            }
            ioProblem = type == S_IFDIR ? "is a directory" : "not a regular file"
            return
        }
        if fd >= 0 && (UInt64(st.st_dev) != device || UInt64(st.st_ino) != inode) {
            // renamed away: the old file to its end first
            read(upTo: nil, now: now, publish: publish)
            closeFile()
        }
        if fd < 0 {
            let newFD = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard newFD >= 0 else {
                let code = errno
                if code == ENOENT {
                    input.waiting = true
                    ioProblem = nil
                } else {
                    ioProblem = "cannot open: \(errnoText(code))"
                }
                return
            }
            var opened = stat()
            guard fstat(newFD, &opened) == 0, opened.st_mode & S_IFMT == S_IFREG else {
                close(newFD)
                ioProblem = "not a regular file"
                return
            }
            fd = newFD
            device = UInt64(opened.st_dev)
            inode = UInt64(opened.st_ino)
            input.offset = 0
            lastByteAt = now
            if self.opened { input.rotations += 1 }
            self.opened = true
            if blocked != nil { restartDetection() }
        }
        ioProblem = nil
        var current = stat()
        guard fstat(fd, &current) == 0 else {
            ioProblem = "cannot read: \(errnoText(errno))"
            return
        }
        let size = Int64(current.st_size)
        if size < input.offset {
            // copytruncate: the same file, emptied (and maybe written again)
            input.truncations += 1
            input.offset = 0
            if blocked != nil { restartDetection() }
        }
        read(upTo: size, now: now, publish: publish)
    }

    private func finishPoll(now: Double) {
        input.problem = ioProblem ?? blocked
        if let last = lastLineAt, now - last >= options.settleAfter, access?.pairing.open ?? 0 > 0 {
            access?.pairing.settleAll()
        }
        if access != nil {
            // as `LogScan.scan` reports it at the end
            if access!.lines > 0 && access!.lines == access!.malformed {
                input.format = "unknown"
            } else if accessFormat == "unknown" && access!.lines > access!.malformed {
                input.format = "combined"
            } else {
                input.format = accessFormat
            }
        } else if let errors {
            input.format = errors.flavor?.rawValue ?? "unknown"
        }
    }

    private func closeFile() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    private func restartDetection() {
        blocked = nil
        detected = false
        pending.removeAll()
        skipping = false
    }

    /// Reads from `input.offset` up to `limit` (the size seen at the start of the poll), or to the end.
    private func read(upTo limit: Int64?, now: Double, publish: () -> Void) {
        guard blocked == nil else { return }
        var sincePublish = 0
        while limit.map({ input.offset < $0 }) ?? true {
            let want =
                limit.map { Int(min(Int64(FollowedStream.readSize), $0 - input.offset)) } ?? FollowedStream.readSize
            let n = pread(fd, buffer, want, off_t(input.offset))
            if n < 0 {
                if errno == EINTR { continue }
                ioProblem = "read error: \(errnoText(errno))"
                return
            }
            if n == 0 { return }
            input.offset += Int64(n)
            lastByteAt = now
            feed(UnsafeRawBufferPointer(start: buffer, count: n), now: now)
            if blocked != nil { return }
            sincePublish += n
            if sincePublish >= FollowedStream.publishEvery {
                sincePublish = 0
                publish()
            }
        }
    }

    // MARK: lines

    private func feed(_ bytes: UnsafeRawBufferPointer, now: Double) {
        pending.append(contentsOf: bytes)
        if !detected && !detect() { return }
        if blocked != nil {
            pending.removeAll()
            return
        }
        consumeLines(now: now)
    }

    /// Hands every complete line of `pending` to the consumer, as `LineSplitter` would: `\r\n` endings,
    /// lines of `blockSize` bytes or more counted as too long.
    private func consumeLines(now: Double) {
        let blockSize = options.blockSize
        let consumed = pending.withUnsafeBufferPointer { buf -> Int in
            guard let base = buf.baseAddress else { return 0 }
            var start = 0
            while start < buf.count, let hit = memchr(base + start, 0x0A, buf.count - start) {
                let nl = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                if skipping {
                    skipping = false
                } else if nl - start >= blockSize {
                    tooLong()
                } else {
                    var end = nl
                    if end > start && base[end - 1] == 0x0D { end -= 1 }
                    line(base + start, end - start)
                }
                start = nl + 1
            }
            return start
        }
        if consumed > 0 {
            pending.removeFirst(consumed)
            lastLineAt = now
        }
        if skipping {
            pending.removeAll()
        } else if pending.count >= blockSize {
            // no newline within a whole block: too long to keep; the rest is dropped up to the next newline
            tooLong()
            skipping = true
            pending.removeAll()
        }
    }

    private func line(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if access != nil {
            access!.line(p, n)
        } else {
            errors?.line(p, n)
        }
    }

    private func tooLong() {
        if access != nil {
            access!.tooLong()
        } else {
            errors?.tooLong()
        }
    }

    /// Decides the format from the first bytes once they hold a complete non-blank line (or 64 KiB), as
    /// `InputPlanner.plan` does from a file's first 64 KiB. False while it cannot decide yet.
    private func detect() -> Bool {
        let sniff = InputPlanner.sniffSize
        let head: [UInt8]
        if pending.count >= sniff {
            head = Array(pending[0..<sniff])
        } else {
            guard FollowedStream.hasNonBlankLine(pending), let last = pending.lastIndex(of: 0x0A) else { return false }
            head = Array(pending[...last])
        }
        detected = true
        if head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B {
            blocked = "gzip-compressed content cannot be followed"
            return true
        }
        if head.contains(0) {
            blocked = "binary file, not a text log"
            return true
        }
        var planned = PlannedInput(record: LogInput(path: path, kind: wantError ? .error : .access, format: "unknown"))
        InputPlanner.detect(&planned, head: head, custom: custom)
        input.kind = planned.record.kind
        if planned.record.kind == .error {
            errors = ErrorConsumer(path: path, since: nil, until: nil)
        } else {
            let pairing = FollowPairing(
                window: options.handshakeWindow,
                burst: BurstTracker(span: options.burstWindow, peak: options.bruteForcePeak))
            access = FollowAccessConsumer(format: planned.access ?? .combined(vhost: false), pairing: pairing)
            accessFormat = planned.record.format
        }
        return true
    }

    static func hasNonBlankLine(_ bytes: [UInt8]) -> Bool {
        var length = 0
        for b in bytes {
            if b == 0x0A {
                if length > 0 { return true }
            } else if b != 0x0D {
                length += 1
                continue
            }
            length = 0
        }
        return false
    }

    // MARK: error events

    /// Moves the user files this stream's error log named into `files`.
    func takeUserFiles(into files: inout Set<String>) {
        guard errors != nil, !errors!.userFiles.isEmpty else { return }
        files.formUnion(errors!.userFiles)
        errors!.userFiles.removeAll()
    }

    /// Adds the groups that count (confirmed, or naming a user file) to `totals` and forgets them; keeps
    /// the others, which a later line may still make count.
    ///
    /// Exact: a group with a tentative line counts only through its file (a confirming line of it is an
    /// `authfileUnreadable` naming that file, which makes the file a user file), so a later line of a
    /// folded group counts in a new group just as it would have in the old one.
    func foldErrorEvents(userFiles: Set<String>, into totals: inout [ErrorEvent.Cause: Int]) {
        guard var consumer = errors, !consumer.events.isEmpty else { return }
        errors = nil  // uniquely referenced while rebuilt
        var keep = [Int](repeating: -1, count: consumer.events.count)
        var events: [ErrorEvent] = []
        var confirmed: [Bool] = []
        for (i, event) in consumer.events.enumerated() {
            if consumer.confirmed[i] || event.file.map(userFiles.contains) == true {
                totals[event.cause, default: 0] += event.count
            } else {
                keep[i] = events.count
                events.append(event)
                confirmed.append(false)
            }
        }
        var drop = 0
        if events.count > FollowedStream.heldGroupLimit {
            // bounded memory: the oldest unconfirmed groups are forgotten
            drop = events.count - FollowedStream.heldGroupLimit
            events.removeFirst(drop)
            confirmed.removeFirst(drop)
        }
        var index: [ErrorLogParser.Match: Int] = [:]
        for (key, old) in consumer.index where keep[old] >= drop { index[key] = keep[old] - drop }
        consumer.events = events
        consumer.confirmed = confirmed
        consumer.index = index
        errors = consumer
    }
}
