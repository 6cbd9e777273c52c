/// JSON lines (one flat object per line), with the field names nginx `log_format … escape=json`
/// setups, Caddy-like and app loggers commonly use. Nested objects are skipped, not searched.
///
/// String values with escapes are decoded into the worker's scratch buffer; values without
/// escapes are used in place.
struct JSONLineParser {
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchSize: Int
    private var used = 0

    init() {
        scratchSize = 4096
        scratch = .allocate(capacity: scratchSize)
    }

    func release() { scratch.deallocate() }

    private enum Field { case client, user, status, request, uri, method, time, agent, none }

    private static func field(_ p: UnsafePointer<UInt8>, _ n: Int) -> Field {
        switch String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self).lowercased() {
        case "remote_addr", "remote_ip", "client_ip", "clientip", "client", "ip", "client_addr", "remoteaddr",
            "remote_address", "src_ip":
            return .client
        case "remote_user", "user", "username", "auth_user", "remoteuser", "user_name":
            return .user
        case "status", "status_code", "statuscode", "response_status", "http_status":
            return .status
        case "request", "request_line":
            return .request
        case "request_uri", "uri", "path", "url", "request_path":
            return .uri
        case "request_method", "method":
            return .method
        case "time_local", "time_iso8601", "time", "timestamp", "@timestamp", "date", "ts", "datetime":
            return .time
        case "http_user_agent", "user_agent", "useragent", "agent", "ua":
            return .agent
        default:
            return .none
        }
    }

    /// Decodes the string whose content starts at `from`; returns the value and the index after the closing quote.
    private mutating func string(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> (ByteRun, Int)? {
        guard let q = Scan.closingQuote(p, from, n) else { return nil }
        guard Scan.find(p, from, q, 0x5C) != nil else { return (ByteRun(p + from, q - from), q + 1) }
        let need = q - from
        if used + need > scratchSize {
            // values already handed out for this line stay valid only if we never reallocate mid-line:
            // the scratch is sized for the whole line up front in `parse`.
            return nil
        }
        let out = scratch + used
        var o = 0
        var i = from
        while i < q {
            var c = p[i]
            if c == 0x5C && i + 1 < q {
                i += 1
                switch p[i] {
                case 0x6E: c = 0x0A
                case 0x74: c = 0x09
                case 0x72: c = 0x0D
                case 0x62: c = 0x08
                case 0x66: c = 0x0C
                case 0x75:
                    if i + 4 < q,
                        let v = Int(
                            String(decoding: UnsafeBufferPointer(start: p + i + 1, count: 4), as: UTF8.self), radix: 16)
                    {
                        i += 4
                        var tmp = [UInt8]()
                        if let scalar = Unicode.Scalar(v) {
                            tmp = Array(String(Character(scalar)).utf8)
                        } else {
                            tmp = [0x3F]
                        }
                        for b in tmp {
                            out[o] = b
                            o += 1
                        }
                        i += 1
                        continue
                    }
                    c = 0x75
                default: c = p[i]
                }
            }
            out[o] = c
            o += 1
            i += 1
        }
        used += o
        return (ByteRun(UnsafePointer(out), o), q + 1)
    }

    @inline(__always)
    private static func skipSpace(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) {
        while i < n && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
    }

    /// Skips a non-string value (number, literal, nested object/array); returns its run.
    private static func scalar(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) -> ByteRun? {
        let start = i
        if p[i] == 0x7B || p[i] == 0x5B {
            var depth = 0
            while i < n {
                let c = p[i]
                if c == 0x22 {
                    guard let q = Scan.closingQuote(p, i + 1, n) else { return nil }
                    i = q + 1
                    continue
                }
                if c == 0x7B || c == 0x5B { depth += 1 }
                if c == 0x7D || c == 0x5D {
                    depth -= 1
                    if depth == 0 {
                        i += 1
                        return ByteRun(p + start, i - start)
                    }
                }
                i += 1
            }
            return nil
        }
        while i < n && p[i] != 0x2C && p[i] != 0x7D && p[i] != 0x20 { i += 1 }
        return i > start ? ByteRun(p + start, i - start) : nil
    }

    mutating func parse(_ p: UnsafePointer<UInt8>, _ n: Int, cache: inout CLFTimeCache, into f: inout AccessFields)
        -> Bool
    {
        if n > scratchSize {
            scratch.deallocate()
            scratchSize = n * 2
            scratch = .allocate(capacity: scratchSize)
        }
        used = 0
        var i = 0
        JSONLineParser.skipSpace(p, &i, n)
        guard i < n, p[i] == 0x7B else { return false }
        i += 1
        var client: ByteRun?
        var user: ByteRun?
        var status: Int?
        var request: ByteRun?
        var uri: ByteRun?
        var time: Int64?
        var agent: ByteRun?
        while true {
            JSONLineParser.skipSpace(p, &i, n)
            guard i < n else { return false }
            if p[i] == 0x7D { break }
            if p[i] == 0x2C {
                i += 1
                continue
            }
            guard p[i] == 0x22, let kq = Scan.closingQuote(p, i + 1, n) else { return false }
            let key = JSONLineParser.field(p + i + 1, kq - i - 1)
            i = kq + 1
            JSONLineParser.skipSpace(p, &i, n)
            guard i < n, p[i] == 0x3A else { return false }
            i += 1
            JSONLineParser.skipSpace(p, &i, n)
            guard i < n else { return false }
            var value: ByteRun
            var quoted = false
            if p[i] == 0x22 {
                guard let (v, next) = string(p, i + 1, n) else { return false }
                value = v
                i = next
                quoted = true
            } else {
                guard let v = JSONLineParser.scalar(p, &i, n) else { return false }
                value = v
            }
            switch key {
            case .client: client = value
            case .user:
                if !(value.count == 0 || value.isDash || (!quoted && value.count == 4 && value.base[0] == 0x6E)) {
                    user = value
                }
            case .status:
                if value.count == 3 { status = Scan.status(value.base, 0, 3) }
            case .request: request = value
            case .uri: uri = value
            case .time:
                if quoted {
                    time = cache.parse(value.base, value.count) ?? TimeParse.iso(value.base, value.count)
                } else {
                    // epoch seconds, possibly fractional (nginx $msec); more digits than an Int64 holds
                    // are no time (the line is malformed), not an overflow trap
                    var v: Int64 = 0
                    var k = 0
                    var ok = value.count > 0
                    while k < value.count && value.base[k] != 0x2E {
                        let d = Int64(value.base[k]) - 48
                        let (times10, overflow) = v.multipliedReportingOverflow(by: 10)
                        if d < 0 || d > 9 || overflow || times10 > Int64.max - d {
                            ok = false
                            break
                        }
                        v = times10 + d
                        k += 1
                    }
                    if ok {
                        // milliseconds, microseconds, nanoseconds: seconds before year 5138 (text times stop at
                        // 9999), so the daily timeline buckets stay bounded instead of running into billions
                        while v > 100_000_000_000 { v /= 1000 }
                        time = v
                    }
                }
            case .agent: agent = value
            case .method, .none: break
            }
        }
        guard let c = client, let s = status, let t = time else { return false }
        f.client = c
        f.user = user
        f.status = s
        f.time = t
        if let r = request {
            f.path = r.isDash ? nil : Scan.requestPath(r.base, r.count)
        } else if let u = uri, u.count > 0 {
            var e = 0
            while e < u.count && u.base[e] != 0x3F { e += 1 }
            f.path = e > 0 ? ByteRun(u.base, e) : nil
        } else {
            f.path = nil
        }
        f.request = nil
        f.agent = agent
        f.agentParsed = true
        f.rest = nil
        return true
    }
}
