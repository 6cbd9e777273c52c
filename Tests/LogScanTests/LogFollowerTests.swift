// LogFollower: logs written in bursts, rotated (rename, copytruncate), appearing late, error logs;
// every counter against a one-shot LogScan.scan of the same bytes; bounded memory; the brute-force gauge.
import Evidence
import Foundation
import TestSupport
import Testing

@testable import LogScan

/// Writes to log files the way servers and logrotate do, and keeps, per followed path, every byte the
/// follower will have read (old file, then the new one): the reference a one-shot scan reads.
final class LogWriter {
    let dir: TempDirectory
    private(set) var streams: [String: Data] = [:]

    init(_ dir: TempDirectory) { self.dir = dir }

    /// Appends to the file `name` now names; `stream` is the followed path the bytes belong to.
    func append(_ name: String, _ text: String, stream: String? = nil) throws {
        let path = dir.path(name)
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        streams[stream ?? name, default: Data()].append(Data(text.utf8))
    }

    /// `mv name to`: the followed path now names no file (or, once created again, another one).
    func rename(_ name: String, to other: String) throws {
        try FileManager.default.moveItem(atPath: dir.path(name), toPath: dir.path(other))
    }

    /// logrotate `copytruncate`: the file is copied away and emptied in place.
    func copyTruncate(_ name: String, to other: String) throws {
        try FileManager.default.copyItem(atPath: dir.path(name), toPath: dir.path(other))
        let handle = try #require(FileHandle(forWritingAtPath: dir.path(name)))
        try handle.truncate(atOffset: 0)
        try handle.close()
    }

    /// Writes each stream's bytes to `reference/NAME`, for the one-shot scan.
    func reference(_ name: String) throws -> String {
        try dir.write("reference/" + name, streams[name] ?? Data())
    }
}

/// A combined line.
func accessLine(
    _ client: String, _ t: Int64, _ path: String, _ status: Int, user: String = "-", agent: String = "curl/8.5.0"
) -> String {
    "\(client) - \(user) [\(CLF.time(t))] \"GET \(path) HTTP/1.1\" \(status) 512 \"-\" \"\(agent)\"\n"
}

/// Every counter of `counts` that a one-shot scan also has, against that scan.
func expectSameAsOneShot(
    _ counts: LogFollowCounts, _ s: LogSummary, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(counts.lines == s.lines, sourceLocation: sourceLocation)
    #expect(counts.malformed == s.malformed, sourceLocation: sourceLocation)
    #expect(counts.requestsByStatus.values.reduce(0, +) == s.requests, sourceLocation: sourceLocation)
    #expect(counts.requestsByStatus[401, default: 0] == s.unauthorized, sourceLocation: sourceLocation)
    #expect(counts.unauthorized == s.unauthorized, sourceLocation: sourceLocation)
    #expect(counts.handshakes == s.handshakes, sourceLocation: sourceLocation)
    #expect(counts.failures + counts.pendingUnauthorized == s.failures, sourceLocation: sourceLocation)
    #expect(counts.errorLines == s.errorLines, sourceLocation: sourceLocation)
    var byCause: [ErrorEvent.Cause: Int] = [:]
    for event in s.errorEvents { byCause[event.cause, default: 0] += event.count }
    #expect(counts.errorEventsByCause == byCause, sourceLocation: sourceLocation)
}

@Suite("LogScan follower", .serialized)
struct LogFollowerTests {
    static let t0 = Generator.base

