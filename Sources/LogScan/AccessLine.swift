#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// A run of bytes inside the current line (or the worker's scratch buffer); never outlives the line.
struct ByteRun {
    var base: UnsafePointer<UInt8>
    var count: Int

    @inline(__always) init(_ base: UnsafePointer<UInt8>, _ count: Int) {
        self.base = base
        self.count = count
    }

    var isDash: Bool { count == 1 && base[0] == 0x2D }
}

extension AccessFields {
    /// The request path, cut from the request line on first use.
    @inline(__always)
    mutating func requestPath() -> ByteRun? {
        if let r = request {
            request = nil
            path = Scan.requestPath(r.base, r.count)
        }
        return path
    }
}

/// The fields of one access-log line that the figures need, as logged (not unescaped).
struct AccessFields {
    var client = ByteRun(UnsafePointer(bitPattern: 1)!, 0)
    /// nil when the log shows no user (`-`); `""` (two quotes) is the attempted empty user name.
    var user: ByteRun?
    /// Request target without its query string; nil for `-` or a request line that is not HTTP.
    /// Combined lines fill `request` instead and the path is cut from it only when needed.
    var path: ByteRun?
    var request: ByteRun?
    var status = 0
    var time: Int64 = 0
    /// Where the part after the status begins (combined: bytes, referer, agent), parsed only for 401s.
    var rest: ByteRun?
    var agent: ByteRun?
    var agentParsed = false
    /// Set (never cleared) by the combined parser when the line starts with an X-Forwarded-For list;
    /// the consumer counts and clears it.
    var forwarded = false
}

/// Byte scanning helpers shared by the line parsers.
enum Scan {
    @inline(__always)
    static func find(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int, _ byte: UInt8) -> Int? {
        guard from < n else { return nil }
        guard let hit = memchr(p + from, Int32(byte), n - from) else { return nil }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(p)
    }

