import Diagnosis
import Evidence

/// What `why401 har FILE` found: every diagnosed entry, the file's own findings, and the redacted
/// copy when one was asked for.
public struct HARResult: Sendable {
    /// The file as named (or a label for bytes that came without a name).
    public var subject: String
    /// Entries and pages in the whole file, diagnosed or not.
    public var entryCount: Int
    public var pageCount: Int
    /// `log.creator` (name and version), when the file says.
    public var creator: String?
    /// One per 401, 407 or authentication 403, in file order.
    public var entries: [HARReport.Entry]
    /// About the file itself (`har.contains-secrets`).
    public var fileFindings: [Finding]
    /// Where the copy with secrets masked was written (`--redact`), if it was.
    public var redactedCopy: String?

    public init(
        subject: String, entryCount: Int, pageCount: Int, creator: String?, entries: [HARReport.Entry],
        fileFindings: [Finding], redactedCopy: String? = nil
    ) {
        self.subject = subject
        self.entryCount = entryCount
        self.pageCount = pageCount
        self.creator = creator
        self.entries = entries
        self.fileFindings = fileFindings
        self.redactedCopy = redactedCopy
    }
}

/// `why401 har FILE`: one diagnosis per 401 (407, auth-looking 403) entry, then a summary over the file.
public enum HARReport {
    /// One diagnosed entry.
    public struct Entry: Sendable {
        public var index: Int
        public var method: String
        /// Masked.
        public var url: String
        public var status: Int
        /// Ranked.
        public var findings: [Finding]
        /// The entry's exchange (masked), for the transcript.
        public var exchange: Exchange?
        public init(
            index: Int, method: String, url: String, status: Int, findings: [Finding], exchange: Exchange? = nil
        ) {
            self.index = index
            self.method = method
            self.url = url
            self.status = status
            self.findings = findings
            self.exchange = exchange
        }
        public var cause: String? { findings.first.flatMap { $0.severity == .info ? nil : $0.id.rawValue } }
        public var origin: String {
            guard let schemeEnd = url.firstRange(of: "://") else { return url }
            let end = url[schemeEnd.upperBound...].firstIndex(where: { "/?#".contains($0) }) ?? url.endIndex
            return String(url[..<end])
        }
    }

    /// Transcript entries kept in `exchanges` (the `entries` list has them all).
    public static let maxExchanges = 50

    /// The report, with a Redaction section first when a copy was written.
    public static func report(_ r: HARResult) -> DiagnosticReport {
        var report = build(
            subject: r.subject, entryCount: r.entryCount, pageCount: r.pageCount, creator: r.creator,
            entries: r.entries,
            fileFindings: r.fileFindings)
        if let copy = r.redactedCopy {
            report.sections.insert(.init(title: "Redaction", lines: ["redacted copy written to \(copy)"]), at: 0)
        }
        return report
    }

    /// A diagnosed entry is a request the file shows refused, so the outcome is `.unauthorized` when
    /// there is one; otherwise `.ok`, and the exit policy judges the file's own findings.
    public static func build(
        subject: String, entryCount: Int, pageCount: Int, creator: String?, entries: [Entry], fileFindings: [Finding]
    ) -> DiagnosticReport {
        // File-level findings: each cause seen, from its first entry (evidence marked with the entry), then the file's
        // own.
        var byCause: [(String, [Int])] = []
        var summary: [Finding] = []
        for entry in entries {
            guard let top = entry.findings.first else { continue }
            let id = entry.cause ?? top.id.rawValue
            if let i = byCause.firstIndex(where: { $0.0 == id }) {
                byCause[i].1.append(entry.index)
            } else {
                byCause.append((id, [entry.index]))
                var finding = entry.findings.first { $0.id.rawValue == id } ?? top
                finding.evidence = finding.evidence.map { "entry \(entry.index): \($0)" }
                summary.append(finding)
            }
        }
        for (id, indexes) in byCause where indexes.count > 1 {
            if let i = summary.firstIndex(where: { $0.id.rawValue == id }) {
                summary[i].evidence.append(
                    "the same cause in entries " + indexes.map(String.init).joined(separator: ", "))
            }
        }
        let findings = (summary + fileFindings).ranked()
        let outcome: DiagnosticReport.Outcome = entries.isEmpty ? .ok : .unauthorized
        var byOrigin: [(String, Int)] = []
        for entry in entries {
            if let i = byOrigin.firstIndex(where: { $0.0 == entry.origin }) {
                byOrigin[i].1 += 1
            } else {
                byOrigin.append((entry.origin, 1))
            }
        }
        let causeCounts = byCause.map { ($0.0, $0.1.count) }.sorted { $0.1 > $1.1 }
        let unauthorized = entries.filter { $0.status == 401 }.count

        let entriesJSON: JSONValue = .array(
            entries.map { entry in
                .object([
                    ("index", .int(entry.index)), ("method", .string(entry.method)), ("url", .string(entry.url)),
                    ("status", .int(entry.status)),
                    ("cause", .optional(entry.cause)),
                    ("findings", .array(entry.findings.map(JSONRenderer.value(of:)))),
                ])
            })
        let summaryJSON: JSONValue = .object([
            ("requests", .int(entryCount)), ("pages", .int(pageCount)), ("unauthorized", .int(unauthorized)),
            ("proxy_unauthorized", .int(entries.filter { $0.status == 407 }.count)),
            ("forbidden", .int(entries.filter { $0.status == 403 }.count)), ("diagnosed", .int(entries.count)),
            ("by_cause", .object(causeCounts.map { ($0.0, .int($0.1)) })),
            ("by_origin", .object(byOrigin.map { ($0.0, .int($0.1)) })),
        ])

        var entryLines: [String] = []
        for entry in entries {
            entryLines.append(
                "#\(entry.index) \(entry.method) \(entry.url) → \(entry.status) — cause: \(entry.cause ?? "none found")"
            )
            for finding in entry.findings {
                entryLines.append("    [\(finding.severity.rawValue)] \(finding.id) — \(finding.title)")
                for line in finding.evidence.prefix(6) { entryLines.append("        • \(line)") }
            }
        }
        if entryLines.isEmpty { entryLines = ["no entry got a 401, a 407 or an authentication 403"] }
        var summaryLines = [
            "\(entryCount) entr\(entryCount == 1 ? "y" : "ies") in \(pageCount) page\(pageCount == 1 ? "" : "s")"
                + (creator.map { ", written by \($0)" } ?? ""),
            """
            diagnosed: \(entries.count) (401: \(unauthorized), 407: \(entries.filter { $0.status == 407 }.count), \
            403: \(entries.filter { $0.status == 403 }.count))
            """,
        ]
        if !causeCounts.isEmpty {
            summaryLines.append("by cause: " + causeCounts.map { "\($0.0) ×\($0.1)" }.joined(separator: ", "))
        }
        if !byOrigin.isEmpty {
            summaryLines.append("by origin: " + byOrigin.map { "\($0.0) ×\($0.1)" }.joined(separator: ", "))
        }

        return DiagnosticReport(
            command: "har", subject: subject, outcome: outcome, status: nil, findings: findings,
            exchanges: entries.prefix(maxExchanges).compactMap(\.exchange),
            extra: [("entries", entriesJSON), ("summary", summaryJSON)],
            sections: [.init(title: "Entries", lines: entryLines), .init(title: "Summary", lines: summaryLines)])
    }
}
