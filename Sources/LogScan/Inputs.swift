import Evidence

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// An access-log format the line parser knows.
enum AccessFormat: Sendable {
    case combined(vhost: Bool)
    case json
    case custom(CustomFormat)
}

/// One input after opening and sniffing its first bytes.
struct PlannedInput {
    var record: LogInput
    var fd: Int32 = -1
    var size: Int64 = 0
    var isStdin = false
    /// Bytes already consumed from stdin for sniffing (replayed to the parser).
    var stdinPrefix: [UInt8] = []
    var access: AccessFormat?
    var errorFlavor: ErrorLogParser.Flavor?
    var usable: Bool { record.problem == nil || fd >= 0 }
}

enum InputPlanner {
    static let sniffSize = 64 * 1024

    /// Expands globs the shell left alone; `-` and existing paths stay as given.
    static func expand(_ paths: [String]) -> [(String, String?)] {
        var out: [(String, String?)] = []
        for path in paths {
            if path == "-" || access(path, F_OK) == 0 || !path.contains(where: { "*?[".contains($0) }) {
                out.append((path, nil))
                continue
            }
            var g = glob_t()
            defer { globfree(&g) }
            if glob(path, 0, nil, &g) == 0 && g.gl_pathc > 0 {
                var found: [String] = []
                for i in 0..<Int(g.gl_pathc) {
                    if let p = g.gl_pathv[i] { found.append(String(cString: p)) }
                }
                for f in found.sorted() { out.append((f, nil)) }
            } else {
                out.append((path, "no file matches this pattern"))
            }
        }
        return out
    }