    static let apacheMismatch = """
        [Sun Nov 29 08:51:16.086552 2026] [auth_basic:error] [pid 15719:tid 15719] [client 127.0.0.1:59474] AH01617: \
        user alice: authentication failure for "/x": Password Mismatch

        """
    static let apacheNotFound = """
        [Sun Nov 29 08:51:17.000001 2026] [auth_basic:error] [pid 15719:tid 15719] [client 127.0.0.1:59475] AH01618: \
        user nosuchuser not found: /basic/

        """
    static let apacheNotice = """
        [Sun Nov 29 08:52:30.000000 2026] [mpm_prefork:notice] [pid 15700:tid 15700] AH00163: Apache/2.4.71 (Debian) \
        configured -- resuming normal operations

        """
    static let nginxNotFound = """
        2026/11/29 08:52:40 [error] 20620#20620: *2 user "bob" was not found in "/etc/nginx/.htpasswd", client: \
        127.0.0.1, server: localhost, request: "GET /basic/ HTTP/1.1", host: "127.0.0.1:8082"

        """
    /// `open()` of a file not named like a user file: an event only once the file is known to be one.
    static let nginxOpenMembers = """
        2026/11/29 08:52:42 [error] 20620#20620: *4 open() "/etc/nginx/members" failed (2: No such file or \
        directory), client: 127.0.0.1, server: localhost, request: "GET /club/ HTTP/1.1", host: "127.0.0.1:8082"

        """
    static let nginxNamesMembers = """
        2026/11/29 08:52:45 [error] 20620#20620: *5 user "carol" was not found in "/etc/nginx/members", client: \
        127.0.0.1, server: localhost, request: "GET /club/ HTTP/1.1", host: "127.0.0.1:8082"

        """
    static let nginxMismatch = """
        2026/11/29 08:52:49 [error] 20620#20620: *7 user "bob": password mismatch, client: 127.0.0.1, server: \
        localhost, request: "GET /basic/ HTTP/1.1", host: "127.0.0.1:8082"

        """

