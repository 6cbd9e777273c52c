import ArgumentParser
import Diagnosis
import Evidence
import Imports
import Report

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 har FILE.har [--redact OUT.har]`: every 401 in a browser or proxy export, offline.
struct HARCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "har",
        abstract: "Diagnose every 401 in a HAR export (browser DevTools, mitmproxy, Charles, Fiddler, Postman).",
        discussion: """
            Reads a HAR 1.2 file and diagnoses each entry that got a 401, a 407, or a 403 with a challenge or an \
            authentication message, with the same rules as the live check — plus what the file shows around it: \
            the redirect that dropped Authorization, the preflight before it, the login response whose cookie \
            has expired since or is scoped elsewhere, the token that expired between two requests, the same \
            request succeeding earlier. Nothing is sent anywhere.

            HAR files hold secrets (Authorization, cookies, tokens in URLs and bodies): har.contains-secrets \
            names where (never the values), and --redact OUT.har writes a copy with them masked — every other \
            byte unchanged, so it still opens in a HAR viewer.

            Files up to 256 MiB are read; larger ones are refused.

            Examples:
              why401 har capture.har
              why401 har capture.har --json
              why401 har capture.har --redact capture-redacted.har

            Exit codes: 0 no entry diagnosed, 1 at least one entry diagnosed, 2 usage, 3 unreadable or not a HAR.
            """
    )

    @Argument(help: ArgumentHelp("The HAR file.", valueName: "FILE.har"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("Write a copy with secrets masked to this path.", valueName: "OUT.har"))
    var redact: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let redact, redact == file { throw ValidationError("--redact needs another path than the input (the original stays as it is)") }
        if let redact, redact.isEmpty { throw ValidationError("--redact needs a path") }
    }

    func run() async throws {
        let bytes = try Self.read(file)
        let har: HARFile
        do {
            har = try HARFile.parse(bytes)
        } catch {
            throw CLIFailure.incomplete("\(file): \(error.description)")
        }
        var notes: [String] = []
        if let redact {
            let copy: [UInt8]
            do {
                copy = try HARSecrets.redact(bytes)
            } catch {
                throw CLIFailure.incomplete("\(file): \(error.description)")
            }
            try Self.writeFile(copy, to: redact)
            notes.append("redacted copy written to \(redact)")
        }
        var report = Self.report(har, subject: file, now: Self.now())
        if !notes.isEmpty { report.sections.insert(.init(title: "Redaction", lines: notes), at: 0) }
        try output.emit(report)
    }

    /// Imports → check evidence → rules → report. Also the library path the tests use.
    static func report(_ har: HARFile, subject: String, now: Double) -> DiagnosticReport {
        let entries = HARAnalysis.cases(har, now: now).map { c in
            let history = HARHistory(earlierSuccesses: c.earlierSuccesses.map { .init(index: $0.index, line: $0.line, sameCredentials: $0.sameCredentials, cookieNames: $0.cookieNames) })
            return HARReport.Entry(
                index: c.index, method: c.method, url: c.url, status: c.status, findings: HARRules.run(c.evidence, history: history),
                exchange: c.evidence.final?.exchange)
        }
        let fileFindings = [HARRules.containsSecrets(HARSecrets.locations(har))].compactMap { $0 }
        return HARReport.build(
            subject: subject, entryCount: har.entries.count, pageCount: har.pageCount, creator: har.creator, entries: entries,
            fileFindings: fileFindings)
    }

    static func read(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw CLIFailure.incomplete("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CLIFailure.incomplete("\(path) is not a regular file") }
        let size = Int(info.st_size)
        if size > HARFile.maxBytes {
            throw CLIFailure.incomplete(
                "\(path) is \(size >> 20) MiB; why401 har reads files up to \(HARFile.maxBytes >> 20) MiB (export fewer requests, or filter the HAR first)")
        }
        if size == 0 { throw CLIFailure.incomplete("\(path): the file is empty") }
        return try SecretInput.readSmallFileBytes(path, what: "har", limit: HARFile.maxBytes)
    }

    static func writeFile(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw CLIFailure.incomplete("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            guard n > 0 else { throw CLIFailure.incomplete("cannot write \(path): \(String(cString: strerror(errno)))") }
            written += n
        }
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec)
    }
}
