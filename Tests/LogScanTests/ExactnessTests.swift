// Every figure of LogSummary against an independent count of a generated log with a known truth,
// with one and two threads and with chunks so small that handshake pairs straddle boundaries.
import Evidence
import Foundation
import TestSupport
import Testing

@testable import LogScan

/// Scans on a thread of its own (`offPool`): tiny chunks make a debug-build scan take seconds.
func scanFile(
    _ path: String, threads: Int = 1, chunk: Int = 0, block: Int = 0,
    _ configure: (inout LogScanOptions) -> Void = { _ in }
) async throws -> LogSummary {
    var options = LogScanOptions(accessPaths: [path], threads: threads)
    options.chunkSize = chunk
    options.blockSize = block
    configure(&options)
    let ready = options
    return try await offPool { try LogScan.scan(ready) }
}

func expectMatches(_ s: LogSummary, _ e: Expected, path: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(s.lines == e.lines, sourceLocation: sourceLocation)
    #expect(s.requests == e.requests, sourceLocation: sourceLocation)
    #expect(s.unauthorized == e.unauthorized, sourceLocation: sourceLocation)
    #expect(s.handshakes == e.handshakes, sourceLocation: sourceLocation)
    #expect(s.successes == e.successes, sourceLocation: sourceLocation)
    #expect(s.malformed == e.malformed, sourceLocation: sourceLocation)
    #expect(
        s.malformedSamples == e.malformedLines.map { LineReference(path: path, line: $0) },
        sourceLocation: sourceLocation)
    #expect(s.first == e.first, sourceLocation: sourceLocation)
    #expect(s.last == e.last, sourceLocation: sourceLocation)
    #expect(s.bucketSeconds == e.bucketSeconds, sourceLocation: sourceLocation)
    #expect(s.timeline == e.timeline, sourceLocation: sourceLocation)
    #expect(s.topPaths == e.topPaths, sourceLocation: sourceLocation)
    #expect(s.topClients == e.topClients, sourceLocation: sourceLocation)
    #expect(s.topUsers == e.topUsers, sourceLocation: sourceLocation)
    #expect(s.topUserAgents == e.topUserAgents, sourceLocation: sourceLocation)
    #expect(s.clients == e.clients, sourceLocation: sourceLocation)
    #expect(s.users == e.users, sourceLocation: sourceLocation)
}