    @Test("bursts, a partial line, rename and copytruncate rotation, a late file, error logs: same as one-shot")
    func burstsAndRotations() async throws {
        let dir = try TempDirectory(prefix: "logfollow")
        let w = LogWriter(dir)
        try dir.makeDirectory("a-directory")
        let t = Self.t0
        let options = LogFollowOptions(
            accessPaths: [dir.path("access.log"), dir.path("late.log"), dir.path("apache-error.log")],
            errorPaths: [dir.path("nginx-error.log"), dir.path("a-directory")])
        let follower = try LogFollower(options)

        // burst 1: a handshake, two failed 401s, a malformed and a blank line, and half a line
        try w.append(
            "access.log",
            accessLine("10.0.0.1", t, "/basic/", 401) + accessLine("10.0.0.1", t + 1, "/basic/", 200)
                + accessLine("10.0.0.2", t + 2, "/admin/", 401, user: "root") + "not a log line\n\n"
                + accessLine("10.0.0.3", t + 3, "/admin/", 401, user: "bob smith")
                + accessLine("10.0.0.4", t + 4, "/", 200) + "10.0.0.5 - - [\(CLF.time(t + 5))] \"GET /par")
        try w.append("apache-error.log", Self.apacheMismatch + Self.apacheNotice)
        try w.append("nginx-error.log", Self.nginxNotFound + Self.nginxOpenMembers)
        follower.poll(now: 1)
        var c = follower.snapshot()
        #expect(c.lines == 6)
        #expect(c.malformed == 1)
        #expect(c.requestsByStatus == [401: 3, 200: 2])
        #expect(c.unauthorized == 3)
        #expect(c.handshakes == 1)
        #expect(c.failures == 0)
        #expect(c.pendingUnauthorized == 2)
        #expect(c.errorLines == 4)
        // the open() of /etc/nginx/members waits: not (yet) known to be a user file
        #expect(c.errorEventsByCause == [.passwordMismatch: 1, .userNotFound: 1])
        #expect(c.inputs.map(\.kind) == [.access, .access, .error, .error, .error])
        #expect(c.inputs.map(\.format) == ["combined", "unknown", "apache-error", "nginx-error", "unknown"])
        #expect(c.inputs[1].waiting)
        #expect(c.inputs[4].problem == "is a directory")
        #expect(c.inputs[0].offset == Int64(w.streams["access.log"]!.count))

        // burst 2: the partial line completed, a brute-force run, the members file named as a user file
        var burst2 = "tial/ HTTP/1.1\" 200 17 \"-\" \"curl/8.5.0\"\n"
        for i in 0..<12 { burst2 += accessLine("203.0.113.9", t + 10 + Int64(i), "/login", 401, user: "admin") }
        try w.append("access.log", burst2)
        try w.append("nginx-error.log", Self.nginxNamesMembers + Self.nginxMismatch)
        follower.poll(now: 2)
        c = follower.snapshot()
        #expect(c.lines == 19)
        #expect(c.requestsByStatus == [401: 15, 200: 3])
        #expect(c.bruteForceClients == 1)
        #expect(c.errorEventsByCause == [.passwordMismatch: 2, .userNotFound: 2, .authfileUnreadable: 1])

        // rename rotation: the server still writes to the renamed file, then to a new one; a 401 at the
        // end of the old file is answered at the start of the new one
        try w.rename("access.log", to: "access.log.1")
        try w.append(
            "access.log.1", accessLine("10.0.0.6", t + 30, "/basic/", 200) + accessLine("10.0.0.7", t + 31, "/x", 401),
            stream: "access.log")
        var fresh = accessLine("10.0.0.7", t + 33, "/x", 200)
        for i in 0..<20 { fresh += accessLine("10.1.0.\(i)", t + 34 + Int64(i), "/page\(i)", 404) }
        try w.append("access.log", fresh)
        follower.poll(now: 3)
        c = follower.snapshot()
        #expect(c.inputs[0].rotations == 1)
        #expect(c.inputs[0].truncations == 0)
        #expect(c.inputs[0].offset == Int64(fresh.utf8.count))
        #expect(c.handshakes == 2)
        #expect(c.requestsByStatus[404] == 20)

        // copytruncate: the same file, emptied and written again (shorter than what was read)
        try w.copyTruncate("access.log", to: "access.log.2")
        let after = accessLine("10.0.0.8", t + 60, "/basic/", 401) + accessLine("10.0.0.9", t + 61, "/", 302)
        try w.append("access.log", after)
        follower.poll(now: 4)
        c = follower.snapshot()
        #expect(c.inputs[0].rotations == 1)
        #expect(c.inputs[0].truncations == 1)
        #expect(c.inputs[0].offset == Int64(after.utf8.count))
        #expect(c.requestsByStatus[302] == 1)

        // a file that appears later is read from its start
        try w.append(
            "late.log", accessLine("192.0.2.1", t + 70, "/late", 401) + accessLine("192.0.2.1", t + 71, "/late", 204))
        follower.poll(now: 5)
        c = follower.snapshot()
        #expect(c.inputs[1].waiting == false)
        #expect(c.inputs[1].format == "combined")
        #expect(c.handshakes == 3)
        #expect(c.pendingUnauthorized > 0)

        // far later in log time: the brute-force run has left the window
        try w.append("access.log", accessLine("10.0.0.10", t + 600, "/", 200))
        follower.poll(now: 6)
        c = follower.snapshot()
        #expect(c.bruteForceClients == 0)

        // quiet for longer than settleAfter: every open 401 settles as a failure
        follower.poll(now: 100)
        c = follower.snapshot()
        #expect(c.pendingUnauthorized == 0)
        #expect(c.unauthorized == 18)
        #expect(c.failures == 18 - 3)

        var reference = LogScanOptions(
            accessPaths: [
                try w.reference("access.log"), try w.reference("late.log"), try w.reference("apache-error.log"),
            ],
            errorPaths: [try w.reference("nginx-error.log")], threads: 1)
        reference.userFiles = options.userFiles
        let ready = reference
        let s = try await offPool { try LogScan.scan(ready) }
        expectSameAsOneShot(c, s)
        #expect(s.handshakes == 3)
        #expect(s.errorEvents.count >= 4)
        #expect(c.inputs.prefix(4).map(\.kind) == s.inputs.map(\.kind))
        #expect(c.inputs.prefix(4).map(\.format) == s.inputs.map(\.format))
        #expect(c.inputs.allSatisfy { $0.problem == nil || $0.path.hasSuffix("a-directory") })
    }

