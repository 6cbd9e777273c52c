// A seeded generator of access logs with a known truth, and a plain String-based count of what
// LogScan must report for it. The count follows the definitions in Evidence/LogSummary.swift.
import Evidence
import Foundation
import TestSupport

/// What a generated line really is.
struct TruthLine {
    var text: String
    /// nil for a malformed or blank line.
    var request: TruthRequest?
}

struct TruthRequest {
    var client: String
    var user: String?
    var path: String?
    var status: Int
    var time: Int64
    var agent: String?
}

enum CLF {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `29/Nov/2026:08:51:16 +0200` for UTC `t` shown at `offsetMinutes`.
    static func time(_ t: Int64, offsetMinutes: Int = 0) -> String {
        let local = t + Int64(offsetMinutes * 60)
        var days = local / 86400
        let secs = Int(local - days * 86400)
        // civil from days (Hinnant)
        days += 719_468
        let era = days / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let off = abs(offsetMinutes)
        return String(
            format: "%02d/%@/%04d:%02d:%02d:%02d %@%02d%02d", Int(d), months[Int(m) - 1], Int(y),
            secs / 3600, secs / 60 % 60, secs % 60, sign, off / 60, off % 60)
    }
}

enum Generator {
    static let base: Int64 = 1_795_942_800  // 2026-11-29 09:00:00 UTC

