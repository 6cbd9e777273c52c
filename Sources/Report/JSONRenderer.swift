import Diagnosis
import Evidence

/// JSON exactly as schema 1 (`schema/report-1.schema.json`, checked in the tests).
public enum JSONRenderer {
    public static let schemaVersion = 1

    public static func render(_ report: DiagnosticReport) -> String {
        value(of: report).serialized(pretty: true) + "\n"
    }

    public static func value(of report: DiagnosticReport) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("tool", .string("why401")),
            ("schema", .int(schemaVersion)),
            ("command", .string(report.command)),
            ("subject", .string(report.subject)),
            ("outcome", .string(report.outcome.rawValue)),
            ("status", .optional(report.status)),
            ("cause", .optional(report.cause)),
            ("findings", .array(report.findings.map(value(of:)))),
            ("exchanges", .array(report.exchanges.map(value(of:)))),
        ]
        members += report.extra
        return .object(members)
    }

    public static func value(of finding: Finding) -> JSONValue {
        .object([
            ("id", .string(finding.id.rawValue)),
            ("severity", .string(finding.severity.rawValue)),
            ("audience", .string(finding.audience.rawValue)),
            ("title", .string(finding.title)),
            ("detail", .string(finding.detail)),
            ("evidence", .array(finding.evidence.map(JSONValue.string))),
            ("fix", .array(finding.fix.map(JSONValue.string))),
            ("references", .array(finding.references.map(JSONValue.string))),
        ])
    }

    public static func value(of exchange: Exchange) -> JSONValue {
        var members: [(String, JSONValue)] = [
            (
                "request",
                .object([
                    ("method", .string(exchange.request.method)),
                    ("url", .string(exchange.request.url)),
                    ("headers", headers(exchange.request.headers)),
                ])
            ),
            (
                "response",
                exchange.response.map { response in
                    .object([("status", .int(response.status)), ("headers", headers(response.headers))])
                } ?? .null
            ),
            ("peer", .optional(exchange.peer)),
            ("ms", exchange.milliseconds.map(JSONValue.double) ?? .null),
        ]
        if let purpose = exchange.purpose { members.append(("purpose", .string(purpose))) }
        if let version = exchange.httpVersion { members.append(("http", .string(version))) }
        if let timings = exchange.timings {
            let phases: [(String, Double?)] = [
                ("dns", timings.dns), ("connect", timings.connect), ("tls", timings.tls),
                ("first_byte", timings.firstByte), ("total", timings.total),
            ]
            members.append(("timings", .object(phases.map { ($0.0, $0.1.map(JSONValue.double) ?? .null) })))
        }
        if let failure = exchange.failure { members.append(("failure", .string(failure))) }
        return .object(members)
    }

    /// Headers as `[["Name", "value"], …]`: order and repeats kept. Values are already masked.
    static func headers(_ fields: [HeaderField]) -> JSONValue {
        .array(fields.map { .array([.string($0.name), .string($0.value)]) })
    }
}