    @Test(
        "generated logs with every quirk, fed in random cuts: every counter equals the one-shot scan",
        arguments: [
            (seed: UInt64(7), common: false, forwarded: false, vhost: false, block: 0),
            (seed: UInt64(8), common: true, forwarded: true, vhost: false, block: 0),
            (seed: UInt64(9), common: false, forwarded: false, vhost: true, block: 160),
        ])
    func generated(_ c: (seed: UInt64, common: Bool, forwarded: Bool, vhost: Bool, block: Int)) async throws {
        let dir = try TempDirectory(prefix: "logfollow")
        let w = LogWriter(dir)
        // a long span: open 401s settle by the log's clock (handshake window + disorder) during the run
        let truth = Generator.combined(
            seed: c.seed, count: 4000, spanSeconds: 6 * 3600, vhost: c.vhost, common: c.common, forwarded: c.forwarded)
        var text = Generator.text(truth)
        if c.block > 0 {
            // lines at and past the block size count as malformed, as in the one-shot scan
            text += String(repeating: "x", count: c.block - 1) + "\n" + String(repeating: "y", count: c.block) + "\n"
            text += String(repeating: "z", count: 3 * c.block + 7) + "\n" + accessLine("10.0.0.1", Self.t0, "/", 401)
        }
        var options = LogFollowOptions(accessPaths: [dir.path("access.log")])
        if c.block > 0 { options.blockSize = c.block }
        let follower = try LogFollower(options)
        let bytes = Array(text.utf8)
        var rng = SplitMix64(state: c.seed)
        var at = 0
        var now = 0.0
        var settledByClock = 0
        while at < bytes.count {
            // the first cut holds a few lines: the format is detected from what is there
            let n = min(bytes.count - at, Int.random(in: (at == 0 ? 2000 : 1)...9000, using: &rng))
            try w.append("access.log", String(decoding: bytes[at..<at + n], as: UTF8.self))
            at += n
            now += 1
            follower.poll(now: now)
            let s = follower.snapshot()
            #expect(s.lines <= truth.count)
            settledByClock = s.failures
        }
        let before = follower.snapshot()
        #expect(before.pendingUnauthorized > 0)
        #expect(settledByClock > 0)
        follower.poll(now: now + options.settleAfter)
        let counts = follower.snapshot()
        #expect(counts.pendingUnauthorized == 0)
        #expect(counts.failures >= before.failures)

        var reference = LogScanOptions(accessPaths: [try w.reference("access.log")], threads: 1)
        if c.block > 0 { reference.blockSize = c.block }
        let ready = reference
        let s = try await offPool { try LogScan.scan(ready) }
        #expect(s.handshakes > 20)
        #expect(s.malformed > 10)
        expectSameAsOneShot(counts, s)
        #expect(counts.inputs.first?.format == s.inputs.first?.format)
    }

    @Test("memory stays bounded: 200k lines from 100k clients over a day leave small tables")
    func boundedMemory() async throws {
        let dir = try TempDirectory(prefix: "logfollow")
        let path = dir.path("access.log")
        let follower = try LogFollower(LogFollowOptions(accessPaths: [path]))
        let total = 200_000
        let perBurst = 10_000
        let t0 = Self.t0
        // seconds of work in a debug build: on a thread of its own (`offPool`)
        let largest = try await offPool { () throws -> Int in
            FileManager.default.createFile(atPath: path, contents: nil)
            var largest = 0
            for burst in 0..<(total / perBurst) {
                var text = ""
                text.reserveCapacity(perBurst * 100)
                for k in (burst * perBurst)..<((burst + 1) * perBurst) {
                    // two lines per client, two lines per second: a 401, then a 200 (handshake) for half of them
                    let client = "10.\(k / 2 / 65536).\(k / 2 / 256 % 256).\(k / 2 % 256)"
                    let status = k % 2 == 0 ? 401 : (k % 4 == 1 ? 200 : 401)
                    text += accessLine(client, t0 + Int64(k / 2), "/p\(k / 2 % 1000)", status, user: "u\(k / 2)")
                }
                let handle = try #require(FileHandle(forWritingAtPath: path))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(text.utf8))
                try handle.close()
                follower.poll(now: Double(burst))
                largest = max(largest, follower.stateSize)
            }
            return largest
        }
        let counts = follower.snapshot()
        #expect(counts.lines == total)
        #expect(counts.handshakes == total / 4)
        // open 401s of the last handshake window + disorder (~910 s, ~1800 lines) and 401s of the last minute
        #expect(largest > 100)
        #expect(largest < 6000)
        #expect(counts.failures > 90_000)
        follower.poll(now: 1000)
        #expect(follower.stateSize < 400)
        let s = try await offPool { try LogScan.scan(LogScanOptions(accessPaths: [path])) }
        expectSameAsOneShot(follower.snapshot(), s)
    }

