import HTTPAuth

/// Timestamps in the shapes logs write them, parsed from bytes to UTC epoch seconds.
///
/// No Foundation date formatters: they are far too slow for millions of lines and depend on locale.
enum TimeParse {
    /// Days since 1970-01-01 of a proleptic Gregorian date (the project's one UTC calendar, `HTTPDate`;
    /// called once per hour prefix of an access log, not per line).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        Int64(HTTPDate.daysFromCivil(year, month, day))
    }

    /// `Jan`…`Dec` → 1…12, or 0.
    @inline(__always)
    static func month(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int {
        switch (a | 0x20, b | 0x20, c | 0x20) {
        case (0x6A, 0x61, 0x6E): return 1  // jan
        case (0x66, 0x65, 0x62): return 2  // feb
        case (0x6D, 0x61, 0x72): return 3  // mar
        case (0x61, 0x70, 0x72): return 4  // apr
        case (0x6D, 0x61, 0x79): return 5  // may
        case (0x6A, 0x75, 0x6E): return 6  // jun
        case (0x6A, 0x75, 0x6C): return 7  // jul
        case (0x61, 0x75, 0x67): return 8  // aug
        case (0x73, 0x65, 0x70): return 9  // sep
        case (0x6F, 0x63, 0x74): return 10  // oct
        case (0x6E, 0x6F, 0x76): return 11  // nov
        case (0x64, 0x65, 0x63): return 12  // dec
        default: return 0
        }
    }

    @inline(__always)
    static func digits(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        var v = 0
        for i in 0..<n {
            let d = Int(p[i]) &- 48
            if d < 0 || d > 9 { return nil }
            v = v * 10 + d
        }
        return v
    }

    static func valid(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Bool {
        y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60
    }

    /// `29/Nov/2026:08:51:16 +0000` (exactly 26 bytes, the part inside `[…]`).
    static func clf(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n == 26, p[2] == 0x2F, p[6] == 0x2F, p[11] == 0x3A, p[14] == 0x3A, p[17] == 0x3A, p[20] == 0x20,
            let d = digits(p, 2), let y = digits(p + 7, 4), let h = digits(p + 12, 2),
            let mi = digits(p + 15, 2), let s = digits(p + 18, 2), let zh = digits(p + 22, 2),
            let zm = digits(p + 24, 2)
        else { return nil }
        let mo = month(p[3], p[4], p[5])
        guard valid(y, mo, d, h, mi, s), p[21] == 0x2B || p[21] == 0x2D else { return nil }
        let offset = Int64(zh * 3600 + zm * 60) * (p[21] == 0x2D ? -1 : 1)
        return days(year: y, month: mo, day: d) * 86400 + Int64(h * 3600 + mi * 60 + s) - offset
    }

    /// ISO 8601: `2026-11-29`, `2026-11-29T08:51[:16[.123]]`, `2026-11-29 08:51`, then `Z`, `+01:00`,
    /// `+0100` or nothing (UTC).
    static func iso(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n >= 10, p[4] == 0x2D, p[7] == 0x2D, let y = digits(p, 4), let mo = digits(p + 5, 2),
            let d = digits(p + 8, 2)
        else { return nil }
        var h = 0
        var mi = 0
        var s = 0
        var i = 10
        if i < n && (p[i] == 0x54 || p[i] == 0x20 || p[i] == 0x74) {
            guard n >= i + 6, let hh = digits(p + i + 1, 2), p[i + 3] == 0x3A, let mm = digits(p + i + 4, 2) else {
                return nil
            }
            h = hh
            mi = mm
            i += 6
            if i < n && p[i] == 0x3A {
                guard n >= i + 3, let ss = digits(p + i + 1, 2) else { return nil }
                s = ss
                i += 3
                if i < n && (p[i] == 0x2E || p[i] == 0x2C) {
                    i += 1
                    while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
                }
            }
        }
        guard valid(y, mo, d, h, mi, s) else { return nil }
        var offset: Int64 = 0
        if i < n {
            if p[i] == 0x5A || p[i] == 0x7A {
                i += 1
            } else if p[i] == 0x2B || p[i] == 0x2D {
                let sign: Int64 = p[i] == 0x2D ? -1 : 1
                guard n >= i + 3, let zh = digits(p + i + 1, 2) else { return nil }
                i += 3
                var zm = 0
                if i < n && p[i] == 0x3A { i += 1 }
                if n >= i + 2, let m = digits(p + i, 2) {
                    zm = m
                    i += 2
                }
                offset = sign * Int64(zh * 3600 + zm * 60)
            }
        }
        guard i == n else { return nil }
        return days(year: y, month: mo, day: d) * 86400 + Int64(h * 3600 + mi * 60 + s) - offset
    }

    /// Apache error log: `Sun Nov 29 08:51:16.086552 2026` (server local time, taken as UTC).
    static func apacheError(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n >= 24, p[3] == 0x20, p[7] == 0x20, p[10] == 0x20, p[13] == 0x3A, p[16] == 0x3A else { return nil }
        let mo = month(p[4], p[5], p[6])
        guard let d = digits(p + 8, 2) ?? (p[8] == 0x20 ? digits(p + 9, 1) : nil), let h = digits(p + 11, 2),
            let mi = digits(p + 14, 2), let s = digits(p + 17, 2), let y = digits(p + n - 4, 4)
        else { return nil }
        guard valid(y, mo, d, h, mi, s) else { return nil }
        return days(year: y, month: mo, day: d) * 86400 + Int64(h * 3600 + mi * 60 + s)
    }

    /// nginx error log: `2026/11/29 08:52:39` (server local time, taken as UTC).
    static func nginxError(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n >= 19, p[4] == 0x2F, p[7] == 0x2F, p[10] == 0x20, p[13] == 0x3A, p[16] == 0x3A,
            let y = digits(p, 4), let mo = digits(p + 5, 2), let d = digits(p + 8, 2), let h = digits(p + 11, 2),
            let mi = digits(p + 14, 2), let s = digits(p + 17, 2), valid(y, mo, d, h, mi, s)
        else { return nil }
        return days(year: y, month: mo, day: d) * 86400 + Int64(h * 3600 + mi * 60 + s)
    }

    /// `--since`/`--until`: ISO 8601 forms or the access-log form, surrounding `[]` allowed.
    static func parse(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        while let f = bytes.first, f == 0x20 || f == 0x5B { bytes.removeFirst() }
        while let l = bytes.last, l == 0x20 || l == 0x5D { bytes.removeLast() }
        return bytes.withUnsafeBufferPointer { buf -> Int64? in
            guard let base = buf.baseAddress, buf.count > 0 else { return nil }
            return iso(base, buf.count) ?? clf(base, buf.count)
        }
    }
}

/// Caches the epoch of the last seen `dd/Mon/yyyy:hh` + zone: logs are nearly monotonic, so most
/// lines only need their minutes and seconds parsed — and a busy log's lines mostly share the second
/// of the line before, which is then recognised by comparing the 26 bytes as four words.
struct CLFTimeCache {
    private var key0: UInt64 = 0
    private var key1: UInt64 = 0
    private var zone: UInt64 = 0
    private var base: Int64 = -1
    /// The last timestamp parsed, as bytes 0..<8, 8..<16, 16..<24, 18..<26, and its value (-1: none).
    private var last0: UInt64 = 0
    private var last1: UInt64 = 0
    private var last2: UInt64 = 0
    private var last3: UInt64 = 0
    private var lastTime: Int64 = -1

    @inline(__always)
    mutating func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n == 26 else { return nil }
        let raw = UnsafeRawPointer(p)
        let w0 = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        let w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        let w2 = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        let w3 = raw.loadUnaligned(fromByteOffset: 18, as: UInt64.self)
        if lastTime >= 0 && (w0 ^ last0) | (w1 ^ last1) | (w2 ^ last2) | (w3 ^ last3) == 0 { return lastTime }
        guard let t = parseSlow(p) else { return nil }
        last0 = w0
        last1 = w1
        last2 = w2
        last3 = w3
        lastTime = t
        return t
    }

    @inline(__always)
    private mutating func parseSlow(_ p: UnsafePointer<UInt8>) -> Int64? {
        let n = 26
        let raw = UnsafeRawPointer(p)
        let k0 = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        // bytes 6..<14 (year, hour) and 21..<26 (zone) folded together
        let k1 = raw.loadUnaligned(fromByteOffset: 6, as: UInt64.self)
        let z =
            UInt64(raw.loadUnaligned(fromByteOffset: 22, as: UInt32.self)) | (UInt64(p[21]) << 32)
            | (UInt64(p[20]) << 40)
        if base >= 0 && k0 == key0 && k1 == key1 && z == zone && p[14] == 0x3A && p[17] == 0x3A,
            let mi = TimeParse.digits(p + 15, 2), let s = TimeParse.digits(p + 18, 2), mi <= 59, s <= 60
        {
            return base + Int64(mi * 60 + s)
        }
        guard let t = TimeParse.clf(p, n) else { return nil }
        let mi = TimeParse.digits(p + 15, 2)!
        let s = TimeParse.digits(p + 18, 2)!
        key0 = k0
        key1 = k1
        zone = z
        base = t - Int64(mi * 60 + s)
        return t
    }
}