    /// A combined log with every quirk of the issue; `vhost` prefixes `%v:%p` (`%v` alone when not
    /// `vhostPort`), `common` drops referer and agent, `forwarded` writes the client as the first of an
    /// X-Forwarded-For list of one to three addresses (nginx `$proxy_add_x_forwarded_for`).
    static func combined(
        seed: UInt64, count: Int, spanSeconds: Int64 = 4 * 3600, vhost: Bool = false, vhostPort: Bool = true,
        common: Bool = false, forwarded: Bool = false, start: Int64 = Generator.base
    ) -> [TruthLine] {
        var rng = SplitMix64(state: seed)
        let clients = ["127.0.0.1", "10.0.0.7", "::1", "2001:db8::42", "192.168.1.20", "10.9.8.7", "fe80::1"]
        let users: [String?] = [nil, nil, "alice", "bob smith", "\"\"", "carol", "admin", "o'neil"]
        let paths = ["/", "/basic/", "/admin/", "/api/v1/items", "/basic/page.html", "/a\\\"b"]
        let agents = [
            "curl/8.5.0", "Mozilla/5.0 (X11; Linux x86_64)", "python-requests/2.31", "Quote \\\"agent\\\" 1.0", "-",
        ]
        var out: [TruthLine] = []
        var t = start
        let step = max(1, Int(spanSeconds / Int64(max(1, count))) * 2)
        var queued: [(Int, TruthRequest, String)] = []  // 2xx to emit after k more lines
        func render(_ r: TruthRequest, request: String, offset: Int) -> String {
            var line = ""
            if vhost { line += vhostPort ? "www.example.test:443 " : "www.example.test " }
            line += r.client
            if forwarded {
                line +=
                    ["", ", 10.0.0.1", ", 10.0.0.1, 127.0.0.1", ", 2001:db8::1"][Int.random(in: 0..<4, using: &rng)]
            }
            line += " - \(r.user ?? "-") [\(CLF.time(r.time, offsetMinutes: offset))] \"\(request)\" \(r.status) "
            line +=
                r.status == 408 ? "0" : (Bool.random(using: &rng) ? "\(Int.random(in: 10...9000, using: &rng))" : "-")
            if !common {
                let referer = Bool.random(using: &rng) ? "-" : "http://example.test/from?x=\\\"1\\\""
                line += " \"\(referer)\" \"\(r.agent ?? "-")\""
            }
            return line
        }
        var i = 0
        while out.count < count {
            i += 1
            // queued successes (handshake second halves) come due
            // (written once the clock has passed their time, as servers do: disorder stays small)
            if let q = queued.first, q.0 <= i || t >= q.1.time {
                queued.removeFirst()
                out.append(TruthLine(text: q.2, request: q.1))
                continue
            }
            t += Int64.random(in: 0...Int64(step), using: &rng)
            // a little disorder, as servers log at completion with the start time
            let shown = t - (Int.random(in: 0..<10, using: &rng) == 0 ? Int64.random(in: 1...3, using: &rng) : 0)
            let offset = [0, 0, 0, 120, -300][Int.random(in: 0..<5, using: &rng)]
            let roll = Int.random(in: 0..<100, using: &rng)
            switch roll {
            case 0:
                out.append(TruthLine(text: "this is not a log line", request: nil))
                continue
            case 1:
                out.append(TruthLine(text: "127.0.0.1 - - [\(CLF.time(shown).prefix(12))", request: nil))
                continue
            case 2:
                out.append(TruthLine(text: "", request: nil))
                continue
            case 3:
                out.append(TruthLine(text: "10.0.0.1 - - [\(CLF.time(shown))] \"GET / HTTP/1.1\" abc 12", request: nil))
                continue
            case 4:
                let r = TruthRequest(
                    client: clients.randomElement(using: &rng)!, user: nil, path: nil, status: 408, time: shown,
                    agent: common ? nil : "-")
                out.append(TruthLine(text: render(r, request: "-", offset: offset), request: r))
                continue
            case 5:
                let r = TruthRequest(
                    client: clients.randomElement(using: &rng)!, user: nil, path: nil, status: 400, time: shown,
                    agent: common ? nil : "-")
                out.append(
                    TruthLine(
                        text: render(
                            r, request: "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03", offset: offset),
                        request: r))
                continue
            default:
                break
            }
            let client = clients.randomElement(using: &rng)!
            let user = users.randomElement(using: &rng)!
            let path = paths.randomElement(using: &rng)!
            let agent = common ? nil : agents.randomElement(using: &rng)!
            let proto = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0"].randomElement(using: &rng)!
            let query = Int.random(in: 0..<4, using: &rng) == 0 ? "?q=\\\"x\\\"&page=2" : ""
            let request = "\(["GET", "POST", "HEAD"].randomElement(using: &rng)!) \(path)\(query) \(proto)"
            let statuses = [200, 200, 304, 302, 401, 401, 401, 403, 404, 500]
            var status = statuses.randomElement(using: &rng)!
            if roll >= 90 { status = 401 }  // brute-force-ish runs
            let r = TruthRequest(client: client, user: user, path: path, status: status, time: shown, agent: agent)
            out.append(TruthLine(text: render(r, request: request, offset: offset), request: r))
            if status == 401 && Int.random(in: 0..<3, using: &rng) == 0 {
                // the challenge is answered: a 2xx follows within 0…14 s (beyond the window sometimes),
                // sometimes for another path
                let later = shown + Int64.random(in: 0...14, using: &rng)
                let samePath = Int.random(in: 0..<6, using: &rng) != 0
                let p2 = samePath ? path : "/elsewhere"
                let s = TruthRequest(
                    client: client, user: user ?? "alice", path: p2,
                    status: [200, 204][Int.random(in: 0..<2, using: &rng)], time: later, agent: agent)
                queued.append(
                    (
                        i + Int.random(in: 0...6, using: &rng), s,
                        render(s, request: "GET \(p2) HTTP/1.1", offset: offset)
                    ))
                queued.sort { $0.1.time < $1.1.time }
            }
        }
        return out
    }

    static func text(_ lines: [TruthLine]) -> String {
        lines.map(\.text).joined(separator: "\n") + "\n"
    }
}

/// The figures of LogSummary computed the slow, obvious way from the truth.
struct Expected {
    var lines = 0, requests = 0, unauthorized = 0, handshakes = 0, successes = 0, malformed = 0
    var malformedLines: [Int] = []
    var first: Int64?, last: Int64?
    var bucketSeconds = 60
    var timeline: [TimeBucket] = []
    var topPaths: [Tally] = [], topClients: [Tally] = [], topUsers: [Tally] = [], topUserAgents: [Tally] = []
    var clients: [ClientRecord] = []
    var users: [UserRecord] = []