    @Test("the brute-force gauge: clients with 10 unanswered 401s within the burst window, aging out")
    func bruteForceGauge() throws {
        let dir = try TempDirectory(prefix: "logfollow")
        let w = LogWriter(dir)
        let follower = try LogFollower(
            LogFollowOptions(accessPaths: [dir.path("access.log")], burstWindow: 60, bruteForcePeak: 10))
        let t = Self.t0
        var text = ""
        for i in 0..<12 {
            text += accessLine("198.51.100.1", t + Int64(i * 4), "/login", 401)  // 12 in 44 s: brute force
            text += accessLine("198.51.100.2", t + Int64(i * 4), "/login", 401)  // 12 in 44 s, after a pause below
            text += accessLine("198.51.100.3", t + Int64(i * 4), "/app", 401)  // 12 handshakes
            text += accessLine("198.51.100.3", t + Int64(i * 4), "/app", 200)
            if i < 9 { text += accessLine("198.51.100.4", t + Int64(i), "/login", 401) }  // 9 only
        }
        try w.append("access.log", text)
        follower.poll(now: 1)
        #expect(follower.snapshot().bruteForceClients == 2)
        #expect(follower.snapshot().handshakes == 12)

        // 70 s on: the first client's 401s have left the 60 s window; the second one keeps going
        var more = ""
        for i in 0..<10 { more += accessLine("198.51.100.2", t + 110 + Int64(i), "/login", 401) }
        try w.append("access.log", more)
        follower.poll(now: 2)
        #expect(follower.snapshot().bruteForceClients == 1)

        // the log goes quiet: its clock is taken to run on with the wall clock
        follower.poll(now: 2 + 30)
        #expect(follower.snapshot().bruteForceClients == 1)
        follower.poll(now: 2 + 61)
        #expect(follower.snapshot().bruteForceClients == 0)

        // a later line: everything before has aged out of the tables
        try w.append("access.log", accessLine("198.51.100.9", t + 400, "/", 200))
        follower.poll(now: 70)
        #expect(follower.snapshot().bruteForceClients == 0)
        #expect(follower.stateSize == 0)
    }

    @Test("open 401s settle as failures after settleAfter quiet seconds, not before")
    func idleSettle() throws {
        let dir = try TempDirectory(prefix: "logfollow")
        let w = LogWriter(dir)
        let follower = try LogFollower(LogFollowOptions(accessPaths: [dir.path("access.log")], settleAfter: 10))
        try w.append(
            "access.log", accessLine("10.0.0.1", Self.t0, "/a", 401) + accessLine("10.0.0.2", Self.t0, "/b", 401))
        follower.poll(now: 100)
        try w.append("access.log", accessLine("10.0.0.1", Self.t0 + 2, "/a", 200))
        follower.poll(now: 105)
        #expect(follower.snapshot().handshakes == 1)
        #expect(follower.snapshot().pendingUnauthorized == 1)
        // half a line is no line: the input is quiet
        try w.append("access.log", "10.0.0.2 - - [")
        follower.poll(now: 114)
        #expect(follower.snapshot().pendingUnauthorized == 1)
        follower.poll(now: 115)
        #expect(follower.snapshot().pendingUnauthorized == 0)
        #expect(follower.snapshot().failures == 1)
        #expect(follower.snapshot().lines == 3)
    }

