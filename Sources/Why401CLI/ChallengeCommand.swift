import ArgumentParser
import Diagnosis
import Evidence
import HTTPAuth
import Report

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        // Bytes, not Strings: a server may send its realm in ISO-8859-1, and Swift's String would
        // silently turn those bytes into U+FFFD before the parser could name them.
        let rawArguments = RawArguments()
        var fields: [[UInt8]] = []
        for value in values {
            if value == "-" {
                fields += Self.headerLines(try Self.readStdin())
            } else {
                fields.append(rawArguments.bytes(of: value))
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
        let evidence = ChallengeEvidence(fieldBytes: fields, header: header, status: status ?? (proxy ? 407 : nil))
        let findings = ChallengeRules.run(evidence)
        let outcome: DiagnosticReport.Outcome = findings.contains { $0.severity != .info } ? .problems : .ok
        let subject = evidence.fields.joined(separator: " | ")
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

    /// Header values read from stdin are capped: a pasted header is a few KB, `</dev/zero` is not.
    static let stdinLimit = 16 << 20

    static func readStdin() throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > stdinLimit { throw CLIFailure.usage("stdin: more than \(stdinLimit >> 20) MiB of header lines") }
        }
        return bytes
    }

    /// Lines of stdin as header field lines: LF or CRLF ends a line, blank lines are skipped, and a
    /// line starting with a space or tab continues the one before it (obsolete line folding,
    /// RFC 9112 §5.2): it is kept joined by its CRLF, so the parser names the folding instead of
    /// reading the continuation as a new header line.
    static func headerLines(_ input: [UInt8]) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        var previousWasField = false
        for rawLine in input.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var line = Array(rawLine)
            if line.last == 0x0D { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                previousWasField = false
                continue
            }
            if previousWasField, let first = line.first, first == 0x20 || first == 0x09 {
                fields[fields.count - 1] += [0x0D, 0x0A] + line
            } else {
                fields.append(line)
                previousWasField = true
            }
        }
        return fields
    }

    /// Strips a pasted `WWW-Authenticate:` / `Proxy-Authenticate:` prefix (ASCII, any case).
    static func splitHeaderName(_ field: [UInt8]) -> (ChallengeEvidence.Header?, [UInt8]) {
        for header in [ChallengeEvidence.Header.wwwAuthenticate, .proxyAuthenticate] {
            let prefix = Array((header.rawValue + ":").lowercased().utf8)
            if hasPrefixIgnoringCase(field, prefix) {
                return (header, Array(field.dropFirst(prefix.count).drop(while: { $0 == 0x20 || $0 == 0x09 })))
            }
        }
        return (nil, field)
    }

    static func hasPrefixIgnoringCase(_ bytes: [UInt8], _ lowerPrefix: [UInt8]) -> Bool {
        guard bytes.count >= lowerPrefix.count else { return false }
        for (b, p) in zip(bytes, lowerPrefix) where (b >= 0x41 && b <= 0x5A ? b + 0x20 : b) != p { return false }
        return true
    }

    static func looksLikeCredentials(_ field: [UInt8]) -> Bool {
        hasPrefixIgnoringCase(field, Array("authorization:".utf8)) || hasPrefixIgnoringCase(field, Array("proxy-authorization:".utf8))
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
        let deviations = evidence.parsed.deviations
        let notUTF8 = deviations.filter { $0.kind == .invalidUTF8 }.count
        if deviations.isEmpty {
            lines.append("grammar: valid (RFC 9110 §11)")
        } else if notUTF8 == deviations.count {
            lines.append("grammar: valid (RFC 9110 §11); \(notUTF8) byte(s) not UTF-8, read as ISO-8859-1")
        } else {
            lines.append("grammar: \(deviations.count) deviation(s) from RFC 9110 §11; recovered leniently")
        }
        return DiagnosticReport.Section(title: "\(evidence.header.rawValue) challenges, in order", lines: lines)
    }
}

/// The process's arguments as the bytes the shell passed. `CommandLine.arguments` (and so every
/// ArgumentParser value) repairs ill-formed UTF-8 to U+FFFD; this maps such a value back to its
/// bytes. Arguments that were valid UTF-8 come back unchanged.
struct RawArguments {
    private var byRepaired: [String: [[UInt8]]] = [:]

    init() {
        for index in 0..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
            guard String(validating: bytes, as: UTF8.self) == nil else { continue }
            byRepaired[String(decoding: bytes, as: UTF8.self), default: []].append(bytes)
        }
    }

    /// The raw bytes of an argument value, or its UTF-8 when it was valid to begin with.
    func bytes(of value: String) -> [UInt8] {
        byRepaired[value]?.first ?? Array(value.utf8)
    }
}