@Suite("LogScan exactness")
struct ExactnessTests {
    @Test("combined log with every quirk: every figure equals the independent count")
    func combinedExact() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 42, count: 4000)
        let path = try dir.write("access.log", Generator.text(truth))
        let expected = Expected(truth)
        #expect(expected.handshakes > 20)
        #expect(expected.malformed > 20)
        #expect(expected.unauthorized > expected.handshakes)
        let one = try await scanFile(path, threads: 1)
        expectMatches(one, expected, path: path)
        #expect(
            one.inputs == [
                LogInput(
                    path: path, kind: .access, format: "combined", lines: expected.lines, malformed: expected.malformed)
            ])
        let two = try await scanFile(path, threads: 2)
        #expect(two == one)
        // chunks of ~5 lines: pairs straddle chunk boundaries everywhere
        for chunk in [997, 4096, 20000] {
            let small = try await scanFile(path, threads: 2, chunk: chunk)
            #expect(small == one, "chunk \(chunk)")
        }
    }

    @Test("several seeds, tiny chunks, three threads")
    func seeds() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        for seed in [1, 7, 99] as [UInt64] {
            let truth = Generator.combined(seed: seed, count: 1500)
            let path = try dir.write("access-\(seed).log", Generator.text(truth))
            let s = try await scanFile(path, threads: 3, chunk: 613)
            expectMatches(s, Expected(truth), path: path)
        }
    }

    @Test("burst peak stays exact when settled seconds are dropped all the time, across tiny chunks")
    func boundedPeak() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        for (seed, span) in [(3, 12 * 3600), (8, 3 * 86400), (13, 2 * 3600)] as [(UInt64, Int64)] {
            let truth = Generator.combined(seed: seed, count: 3000, spanSeconds: span)
            let path = try dir.write("access-\(seed).log", Generator.text(truth))
            let expected = Expected(truth)
            let expected300 = Expected(truth, burst: 300).clients
            #expect(expected.clients.contains { $0.peakFailures > 1 })
            // chunks of hours (a chunk drops seconds of its own; bursts straddle its start) and of minutes
            let long = stride(from: 40_000, to: 200_000, by: 9_973).map { (2, $0) }
            for (threads, chunk) in [(1, 0), (3, 613), (2, 4096)] + long {
                let s = try await scanFile(path, threads: threads, chunk: chunk) {
                    $0.peakCompactMinimum = 1
                    $0.burstWindow = 300
                }
                #expect(s.clients == expected300, "seed \(seed) threads \(threads) chunk \(chunk)")
                let d = try await scanFile(path, threads: threads, chunk: chunk) { $0.peakCompactMinimum = 1 }
                expectMatches(d, expected, path: path)
            }
        }
    }

    @Test("a span over 48 hours is bucketed by hour, without gaps")
    func hourly() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 5, count: 1200, spanSeconds: 5 * 86400)
        let path = try dir.write("access.log", Generator.text(truth))
        let s = try await scanFile(path, threads: 2, chunk: 5000)
        #expect(s.bucketSeconds == 3600)
        expectMatches(s, Expected(truth), path: path)
        #expect(zip(s.timeline, s.timeline.dropFirst()).allSatisfy { $1.start - $0.start == 3600 })
    }

    @Test("timeline slots coarsen inside chunks as their span grows: hourly and daily stay exact")
    func coarseTimeline() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        // busy hours far apart (lines stay in time order: the jumps are forward)
        for (seed, gap, width) in [(6, 9 * 86400, 3600), (9, 366 * 86400, 86400)] as [(UInt64, Int64, Int)] {
            let truth = (0..<3).flatMap { i in
                Generator.combined(seed: seed + UInt64(i), count: 800, start: Generator.base + Int64(i) * gap)
            }
            let path = try dir.write("access-\(seed).log", Generator.text(truth))
            for (threads, chunk) in [(1, 0), (2, 613), (2, 30_000), (3, 120_000)] {
                let s = try await scanFile(path, threads: threads, chunk: chunk)
                #expect(s.bucketSeconds == width)
                expectMatches(s, Expected(truth), path: path)
            }
        }
    }

    @Test("common and vhost_combined")
    func otherFormats() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let common = Generator.combined(seed: 11, count: 800, common: true)
        let cpath = try dir.write("common.log", Generator.text(common))
        let c = try await scanFile(cpath, threads: 2, chunk: 3000)
        expectMatches(c, Expected(common), path: cpath)
        #expect(c.inputs.first?.format == "common")
        let vhost = Generator.combined(seed: 12, count: 800, vhost: true)
        let vpath = try dir.write("vhost.log", Generator.text(vhost))
        let v = try await scanFile(vpath, threads: 2, chunk: 3000)
        expectMatches(v, Expected(vhost), path: vpath)
        #expect(v.inputs.first?.format == "vhost_combined")
    }

    @Test("--since/--until keep only requests inside the range")
    func timeRange() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 21, count: 2000)
        let path = try dir.write("access.log", Generator.text(truth))
        let since = Generator.base + 1800
        let until = Generator.base + 5400
        let s = try await scanFile(path, threads: 2, chunk: 7000) {
            $0.since = since
            $0.until = until
        }
        expectMatches(s, Expected(truth, since: since, until: until), path: path)
        #expect(s.first! >= since && s.last! < until)
    }

    @Test("parseTime accepts ISO dates, date-times, offsets and the log form")
    func parseTime() {
        let day: Int64 = 1_795_910_400
        let clock: Int64 = day + 31876
        let clockPlus1h: Int64 = day + 35476
        let clockMinute: Int64 = day + 31860
        #expect(LogScan.parseTime("2026-11-29") == day)
        #expect(LogScan.parseTime("2026-11-29T08:51:16Z") == clock)
        #expect(LogScan.parseTime("2026-11-29T08:51:16") == clock)
        #expect(LogScan.parseTime("2026-11-29T10:51:16+02:00") == clock)
        #expect(LogScan.parseTime("2026-11-29T08:51:16.250-0100") == clockPlus1h)
        #expect(LogScan.parseTime("2026-11-29 08:51") == clockMinute)
        #expect(LogScan.parseTime("29/Nov/2026:08:51:16 +0000") == clock)
        #expect(LogScan.parseTime("[29/Nov/2026:09:51:16 +0100]") == clock)
        #expect(LogScan.parseTime("yesterday") == nil)
        #expect(LogScan.parseTime("2026-13-01") == nil)
    }
}

