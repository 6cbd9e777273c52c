import ArgumentParser
import Diagnosis
import Evidence
import HTTPAuth
import Report

/// `why401 challenge VALUE...`: reads `WWW-Authenticate` values the way a client must (RFC 9110 §11)
/// and says what the server asks for and what is wrong with the challenge. Offline: no request is sent.
struct ChallengeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "challenge",
        abstract: "Parse and check WWW-Authenticate / Proxy-Authenticate values.",
        discussion: """
            Give each header line as one argument (the 'WWW-Authenticate:' prefix may be included), or '-' \
            to read header lines from stdin. why401 lists every challenge with its parameters, then the \
            problems: a challenge that does not parse (with the byte where it breaks), Basic without realm, \
            weak Digest, schemes no ordinary client can answer, and what a Bearer error= code means.

            Examples:
              why401 challenge 'Basic realm="Private", charset="UTF-8"'
              why401 challenge 'Bearer scope="" error="invalid_token" error_description="expired"'
              curl -sI https://example.com/ | grep -i authenticate | why401 challenge -
            """
    )

    @Argument(help: "Header values, one per header line; '-' reads lines from stdin.")
    var values: [String]

    @Flag(name: .long, help: "The values are Proxy-Authenticate (the proxy, not the site, asks).")
    var proxy = false

    @Option(name: .long, help: "The status code the values came with (e.g. 401), for checks that depend on it.")
    var status: Int?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let status, !(100...999).contains(status) { throw ValidationError("--status must be a three-digit HTTP status") }
    }

    func run() throws {
        var header: ChallengeEvidence.Header = proxy ? .proxyAuthenticate : .wwwAuthenticate
        var fields: [String] = []
        for value in values {
            if value == "-" {
                while let line = readLine(strippingNewline: true) {
                    if !line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { fields.append(line) }
                }
            } else {
                fields.append(value)
            }
        }
        if fields.contains(where: Self.looksLikeCredentials) {
            // Someone pasted the request's credentials instead of the response's challenge: refuse
            // without echoing the value (it holds a secret).
            throw CLIFailure.usage("that is an Authorization header (the client's credentials), not a challenge; give the response's WWW-Authenticate value")
        }
        fields = fields.map { field in
            let (name, rest) = Self.splitHeaderName(field)
            if let name { header = name }
            return rest
        }
        if fields.isEmpty { throw CLIFailure.usage("no header value given (stdin was empty)") }
        let evidence = ChallengeEvidence(fields: fields, header: header, status: status ?? (proxy ? 407 : nil))
        let findings = ChallengeRules.run(evidence)
        let outcome: DiagnosticReport.Outcome = findings.contains { $0.severity != .info } ? .problems : .ok
        let subject = fields.joined(separator: " | ")
        try output.emit(
            DiagnosticReport(
                command: "challenge", subject: subject.count > 300 ? String(subject.prefix(300)) + "…" : subject,
                outcome: outcome, status: status, findings: findings,
                extra: [
                    ("field", .string(header.rawValue)),
                    ("strict", .bool(evidence.parsed.isStrictlyValid)),
                    ("challenges", .array(evidence.challenges.map(Self.json))),
                ],
                sections: [Self.section(evidence)]))
    }

    /// Strips a pasted `WWW-Authenticate:` / `Proxy-Authenticate:` prefix.
    static func splitHeaderName(_ field: String) -> (ChallengeEvidence.Header?, String) {
        for header in [ChallengeEvidence.Header.wwwAuthenticate, .proxyAuthenticate] {
            let prefix = header.rawValue.lowercased() + ":"
            if field.lowercased().hasPrefix(prefix) {
                return (header, String(field.dropFirst(prefix.count).drop(while: { $0 == " " || $0 == "\t" })))
            }
        }
        return (nil, field)
    }

    static func looksLikeCredentials(_ field: String) -> Bool {
        let lower = field.lowercased()
        return lower.hasPrefix("authorization:") || lower.hasPrefix("proxy-authorization:")
    }

    static func json(_ challenge: Challenge) -> JSONValue {
        .object([
            ("scheme", .string(challenge.scheme)),
            ("token68", .optional(challenge.token68)),
            ("parameters", .array(challenge.parameters.map { .array([.string($0.name), .optional($0.value)]) })),
        ])
    }

    /// Long server values are shown shortened in the human formats (JSON keeps them whole).
    static func clip(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…(\(text.utf8.count) bytes)" : text
    }

    static func section(_ evidence: ChallengeEvidence) -> DiagnosticReport.Section {
        var lines: [String] = []
        if evidence.challenges.isEmpty { lines.append("(none)") }
        for (index, challenge) in evidence.challenges.prefix(50).enumerated() {
            lines.append("\(index + 1). \(clip(challenge.scheme))" + (challenge.token68.map { " token68=\(clip($0))" } ?? ""))
            for parameter in challenge.parameters.prefix(50) {
                lines.append("     \(clip(parameter.name))" + (parameter.value.map { " = \"\(clip($0))\"" } ?? " (no value)"))
            }
            if challenge.parameters.count > 50 { lines.append("     … \(challenge.parameters.count - 50) more parameters") }
        }
        if evidence.challenges.count > 50 { lines.append("… \(evidence.challenges.count - 50) more challenges") }
        lines.append(evidence.parsed.isStrictlyValid ? "grammar: valid (RFC 9110 §11)" : "grammar: \(evidence.parsed.deviations.count) deviation(s) from RFC 9110 §11; recovered leniently")
        return DiagnosticReport.Section(title: "\(evidence.header.rawValue) challenges, in order", lines: lines)
    }
}