    /// Like `find`, for bytes expected within a few dozen positions (addresses, ident, user, the
    /// request line): eight bytes per step in a general-purpose register beats the call and set-up
    /// cost of `memchr` there, and takes one branch per word instead of one per byte.
    @inline(__always)
    static func findNear(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int, _ byte: UInt8) -> Int? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let pattern = UInt64(byte) &* ones
        @inline(__always) func matches(_ at: Int) -> UInt64 {
            // a zero byte in `w` is a match; the lowest flagged byte is exact (borrows only run upwards)
            let w = UnsafeRawPointer(p + at).loadUnaligned(as: UInt64.self) ^ pattern
            return (w &- ones) & ~w & 0x8080_8080_8080_8080
        }
        var i = from
        // 16 bytes per step: most fields end within the first step, so the loop's exit is predictable
        while i + 16 <= n {
            let low = matches(i)
            let high = matches(i + 8)
            if low | high != 0 {
                return i + (low != 0 ? low.trailingZeroBitCount : 64 + high.trailingZeroBitCount) >> 3
            }
            i += 16
        }
        if i + 8 <= n {
            let zeros = matches(i)
            if zeros != 0 { return i + zeros.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n {
            if p[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// The first of two bytes (`findNear` for two at once), e.g. the end of a request target: ` ` or `?`.
    @inline(__always)
    static func findEither(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int, _ a: UInt8, _ b: UInt8) -> Int? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let pa = UInt64(a) &* ones
        let pb = UInt64(b) &* ones
        var i = from
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let x = w ^ pa
            let y = w ^ pb
            let zeros = ((x &- ones) & ~x & high) | ((y &- ones) & ~y & high)
            if zeros != 0 { return i + zeros.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n {
            if p[i] == a || p[i] == b { return i }
            i += 1
        }
        return nil
    }

    /// The closing `"` of a quoted field whose content starts at `from`; `\"` and `\\` are escapes.
    @inline(__always)
    static func closingQuote(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int? {
        var i = from
        while let q = findNear(p, i, n, 0x22) {
            if q == from || p[q - 1] != 0x5C { return q }
            // count the backslashes right before the quote: an odd number escapes it
            var b = q - 1
            var slashes = 0
            while b >= from && p[b] == 0x5C {
                slashes += 1
                b -= 1
            }
            if slashes & 1 == 0 { return q }
            i = q + 1
        }
        return nil
    }

    /// The request target of `METHOD TARGET[ PROTOCOL]` without `?query`; nil when the request
    /// line is `-` or not an HTTP request (e.g. TLS bytes sent to a plain-HTTP port → 400).
    @inline(__always)
    static func requestPath(_ p: UnsafePointer<UInt8>, _ n: Int) -> ByteRun? {
        var i = 0
        while i < n {
            let c = p[i]
            if c == 0x20 { break }
            guard (c >= 0x41 && c <= 0x5A) || c == 0x2D || c == 0x5F else { return nil }
            i += 1
        }
        guard i > 0, i < n else { return nil }
        let start = i + 1
        let end = findEither(p, start, n, 0x20, 0x3F) ?? n
        guard end > start else { return nil }
        return ByteRun(p + start, end - start)
    }

    @inline(__always)
    static func status(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int? {
        guard i + 3 <= n, i + 3 == n || p[i + 3] == 0x20 else { return nil }
        let a = Int(p[i]) &- 48
        let b = Int(p[i + 1]) &- 48
        let c = Int(p[i + 2]) &- 48
        guard a >= 1 && a <= 5 && b >= 0 && b <= 9 && c >= 0 && c <= 9 else { return nil }
        return a * 100 + b * 10 + c
    }
}

/// Apache/nginx `common`, `combined`, and `vhost_combined` (`%v:%p` first).
///
/// `%u` is taken as everything between the ident and ` [` + timestamp, because Apache logs user
/// names with spaces raw. The request is scanned quote-aware (`\"` inside it), and the referer and
/// user agent are parsed only when a 401 needs them.
enum CombinedParser {
    @inline(__always)
    static func parse(
        _ p: UnsafePointer<UInt8>, _ n: Int, vhost: Bool, cache: inout CLFTimeCache, into f: inout AccessFields
    ) -> Bool {
        var i = 0
        if vhost {
            guard let sp = Scan.find(p, 0, n, 0x20), sp > 0 else { return false }
            i = sp + 1
        }
        guard var hostEnd = Scan.findNear(p, i, n, 0x20), hostEnd > i else { return false }
        f.client = ByteRun(p + i, hostEnd - i)
        if p[hostEnd &- 1] == 0x2C {
            // an X-Forwarded-For list first (`10.0.0.2, 10.0.0.1, 127.0.0.1 - - [`): the client is its first address
            guard hostEnd - 1 > i, let end = forwardedListEnd(p, hostEnd, n) else { return false }
            f.client = ByteRun(p + i, hostEnd - 1 - i)
            f.forwarded = true
            hostEnd = end
        }
        guard let identEnd = Scan.findNear(p, hostEnd + 1, n, 0x20) else { return false }
        let userStart = identEnd + 1
        // ` [` followed by a 26-byte time and `]`
        var j = userStart
        var bracket = -1
        while let b = Scan.findNear(p, j, n, 0x5B) {
            if b > userStart && p[b - 1] == 0x20 && b + 27 < n && p[b + 27] == 0x5D {
                bracket = b
                break
            }
            j = b + 1
        }
        guard bracket > userStart else { return false }
        let userLen = bracket - 1 - userStart
        guard userLen > 0 else { return false }
        let user = ByteRun(p + userStart, userLen)
        f.user = user.isDash ? nil : user
        guard let t = cache.parse(p + bracket + 1, 26) else { return false }
        f.time = t
        var k = bracket + 28
        guard k + 2 < n, p[k] == 0x20, p[k + 1] == 0x22 else { return false }
        k += 2
        guard let q = Scan.closingQuote(p, k, n) else { return false }
        f.request = ByteRun(p + k, q - k)
        k = q + 1
        guard k < n, p[k] == 0x20, let s = Scan.status(p, k + 1, n) else { return false }
        f.status = s
        k += 4
        f.rest = k < n ? ByteRun(p + k, n - k) : nil
        f.agent = nil
        f.agentParsed = false
        return true
    }

    /// The end of an address list `a, b, c` whose first element ends at `from` (a space after `a,`):
    /// the space after the first element that does not end with a comma.
    static func forwardedListEnd(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int? {
        var start = from + 1
        while let end = Scan.findNear(p, start, n, 0x20) {
            guard end > start else { return nil }
            if p[end - 1] != 0x2C { return end }
            start = end + 1
        }
        return nil
    }

    /// The user agent: ` BYTES "REFERER" "AGENT"` after the status; nil when the line has none (common).
    @inline(__always)
    static func agent(_ f: inout AccessFields) -> ByteRun? {
        if f.agentParsed { return f.agent }
        f.agentParsed = true
        guard let rest = f.rest else { return nil }
        let p = rest.base
        let n = rest.count
        guard n > 1, p[0] == 0x20, let sp = Scan.find(p, 1, n, 0x20), sp + 1 < n, p[sp + 1] == 0x22,
            let rq = Scan.closingQuote(p, sp + 2, n), rq + 2 < n, p[rq + 1] == 0x20, p[rq + 2] == 0x22,
            let aq = Scan.closingQuote(p, rq + 3, n)
        else { return nil }
        f.agent = ByteRun(p + rq + 3, aq - rq - 3)
        return f.agent
    }

    /// Whether a line has the referer and agent fields (to tell `combined` from `common`).
    static func hasAgent(_ p: UnsafePointer<UInt8>, _ n: Int, vhost: Bool) -> Bool {
        var cache = CLFTimeCache()
        var f = AccessFields()
        guard parse(p, n, vhost: vhost, cache: &cache, into: &f) else { return false }
        return agent(&f) != nil
    }
}
