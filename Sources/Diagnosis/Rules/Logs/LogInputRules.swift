import Evidence

/// `logs.malformed-lines`: lines that parsed in no format, counted with the first few line numbers.
public enum MalformedLinesLogRule: Rule {
    /// One finding when any access-log line did not parse: per-input counts and the first line numbers.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let s = e.summary
        guard s.malformed > 0 else { return [] }
        var evidence = s.inputs.filter { $0.malformed > 0 }.map {
            "\($0.path): \($0.malformed) of \($0.lines) lines malformed (format \($0.format))"
        }
        if !s.malformedSamples.isEmpty {
            evidence.append("first: " + s.malformedSamples.map { "\($0.path):\($0.line)" }.joined(separator: ", "))
        }
        let detail =
            """
            \(s.malformed) of \(s.lines) access-log lines (\(LogFigures.percent(s.malformed, of: s.lines))) did \
            not parse and are left out of every figure.
            """
        let fix =
            s.malformedSamples.first.map {
                [
                    """
                    Look at the first one: `sed -n '\($0.line)p' \(LogFigures.shell($0.path))`; give a custom \
                    format with `--log-format '…'` (Apache LogFormat syntax).
                    """
                ]
            } ?? []
        return [Finding(.logsMalformedLines, detail: detail, evidence: evidence, fix: fix)]
    }

    /// Raises `logs.malformed-lines`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsMalformedLines,
        triggering: [
            LogSample.evidence(
                LogSummary(
                    inputs: [LogInput(path: "access.log", kind: .access, format: "combined", lines: 100, malformed: 2)],
                    lines: 100, requests: 98,
                    malformed: 2,
                    malformedSamples: [
                        LineReference(path: "access.log", line: 7), LineReference(path: "access.log", line: 50),
                    ]))
        ],
        nonTriggering: [LogSample.evidence(LogSample.steadySummary())])
}

/// `logs.input-incomplete`: an input could not be read (or not to its end). The rest is still
/// analysed; the finding says which figures leave something out.
public enum InputIncompleteLogRule: Rule {
    /// One finding listing the inputs that could not be read to their end, and how far each was read.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let bad = e.summary.inputs.filter { $0.problem != nil }
        guard !bad.isEmpty else { return [] }
        let evidence = bad.map {
            "\($0.path): \($0.problem!)" + ($0.lines > 0 ? " (read \($0.lines) lines before that)" : " (nothing read)")
        }
        let detail =
            """
            \(bad.count) of \(e.summary.inputs.count) input\(e.summary.inputs.count == 1 ? "" : "s") could not be \
            read completely; the figures cover the rest.
            """
        return [Finding(.logsInputIncomplete, detail: detail, evidence: evidence)]
    }

    /// Raises `logs.input-incomplete`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsInputIncomplete,
        triggering: [
            LogSample.evidence(
                LogSummary(inputs: [
                    LogInput(path: "a.log", kind: .access, format: "combined", lines: 10),
                    LogInput(
                        path: "b.log.gz", kind: .access, format: "combined", gzip: true, lines: 5,
                        problem: "truncated gzip stream"),
                ]))
        ],
        nonTriggering: [
            LogSample.evidence(
                LogSummary(inputs: [LogInput(path: "a.log", kind: .access, format: "combined", lines: 10)]))
        ])
}

/// `logs.unrecognized-format`: an input had lines but none of them in a format this tool reads. Its
/// silence is not evidence that nothing is wrong, so it is a warning (exit 1), not a clean 0.
public enum UnrecognizedFormatLogRule: Rule {
    /// One finding listing inputs with lines in no recognised format, with how to name the format.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let unknown = e.summary.inputs.filter(\.unrecognized)
        guard !unknown.isEmpty else { return [] }
        let evidence = unknown.map { input -> String in
            let what =
                input.kind == .error
                ? """
                named as an error log, but no line starts like an Apache (`[Sun Nov 29 08:51:16 2026] [`) or nginx \
                (`2026/11/29 08:51:16 [`) error line
                """
                : "no line parses as combined, common, vhost_combined, nginx default or JSON"
            return "\(input.path): \(input.lines) line\(input.lines == 1 ? "" : "s") read, \(what)"
        }
        let detail =
            """
            \(unknown.count) input\(unknown.count == 1 ? "" : "s") could not be recognised as an access or error \
            log, so nothing in \(unknown.count == 1 ? "it" : "them") was analysed: any 401s or authentication \
            errors there are not in this report.
            """
        var fix = ["Look at its first lines: `head -n 5 \(LogFigures.shell(unknown[0].path))`."]
        if unknown.contains(where: { $0.kind == .access }) {
            fix.append(
                """
                For an access log in a custom format give it with `--log-format '…'` (Apache LogFormat syntax, \
                e.g. `'%h %l %u %t \"%r\" %>s %b'`).
                """
            )
        }
        if unknown.contains(where: { $0.kind == .error }) {
            fix.append(
                """
                Error logs are read when their lines start with the server's own date: check that this is the web \
                server's error log and not a syslog or journal export.
                """
            )
        }
        return [Finding(.logsUnrecognizedFormat, detail: detail, evidence: evidence, fix: fix)]
    }

    /// Raises `logs.unrecognized-format`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsUnrecognizedFormat,
        triggering: [
            LogSample.evidence(
                LogSummary(
                    inputs: [LogInput(path: "odd.log", kind: .access, format: "unknown", lines: 12, malformed: 12)],
                    lines: 12, malformed: 12)),
            LogSample.evidence(
                LogSummary(
                    inputs: [LogInput(path: "error.log", kind: .error, format: "unknown", lines: 4)], errorLines: 4)),
        ],
        nonTriggering: [
            LogSample.evidence(LogSummary(inputs: [LogInput(path: "empty.log", kind: .access, format: "unknown")])),
            LogSample.evidence(
                LogSummary(
                    inputs: [LogInput(path: "error.log", kind: .error, format: "nginx-error", lines: 4)], errorLines: 4)
            ),
        ])
}
