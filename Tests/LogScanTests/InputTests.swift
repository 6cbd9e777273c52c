// Inputs: gzip (multi-member, truncated), stdin, globs, unreadable and binary files, huge lines,
// --log-format, JSON lines. Each compares against the same independent count as ExactnessTests.
import Evidence
import Foundation
import TestSupport
import Testing

@testable import LogScan

func run(_ tool: String, _ args: [String], in dir: String) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [tool] + args
    p.currentDirectoryURL = URL(fileURLWithPath: dir)
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "\(tool) \(args)")
}

func jsonString(_ s: String?) -> String {
    guard let s else { return "\"\"" }
    let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
    let text = String(decoding: data, as: UTF8.self)
    return String(text.dropFirst().dropLast())
}

@Suite("LogScan inputs", .serialized)
struct InputTests {
    @Test("rotated .gz made by gzip, and a multi-member .gz, count like the plain file")
    func gzip() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 31, count: 2000)
        let plain = try dir.write("access.log", Generator.text(truth))
        try dir.write("copy.log", Generator.text(truth))
        try run("gzip", ["-k", "-9", "copy.log"], in: dir.path)
        let gz = dir.path("copy.log.gz")
        let reference = try await scanFile(plain)
        let fromGz = try await scanFile(gz, threads: 2)
        expectMatches(fromGz, Expected(truth), path: gz)
        #expect(fromGz.inputs.first?.gzip == true)
        #expect(fromGz.inputs.first?.problem == nil)
        #expect(fromGz.timeline == reference.timeline)

        // two members: `cat a.gz b.gz`
        let half = truth.count / 2
        try dir.write("a.log", Generator.text(Array(truth[..<half])))
        try dir.write("b.log", Generator.text(Array(truth[half...])))
        try run("gzip", ["-9", "a.log", "b.log"], in: dir.path)
        let multi = dir.path("multi.gz")
        let joined =
            try Data(contentsOf: URL(fileURLWithPath: dir.path("a.log.gz")))
            + Data(contentsOf: URL(fileURLWithPath: dir.path("b.log.gz")))
        try joined.write(to: URL(fileURLWithPath: multi))
        let m = try await scanFile(multi)
        expectMatches(m, Expected(truth), path: multi)
        #expect(m.inputs.first?.problem == nil)
    }

    @Test("a .gz inflated on its own thread (several times the pipe's ring) gives one thread's figures")
    func gzipInflatedAhead() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let text = Generator.text(Generator.combined(seed: 34, count: 80_000))
        // More than the ring holds, so every block is filled and given back several times.
        #expect(text.utf8.count > 2 * InflatePipe.slots * InflatePipe.blockSize)
        let plain = try dir.write("plain.log", text)
        try dir.write("big.log", text)
        try run("gzip", ["-1", "big.log"], in: dir.path)
        let gz = dir.path("big.log.gz")
        let ahead = try LogScan.scan(LogScanOptions(accessPaths: [gz], threads: 2))
        let inline = try LogScan.scan(LogScanOptions(accessPaths: [gz], threads: 1))
        var reference = try LogScan.scan(LogScanOptions(accessPaths: [plain], threads: 1))
        // The same figures; only the file named differs.
        reference.inputs = ahead.inputs
        reference.malformedSamples = reference.malformedSamples.map { LineReference(path: gz, line: $0.line) }
        #expect(ahead.inputs.first?.problem == nil && ahead.lines > 75_000)
        let sameAsPlain = ahead == reference
        let sameAsOneThread = ahead == inline
        #expect(sameAsPlain && sameAsOneThread)
        // Cut short: both ways report it and count the same lines.
        let full = try Data(contentsOf: URL(fileURLWithPath: gz))
        let cut = try dir.write("cut.log.gz", full.prefix(full.count / 2))
        let cutAhead = try LogScan.scan(LogScanOptions(accessPaths: [cut], threads: 2))
        let cutInline = try LogScan.scan(LogScanOptions(accessPaths: [cut], threads: 1))
        #expect(cutAhead.inputs.first?.problem?.contains("truncated") == true)
        let cutSame = cutAhead == cutInline
        #expect(cutSame && cutAhead.lines > 10_000)
    }

    @Test("a truncated .gz is reported, what was inflated is counted, the other inputs too")
    func truncatedGzip() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 32, count: 3000)
        try dir.write("cut.log", Generator.text(truth))
        try run("gzip", ["-9", "cut.log"], in: dir.path)
        let full = try Data(contentsOf: URL(fileURLWithPath: dir.path("cut.log.gz")))
        let cut = try dir.write("cut.log.gz", full.prefix(full.count * 2 / 3))
        let other = Generator.combined(seed: 33, count: 300)
        let otherPath = try dir.write("other.log", Generator.text(other))
        let s = try LogScan.scan(LogScanOptions(accessPaths: [cut, otherPath]))
        #expect(s.inputs.count == 2)
        #expect(s.inputs[0].problem?.contains("truncated") == true)
        #expect(s.inputs[0].lines > 1000 && s.inputs[0].lines < Expected(truth).lines)
        #expect(s.inputs[1].problem == nil)
        #expect(s.inputs[1].lines == Expected(other).lines)
        #expect(s.lines == s.inputs[0].lines + s.inputs[1].lines)
    }

    @Test("stdin (`-`), plain and gzip")
    func stdin() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 34, count: 1500)
        let plain = try dir.write("in.log", Generator.text(truth))
        try dir.write("in2.log", Generator.text(truth))
        try run("gzip", ["in2.log"], in: dir.path)
        for file in [plain, dir.path("in2.log.gz")] {
            let fd = open(file, O_RDONLY)
            let saved = dup(0)
            dup2(fd, 0)
            close(fd)
            let s = try LogScan.scan(LogScanOptions(accessPaths: ["-"], threads: 2))
            dup2(saved, 0)
            close(saved)
            expectMatches(s, Expected(truth), path: "-")
            #expect(s.inputs.first?.path == "-")
        }
    }

    @Test("a named pipe (as `<(zcat …)` gives) is read once, like stdin")
    func namedPipe() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 39, count: 1200)
        let plain = try dir.write("in.log", Generator.text(truth))
        let fifo = dir.path("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat \"$0\" > \"$1\"", plain, fifo]
        try writer.run()
        let s = try LogScan.scan(LogScanOptions(accessPaths: [fifo], threads: 2))
        writer.waitUntilExit()
        expectMatches(s, Expected(truth), path: fifo)
        #expect(s.inputs.first?.problem == nil)
    }

    @Test("globs are expanded and sorted; an unreadable input among several is reported, the rest counted")
    func globsAndProblems() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let a = Generator.combined(seed: 35, count: 400)
        let b = Generator.combined(seed: 36, count: 500)
        try dir.write("access.log.1", Generator.text(a))
        try dir.write("access.log", Generator.text(b))
        try dir.makeDirectory("adir")
        let s = try LogScan.scan(
            LogScanOptions(accessPaths: [
                dir.path("access.log*"), dir.path("missing.log"), dir.path("adir"), dir.path("nomatch*.log"),
            ]))
        #expect(
            s.inputs.map(\.path) == [
                dir.path("access.log"), dir.path("access.log.1"), dir.path("missing.log"), dir.path("adir"),
                dir.path("nomatch*.log"),
            ])
        #expect(s.inputs[2].problem == "cannot open: No such file or directory")
        #expect(s.inputs[3].problem == "is a directory")
        #expect(s.inputs[4].problem == "no file matches this pattern")
        #expect(s.lines == Expected(a).lines + Expected(b).lines)
        #expect(s.requests == Expected(a).requests + Expected(b).requests)
    }

    @Test("a binary file is refused with a problem; nothing is counted from it")
    func binary() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        var rng = SplitMix64(state: 9)
        let bytes = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let bin = try dir.write("image.bin", Data(bytes))
        let s = try await scanFile(bin)
        #expect(s.inputs.first?.problem == "binary file, not a text log")
        #expect(s.lines == 0)
    }

    @Test("a 1 MB line: parsed when it is a request, counted malformed when not, or when longer than the read block")
    func hugeLines() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let long = String(repeating: "a", count: 1 << 20)
        let t = CLF.time(Generator.base)
        let text = """
            127.0.0.1 - - [\(t)] "GET /ok HTTP/1.1" 200 5 "-" "curl"
            10.0.0.1 - alice [\(t)] "GET /\(long) HTTP/1.1" 401 5 "-" "curl"
            \(long)
            127.0.0.1 - - [\(t)] "GET /ok HTTP/1.1" 200 5 "-" "curl"

            """
        let path = try dir.write("long.log", text)
        let s = try await scanFile(path, threads: 2, chunk: 100_000)
        #expect(s.lines == 4)
        #expect(s.requests == 3)
        #expect(s.unauthorized == 1)
        #expect(s.malformed == 1)
        #expect(s.malformedSamples == [LineReference(path: path, line: 3)])
        #expect(s.topPaths.first?.value.count == (1 << 20) + 1)
        // with a 64 KiB read block, lines longer than the block are counted malformed, never parsed
        let small = try await scanFile(path, threads: 2, chunk: 300_000, block: 65536)
        #expect(small.lines == 4)
        #expect(small.requests == 2)
        #expect(small.malformed == 2)
        #expect(small.malformedSamples.map(\.line) == [2, 3])
    }

    @Test("--log-format compiles an Apache LogFormat; a bad one throws")
    func customFormat() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 37, count: 1500)
        let text = truth.map { $0.request != nil ? $0.text + " 5123" : $0.text }.joined(separator: "\n") + "\n"
        let path = try dir.write("custom.log", text)
        let s = try await scanFile(path, threads: 2, chunk: 5000) {
            $0.logFormat = #"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %D"#
        }
        expectMatches(s, Expected(truth), path: path)
        #expect(s.inputs.first?.format == "custom")
        await #expect(throws: LogScanError.self) { try await scanFile(path) { $0.logFormat = "%h %Z" } }
        await #expect(throws: LogScanError.self) { try await scanFile(path) { $0.logFormat = "%h %l %u" } }
    }

    @Test("JSON lines with common field names")
    func jsonLines() async throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 38, count: 1500)
        var lines: [String] = []
        for (i, line) in truth.enumerated() {
            guard let r = line.request else {
                lines.append(line.text)
                continue
            }
            // the request line as logged, from the combined text between the first `] "` and `" NNN `
            let text = line.text
            let open = text.range(of: "] \"")!.upperBound
            let close = text.range(of: "\" \(r.status) ", options: .backwards)!.lowerBound
            let request = String(text[open..<close])
            let iso = ISO8601DateFormatter()
            let time =
                i % 2 == 0
                ? "\"time_local\":\(jsonString(CLF.time(r.time, offsetMinutes: 60)))"
                : "\"time_iso8601\":\(jsonString(iso.string(from: Date(timeIntervalSince1970: TimeInterval(r.time)))))"
            let status = i % 3 == 0 ? "\"\(r.status)\"" : "\(r.status)"
            lines.append(
                "{\(time),\"remote_addr\":\(jsonString(r.client)),\"remote_user\":\(jsonString(r.user)),"
                    + "\"request\":\(jsonString(request)),\"status\":\(status),\"body_bytes_sent\":12,"
                    + "\"http_user_agent\":\(jsonString(r.agent)),\"extra\":{\"a\":[1,2,{\"b\":\"}\"}]}}"
            )
        }
        let path = try dir.write("access.json", lines.joined(separator: "\n") + "\n")
        let s = try await scanFile(path, threads: 2, chunk: 9000)
        #expect(s.inputs.first?.format == "json")
        expectMatches(s, Expected(truth), path: path)
    }
}

final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [(Int64, Int64?)] = []
    func add(_ read: Int64, _ total: Int64?) { lock.withLock { calls.append((read, total)) } }
    var all: [(Int64, Int64?)] { lock.withLock { calls } }
}

@Suite("LogScan progress")
struct ProgressTests {
    @Test("progress reports bytes read against the total, ending at the total")
    func progress() throws {
        let dir = try TempDirectory(prefix: "logscan")
        let truth = Generator.combined(seed: 40, count: 3000)
        let path = try dir.write("access.log", Generator.text(truth))
        let size = Int64(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int)
        let log = ProgressLog()
        var options = LogScanOptions(accessPaths: [path], threads: 2)
        options.chunkSize = 50_000
        _ = try LogScan.scan(options) { log.add($0, $1) }
        let calls = log.all
        #expect(!calls.isEmpty)
        #expect(calls.last?.0 == size)
        #expect(calls.allSatisfy { $0.1 == size && $0.0 <= size })
        #expect(zip(calls, calls.dropFirst()).allSatisfy { $0.0 <= $1.0 })
    }
}