    @Test("a path that disappears waits, is read from 0 when created again; a directory is a problem")
    func waitingAndProblems() throws {
        let dir = try TempDirectory(prefix: "logfollow")
        let w = LogWriter(dir)
        let path = dir.path("access.log")
        let follower = try LogFollower(LogFollowOptions(accessPaths: [path], settleAfter: 5))
        follower.poll(now: 0)
        #expect(follower.snapshot().inputs == [FollowedInput(path: path, kind: .access, waiting: true)])
        try dir.makeDirectory("access.log")
        follower.poll(now: 1)
        #expect(follower.snapshot().inputs.first?.problem == "is a directory")
        #expect(follower.snapshot().inputs.first?.waiting == false)
        try FileManager.default.removeItem(atPath: path)
        try w.append("access.log", accessLine("10.0.0.1", Self.t0, "/", 200))
        follower.poll(now: 2)
        #expect(
            follower.snapshot().inputs == [
                FollowedInput(
                    path: path, kind: .access, format: "combined", offset: Int64(w.streams["access.log"]!.count))
            ])
        try FileManager.default.removeItem(atPath: path)
        follower.poll(now: 3)
        #expect(follower.snapshot().inputs.first?.waiting == true)
        try w.append("access.log", accessLine("10.0.0.2", Self.t0 + 1, "/", 200))
        follower.poll(now: 4)
        let c = follower.snapshot()
        #expect(c.inputs.first?.rotations == 1)
        #expect(c.inputs.first?.waiting == false)
        #expect(c.lines == 2)

        // binary content is not followed
        try dir.write("binary.log", Data([0x31, 0x00, 0x32, 0x0A]))
        let binary = try LogFollower(LogFollowOptions(accessPaths: [dir.path("binary.log")]))
        binary.poll(now: 0)
        #expect(binary.snapshot().inputs.first?.problem == "binary file, not a text log")
        #expect(binary.snapshot().lines == 0)
    }

    @Test("a bad --log-format, a .gz and stdin are refused")
    func refused() throws {
        #expect(throws: LogScanError.self) { try LogFollower(LogFollowOptions(logFormat: "%h %")) }
        #expect(throws: LogScanError.self) { try LogFollower(LogFollowOptions(accessPaths: ["/var/log/a.log.gz"])) }
        #expect(throws: LogScanError.self) { try LogFollower(LogFollowOptions(errorPaths: ["-"])) }
        #expect(throws: Never.self) { _ = try LogFollower(LogFollowOptions(accessPaths: ["/nonexistent/a.log"])) }
    }

    @Test("a custom LogFormat is parsed like the one-shot scan")
    func customFormat() async throws {
        let dir = try TempDirectory(prefix: "logfollow")
        let w = LogWriter(dir)
        let format = "%h %l %u %t \"%r\" %>s %b %D"
        let follower = try LogFollower(LogFollowOptions(accessPaths: [dir.path("access.log")], logFormat: format))
        try w.append(
            "access.log",
            "10.0.0.1 - - [\(CLF.time(Self.t0))] \"GET /a HTTP/1.1\" 401 5 120\n"
                + "10.0.0.1 - alice [\(CLF.time(Self.t0 + 1))] \"GET /a HTTP/1.1\" 200 5 99\n" + "garbage\n")
        follower.poll(now: 0)
        follower.poll(now: 100)
        let c = follower.snapshot()
        #expect(c.inputs.first?.format == "custom")
        #expect(c.handshakes == 1)
        #expect(c.malformed == 1)
        var reference = LogScanOptions(accessPaths: [try w.reference("access.log")])
        reference.logFormat = format
        let ready = reference
        let s = try await offPool { try LogScan.scan(ready) }
        expectSameAsOneShot(c, s)
    }
}
