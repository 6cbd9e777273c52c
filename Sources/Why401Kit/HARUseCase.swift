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
public struct HARRequest: Sendable {
    public enum Source: Sendable {
        /// A file on this machine, read whole (up to `HARFile.maxBytes`).
        case file(String)
        /// The export's bytes (an upload, a paste), with the name to show as the subject.
        case bytes([UInt8], name: String)
    }

    public var source: Source
    /// Also write a copy with every secret masked here — every other byte unchanged, so it still
    /// opens in a HAR viewer. Written owner-readable only.
    public var redactTo: String?
    /// The time tokens and cookies are judged at (seconds since 1970); nil: the wall clock.
    public var now: Double?

    public init(source: Source, redactTo: String? = nil, now: Double? = nil) {
        self.source = source
        self.redactTo = redactTo
        self.now = now
    }
}

extension UseCase {
    /// Reads the export, diagnoses each entry that got a 401, a 407 or an authentication 403 with the
    /// HAR rules (the client rules plus what the file shows around it), and names where the file holds
    /// secrets. Throws `AuditFailure.incomplete` for a file that cannot be read, is empty, too large or
    /// not a HAR, and for a redacted copy that cannot be written; `.usage` when the copy would
    /// overwrite the input or has no path.
    public static func analyzeHAR(_ request: HARRequest) throws -> HARResult {
        let bytes: [UInt8]
        let subject: String
        if request.redactTo?.isEmpty == true { throw AuditFailure.usage("--redact needs a path") }
        switch request.source {
        case .file(let path):
            if request.redactTo == path {
                throw AuditFailure.usage("--redact needs another path than the input (the original stays as it is)")
            }
            bytes = try readHAR(path)
            subject = path
        case .bytes(let given, let name):
            bytes = given
            subject = name
        }
        let har: HARFile
        do {
            har = try HARFile.parse(bytes)
        } catch {
            throw AuditFailure.incomplete("\(subject): \(error.description)")
        }
        if let target = request.redactTo {
            let copy: [UInt8]
            do {
                copy = try HARSecrets.redact(bytes)
            } catch {
                throw AuditFailure.incomplete("\(subject): \(error.description)")
            }
            try InputFile.writeFile(copy, to: target)
        }
        var result = analyze(har, subject: subject, now: request.now ?? WallClock.now())
        result.redactedCopy = request.redactTo
        return result
    }

    /// Imports → check evidence per diagnosed entry → HAR rules.
    static func analyze(_ har: HARFile, subject: String, now: Double) -> HARResult {
        let entries = HARAnalysis.cases(har, now: now).map { c in
            let history = HARHistory(
                earlierSuccesses: c.earlierSuccesses.map {
                    .init(
                        index: $0.index, line: $0.line, sameCredentials: $0.sameCredentials, cookieNames: $0.cookieNames
                    )
                })
            return HARReport.Entry(
                index: c.index, method: c.method, url: c.url, status: c.status,
                findings: HARRules.run(c.evidence, history: history), exchange: c.evidence.final?.exchange)
        }
        let fileFindings = [HARRules.containsSecrets(HARSecrets.locations(har))].compactMap { $0 }
        return HARResult(
            subject: subject, entryCount: har.entries.count, pageCount: har.pageCount, creator: har.creator,
            entries: entries, fileFindings: fileFindings)
    }

    /// The export's bytes, with the messages `why401 har` has always given (exit 3).
    static func readHAR(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw AuditFailure.incomplete("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw AuditFailure.incomplete("\(path) is not a regular file") }
        let size = Int(info.st_size)
        if size > HARFile.maxBytes {
            throw AuditFailure.incomplete(
                "\(path) is \(size >> 20) MiB; why401 har reads files up to \(HARFile.maxBytes >> 20) MiB "
                    + "(export fewer requests, or filter the HAR first)")
        }
        if size == 0 { throw AuditFailure.incomplete("\(path): the file is empty") }
        return try InputFile.contents(path, what: "har", limit: HARFile.maxBytes)
    }
}