    /// Opens an input and reads its first bytes (inflated when gzip) to decide what it is.
    static func plan(path: String, wantError: Bool, custom: CustomFormat?, stdinUsed: inout Bool) -> PlannedInput {
        var input = PlannedInput(record: LogInput(path: path, kind: wantError ? .error : .access, format: "unknown"))
        var head: [UInt8]
        var streamFD: Int32? = nil
        if path == "-" {
            guard !stdinUsed else {
                input.record.problem = "stdin given more than once"
                return input
            }
            stdinUsed = true
            streamFD = 0
        } else {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                input.record.problem = "cannot open: \(errnoText(errno))"
                return input
            }
            var st = stat()
            if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                input.record.problem = "is a directory"
                return input
            }
            if (st.st_mode & S_IFMT) != S_IFREG {
                // a pipe or process substitution (`<(zcat …)`): read it once, like stdin
                streamFD = fd
            } else {
                input.fd = fd
                input.size = Int64(st.st_size)
            }
        }
        if let fd = streamFD {
            input.isStdin = true
            input.fd = fd
            var prefix = [UInt8](repeating: 0, count: sniffSize)
            var got = 0
            while got < sniffSize {
                let n = prefix.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, sniffSize - got) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                got += n
            }
            prefix.removeLast(sniffSize - got)
            input.stdinPrefix = prefix
            head = prefix
        } else {
            let fd = input.fd
            head = [UInt8](repeating: 0, count: sniffSize)
            let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, sniffSize, 0) }
            if n < 0 {
                input.record.problem = "cannot read: \(errnoText(errno))"
                close(fd)
                input.fd = -1
                return input
            }
            head.removeLast(sniffSize - n)
        }
        if head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B {
            input.record.gzip = true
            head = inflatePrefix(head)
        }
        if head.contains(0) {
            input.record.problem = "binary file, not a text log"
            if input.fd > 0 { close(input.fd) }
            input.fd = -1
            return input
        }
        detect(&input, head: head, custom: custom)
        return input
    }

    /// Inflates what fits of the sniffed bytes (the rest is read properly later).
    static func inflatePrefix(_ compressed: [UInt8]) -> [UInt8] {
        struct ArraySource: ByteSource {
            var bytes: [UInt8]
            var used = 0
            var problem: String?
            mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
                let n = min(count, bytes.count - used)
                bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + used, byteCount: n) }
                used += n
                return n
            }
        }
        var source = GzipSource(ArraySource(bytes: compressed))
        defer { source.close() }
        var out = [UInt8](repeating: 0, count: sniffSize)
        var got = 0
        while got < sniffSize {
            let n = out.withUnsafeMutableBytes { source.read(into: $0.baseAddress! + got, count: sniffSize - got) }
            if n <= 0 { break }
            got += n
        }
        out.removeLast(sniffSize - got)
        return out
    }

    /// Decides what an input is from its first bytes: an error log when its lines are error-log lines
    /// (a line that parses as an Apache or nginx error line is one, wherever it is, and lines of
    /// multi-line records in between do not count against it), else an access log, whose format is
    /// decided from the first 50 non-empty lines (the last, possibly cut, line is ignored).
    static func detect(_ input: inout PlannedInput, head: [UInt8], custom: CustomFormat?) {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var errorLines = 0
        var errorLinesFirst50 = 0
        var firstFlavor: ErrorLogParser.Flavor?
        for (i, b) in head.enumerated() where b == 0x0A {
            var end = i
            if end > start && head[end - 1] == 0x0D { end -= 1 }
            if end > start {
                if let flavor = head[start..<end].withUnsafeBufferPointer({ ErrorLogParser.flavor(of: $0) }) {
                    errorLines += 1
                    if lines.count < 50 { errorLinesFirst50 += 1 }
                    if firstFlavor == nil { firstFlavor = flavor }
                }
                if lines.count < 50 { lines.append(head[start..<end]) }
            }
            start = i + 1
        }
        if lines.count < 50 && start < head.count && head.count < sniffSize {
            lines.append(head[start...])
            if let flavor = head[start...].withUnsafeBufferPointer({ ErrorLogParser.flavor(of: $0) }) {
                errorLines += 1
                errorLinesFirst50 += 1
                if firstFlavor == nil { firstFlavor = flavor }
            }
        }
        let json = lines.filter({ $0.first == 0x7B }).count * 2 > lines.count

        var plain = 0
        var vhost = 0
        var vhostWithoutPort = 0
        var agents = 0
        var customLines = 0
        for line in lines {
            line.withUnsafeBufferPointer { buf in
                let p = buf.baseAddress!
                let n = buf.count
                var cache = CLFTimeCache()
                var f = AccessFields()
                if let custom, custom.parse(p, n, cache: &cache, into: &f) { customLines += 1 }
                if looksLikeVhost(p, n), CombinedParser.parse(p, n, vhost: true, cache: &cache, into: &f) {
                    vhost += 1
                    if CombinedParser.agent(&f) != nil { agents += 1 }
                } else if looksLikeVhostWithoutPort(p, n),
                    CombinedParser.parse(p, n, vhost: true, cache: &cache, into: &f)
                {
                    vhost += 1
                    vhostWithoutPort += 1
                    if CombinedParser.agent(&f) != nil { agents += 1 }
                } else if CombinedParser.parse(p, n, vhost: false, cache: &cache, into: &f) {
                    plain += 1
                    if CombinedParser.agent(&f) != nil { agents += 1 }
                }
            }
        }
        let accessLines = custom != nil ? customLines : json ? lines.count : plain + vhost

        // error logs are recognised by content, wherever they were named; a file with no line of either
        // kind in its first 50 but error lines further on (a long multi-line record first) is one too
        if let flavor = firstFlavor, errorLinesFirst50 > accessLines || (accessLines == 0 && errorLines > 0) {
            input.record.kind = .error
            input.errorFlavor = flavor
            input.record.format = flavor.rawValue
            return
        }
        if input.record.kind == .error && accessLines == 0 {
            // named with --error-log, nothing recognised yet: read it line by line as an error log, which
            // finds records further on or ends as `unknown`
            input.record.format = "unknown"
            return
        }
        // an access log, even when named with --error-log
        input.record.kind = .access
        if let custom {
            input.access = .custom(custom)
            input.record.format = "custom"
            return
        }
        if json {
            input.access = .json
            input.record.format = "json"
            return
        }
        if vhost > plain {
            input.access = .combined(vhost: true)
            input.record.format = "vhost_combined"
            if vhostWithoutPort * 2 > vhost {
                input.record.notes.append(
                    """
                    the virtual host comes first, without a port (Apache `%v %h %l %u …`); the client is the \
                    second field
                    """
                )
            }
        } else {
            input.access = .combined(vhost: false)
            input.record.format = plain == 0 ? "unknown" : (agents * 2 >= plain ? "combined" : "common")
        }
    }

    /// Apache's `%v %h %l %u %t …` (a virtual host without `:port` first): the second field is a client
    /// (an address, or a list ending in one) and the third the ident `-`; in a `common` line the second
    /// field is that `-` (`1.2.3.4 - John Smith [` has a user with a space, not a virtual host).
    static func looksLikeVhostWithoutPort(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard let first = Scan.find(p, 0, n, 0x20), first > 0, let second = Scan.find(p, first + 1, n, 0x20),
            second > first + 1
        else {
            return false
        }
        // a host name never ends with a comma: `10.0.0.2, 10.0.0.1 - -` is an X-Forwarded-For list
        if p[first - 1] == 0x2C || (second == first + 2 && p[first + 1] == 0x2D) { return false }
        var clientEnd = second
        if p[second - 1] == 0x2C {
            guard let end = CombinedParser.forwardedListEnd(p, second, n) else { return false }
            clientEnd = end
        }
        return clientEnd + 2 < n && p[clientEnd + 1] == 0x2D && p[clientEnd + 2] == 0x20
    }

    /// `vhost_combined` starts with `%v:%p` (one colon then a port), unlike an IPv6 client address.
    static func looksLikeVhost(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard let sp = Scan.find(p, 0, n, 0x20) else { return false }
        var colons = 0
        var lastColon = -1
        for i in 0..<sp where p[i] == 0x3A {
            colons += 1
            lastColon = i
        }
        guard lastColon > 0, lastColon + 1 < sp else { return false }
        for i in (lastColon + 1)..<sp where p[i] < 0x30 || p[i] > 0x39 { return false }
        return colons == 1 || (p[0] == 0x5B && p[lastColon - 1] == 0x5D)
    }
}
