import Evidence

/// `logs.malformed-lines`: lines that parsed in no format, counted with the first few line numbers.
public enum MalformedLinesLogRule: LogRule {
    public static func check(_ e: LogEvidence) -> [Finding] {
        let s = e.summary
        guard s.malformed > 0 else { return [] }
        var evidence = s.inputs.filter { $0.malformed > 0 }.map { "\($0.path): \($0.malformed) of \($0.lines) lines malformed (format \($0.format))" }
        if !s.malformedSamples.isEmpty {
            evidence.append("first: " + s.malformedSamples.map { "\($0.path):\($0.line)" }.joined(separator: ", "))
        }
        let detail = "\(s.malformed) of \(s.lines) access-log lines (\(LogFigures.percent(s.malformed, of: s.lines))) did not parse and are left out of every figure."
        let fix = s.malformedSamples.first.map { ["Look at the first one: `sed -n '\($0.line)p' \(LogFigures.shell($0.path))`; give a custom format with `--log-format '…'` (Apache LogFormat syntax)."] } ?? []
        return [Finding("logs.malformed-lines", detail: detail, evidence: evidence, fix: fix)]
    }

    public static let description = RuleDescription<LogEvidence>(
        id: "logs.malformed-lines",
        triggering: [
            LogSample.evidence(
                LogSummary(
                    inputs: [LogInput(path: "access.log", kind: .access, format: "combined", lines: 100, malformed: 2)], lines: 100, requests: 98,
                    malformed: 2, malformedSamples: [LineReference(path: "access.log", line: 7), LineReference(path: "access.log", line: 50)]))
        ],
        nonTriggering: [LogSample.evidence(LogSample.steadySummary())])
}

/// `logs.input-incomplete`: an input could not be read (or not to its end). The rest is still
/// analysed; the finding says which figures leave something out.
public enum InputIncompleteLogRule: LogRule {
    public static func check(_ e: LogEvidence) -> [Finding] {
        let bad = e.summary.inputs.filter { $0.problem != nil }
        guard !bad.isEmpty else { return [] }
        let evidence = bad.map { "\($0.path): \($0.problem!)" + ($0.lines > 0 ? " (read \($0.lines) lines before that)" : " (nothing read)") }
        let detail = "\(bad.count) of \(e.summary.inputs.count) input\(e.summary.inputs.count == 1 ? "" : "s") could not be read completely; the figures cover the rest."
        return [Finding("logs.input-incomplete", detail: detail, evidence: evidence)]
    }

    public static let description = RuleDescription<LogEvidence>(
        id: "logs.input-incomplete",
        triggering: [
            LogSample.evidence(
                LogSummary(inputs: [
                    LogInput(path: "a.log", kind: .access, format: "combined", lines: 10),
                    LogInput(path: "b.log.gz", kind: .access, format: "combined", gzip: true, lines: 5, problem: "truncated gzip stream"),
                ]))
        ],
        nonTriggering: [LogSample.evidence(LogSummary(inputs: [LogInput(path: "a.log", kind: .access, format: "combined", lines: 10)]))])
}