@Suite("LogScan late splitting")
struct LateSplitTests {
    @Test("an idle worker takes the second half of what the reader has not reserved, and never less than the minimum")
    func queueSplitsBehindTheReader() throws {
        let unit = WorkUnit(input: 0, start: 0, end: 1000, firstOfInput: true, lastOfInput: true, stream: false)
        let queue = WorkQueue(units: [unit], minimumSplit: 100)
        let first = try #require(queue.take())
        let bounds = try #require(first.bounds)
        #expect(bounds.reserve(upTo: 200) == 1000)
        // 800 left unreserved: the thief takes 600..<1000, the reader now ends at 600
        let second = try #require(queue.take())
        #expect(second.unit.start == 600 && second.unit.end == 1000)
        #expect(!second.unit.firstOfInput && second.unit.lastOfInput)
        #expect(bounds.reserve(upTo: 400) == 600)
        // 200 left behind the reader, 400 in the stolen chunk (not reserved yet): the stolen one is split
        let third = try #require(queue.take())
        #expect(third.unit.start == 800 && third.unit.end == 1000)
        #expect(second.bounds?.reserve(upTo: 800) == 800)
        #expect(bounds.reserve(upTo: 550) == 600)
        #expect(third.bounds?.reserve(upTo: 900) == 1000)
        // nothing left with 2 × 100 unreserved bytes
        #expect(queue.take() == nil)
        queue.finish(first, UnitResult(agg: Aggregate(window: 10), problem: nil))
        queue.finish(second, UnitResult(agg: Aggregate(window: 10), problem: nil))
        queue.finish(third, UnitResult(agg: Aggregate(window: 10), problem: nil))
        let units = queue.finished.map(\.0)
        #expect(units.map(\.start) == [0, 600, 800])
        #expect(units.map(\.end) == [600, 800, 1000])
        #expect(units.map(\.firstOfInput) == [true, false, false])
        #expect(units.map(\.lastOfInput) == [false, false, true])
    }

    @Test("idle workers split a running chunk, and the pieces cover it in order")
    func workersSplit() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let path = try dir.write("access.log", Generator.text(Generator.combined(seed: 5, count: 6000)))
        var stdinUsed = false
        let input = InputPlanner.plan(path: path, wantError: false, custom: nil, stdinUsed: &stdinUsed)
        defer { close(input.fd) }
        var options = LogScanOptions(accessPaths: [path], threads: 3)
        options.splitMinimum = 1000
        var pieces = 0
        for _ in 0..<3 {
            let unit = WorkUnit(
                input: 0, start: 0, end: input.size, firstOfInput: true, lastOfInput: true, stream: false)
            let done = Workers.run(
                units: [unit], inputs: [input], options: options, threads: 3, blockSize: 8192, totalBytes: nil,
                progress: nil)
            let units = done.map(\.0)
            #expect(units.first?.start == 0 && units.last?.end == input.size)
            #expect(zip(units, units.dropFirst()).allSatisfy { $0.end == $1.start }, "pieces must be contiguous")
            #expect(units.map(\.firstOfInput) == [true] + Array(repeating: false, count: units.count - 1))
            #expect(units.map(\.lastOfInput) == Array(repeating: false, count: units.count - 1) + [true])
            pieces += units.count
        }
        // a 900 kB chunk read 8 kB at a time by one of three threads: the two others take parts of it
        #expect(pieces > 3)
    }

    @Test("one chunk taken over by idle workers again and again: every figure unchanged")
    func takeOversKeepFiguresExact() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 21, count: 6000)
        let path = try dir.write("access.log", Generator.text(truth))
        let one = try await scanFile(path, threads: 1)
        expectMatches(one, Expected(truth), path: path)
        for (threads, minimum) in [(2, 1500), (3, 700), (2, 40_000)] {
            // one chunk for the whole file and small reads: the other workers can only split it
            let s = try await scanFile(path, threads: threads, chunk: 1 << 30, block: 8192) {
                $0.splitMinimum = minimum
            }
            #expect(s == one, "threads \(threads), split minimum \(minimum)")
        }
    }
}

@Suite("LogScan summary")
struct SummarySliceTests {
    @Test("client records built in parallel slices equal those built on one thread, in rank order")
    func parallelClientRecords() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        // 12 000 clients with failed 401s (more than the 4 096 per slice): client i fails (i % 7) + 1 times
        var text = ""
        for i in 0..<12_000 {
            let client = "10.\(i / 65536).\((i / 256) % 256).\(i % 256)"
            for k in 0...(i % 7) {
                text +=
                    """
                    \(client) - user\(k % 3) [29/Nov/2026:08:\(String(format: "%02d", k)):00 +0000] \"GET \
                    /p\(i % 5) HTTP/1.1\" 401 0 \"-\" \"t\"\n
                    """
            }
        }
        let path = try dir.write("many.log", text)
        let one = try await scanFile(path, threads: 1)
        #expect(one.clients.count == 12_000)
        #expect(one.clients.first?.failures == 7 && one.clients.last?.failures == 1)
        #expect(
            zip(one.clients, one.clients.dropFirst()).allSatisfy {
                $0.failures > $1.failures
                    || ($0.failures == $1.failures && $0.address.utf8.lexicographicallyPrecedes($1.address.utf8))
            })
        for threads in [2, 3] {
            let many = try await scanFile(path, threads: threads)
            #expect(many.clients == one.clients, "threads \(threads)")
        }
    }
}