    init(_ truth: [TruthLine], window: Int64 = 10, burst: Int64 = 60, since: Int64? = nil, until: Int64? = nil) {
        var reqs: [TruthRequest] = []
        for (n, line) in truth.enumerated() {
            if line.text.isEmpty { continue }
            lines += 1
            guard let r = line.request else {
                malformed += 1
                if malformedLines.count < 5 { malformedLines.append(n + 1) }
                continue
            }
            if let since, r.time < since { continue }
            if let until, r.time >= until { continue }
            reqs.append(r)
        }
        requests = reqs.count
        func byCount(_ d: [String: Int]) -> [Tally] {
            d.map { Tally($0.key, $0.value) }
                .sorted {
                    $0.count != $1.count ? $0.count > $1.count : $0.value.utf8.lexicographicallyPrecedes($1.value.utf8)
                }
                .prefix(10).map { $0 }
        }
        var failed: [TruthRequest] = []
        for (i, r) in reqs.enumerated() {
            if (200..<400).contains(r.status) { successes += 1 }
            guard r.status == 401 else { continue }
            unauthorized += 1
            let paired = reqs[(i + 1)...].contains {
                (200..<300).contains($0.status) && $0.client == r.client && $0.path == r.path && $0.time >= r.time
                    && $0.time - r.time <= window
            }
            if paired { handshakes += 1 } else { failed.append(r) }
        }
        guard !reqs.isEmpty else { return }
        first = reqs.map(\.time).min()
        last = reqs.map(\.time).max()
        let width: Int64 = last! - first! <= 48 * 3600 ? 60 : (last! - first! <= 366 * 86400 ? 3600 : 86400)
        bucketSeconds = Int(width)
        let start = first! / width * width
        var buckets: [TimeBucket] = []
        var b = start
        while b <= last! {
            let bb = b
            buckets.append(
                TimeBucket(
                    start: b, requests: reqs.filter { $0.time / width * width == bb }.count,
                    failures: failed.filter { $0.time / width * width == bb }.count))
            b += width
        }
        timeline = buckets
        topPaths = byCount(Dictionary(failed.compactMap(\.path).map { ($0, 1) }, uniquingKeysWith: +))
        topClients = byCount(Dictionary(failed.map { ($0.client, 1) }, uniquingKeysWith: +))
        topUsers = byCount(Dictionary(failed.compactMap(\.user).map { ($0, 1) }, uniquingKeysWith: +))
        topUserAgents = byCount(Dictionary(failed.compactMap(\.agent).map { ($0, 1) }, uniquingKeysWith: +))
        for client in Set(failed.map(\.client)) {
            let mine = failed.filter { $0.client == client }
            let times = mine.map(\.time)
            let peak = times.map { s in times.filter { $0 >= s && $0 < s + burst }.count }.max()!
            let tried = Dictionary(mine.compactMap(\.user).map { ($0, 1) }, uniquingKeysWith: +)
                .sorted {
                    $0.value != $1.value ? $0.value > $1.value : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
                }
            clients.append(
                ClientRecord(
                    address: client, failures: mine.count,
                    successes: reqs.filter { $0.client == client && (200..<400).contains($0.status) }.count,
                    firstFailure: times.min()!, lastFailure: times.max()!, peakFailures: peak, burstWindow: Int(burst),
                    usersTried: tried.prefix(10).map(\.key), distinctUsers: tried.count))
        }
        clients.sort {
            $0.failures != $1.failures
                ? $0.failures > $1.failures : $0.address.utf8.lexicographicallyPrecedes($1.address.utf8)
        }
        for user in Set(failed.compactMap(\.user)) {
            let mine = failed.filter { $0.user == user }
            users.append(
                UserRecord(
                    name: user, failures: mine.count,
                    successes: reqs.filter { $0.user == user && (200..<400).contains($0.status) }.count,
                    firstFailure: mine.map(\.time).min()!, lastFailure: mine.map(\.time).max()!))
        }
        users.sort {
            $0.failures != $1.failures
                ? $0.failures > $1.failures : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
        }
    }
}
