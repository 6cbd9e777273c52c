import CredentialModel
import Diagnosis
import HTTPAuth

/// What `why401 jwt` concluded: the token as decoded (without its signature), what verifying the
/// signature gave, the clock and leeway it was judged with, and the findings of the token rules.
/// Built by `UseCase.inspectToken`; `JWTReport` renders it.
public struct TokenInspectionResult: Sendable {
    /// The token, masked (`eyJh…(163 chars)`).
    public var subject: String
    public var evidence: TokenEvidence
    /// Ranked.
    public var findings: [Finding]

    public init(subject: String, evidence: TokenEvidence, findings: [Finding]) {
        self.subject = subject
        self.evidence = evidence
        self.findings = findings
    }
}

/// The `jwt` report: JSON `header`, `claims` (claims are not secrets) and `signature` (a status and
/// the key's description, never the signature); text and Markdown a "Token" section with every time
/// claim in UTC and relative to the clock.
public enum JWTReport {
    /// Claims listed in the text section, at most; the JSON has them all.
    static let claimLimit = 100

    /// The builder states `.problems` for what fails whatever the threshold (`TokenInspection.isProblem`:
    /// an error, or an input that is not a JWT at all); otherwise `.ok`, and the exit policy raises it
    /// when a finding reaches `--fail-on` (a weak secret with `--fail-on warning`).
    public static func report(_ r: TokenInspectionResult) -> DiagnosticReport {
        var extra: [(String, JSONValue)] = []
        var sections: [DiagnosticReport.Section] = []
        if let jwt = r.evidence.jwt {
            extra.append(("header", json(object: jwt.header)))
            extra.append(("claims", json(object: jwt.claims)))
            extra.append(("signature", signatureJSON(r.evidence, jwt: jwt)))
            sections.append(section(jwt, evidence: r.evidence))
        }
        return DiagnosticReport(
            command: "jwt", subject: r.subject, outcome: TokenInspection.isProblem(r.findings) ? .problems : .ok,
            findings: r.findings, extra: extra, sections: sections)
    }

    /// Claims keep JSON types; keys are sorted (the decoder does not keep their order).
    public static func json(object: [String: JSONScalarTree]) -> JSONValue {
        .object(object.keys.sorted().map { ($0, json(object[$0]!)) })
    }

    public static func json(_ value: JSONScalarTree) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): n == n.rounded() && abs(n) < 9e15 ? .int(Int(n)) : .double(n)
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(json))
        case .object(let members): json(object: members)
        }
    }

    static func isUnsigned(_ jwt: DecodedJWT) -> Bool { jwt.algorithm?.lowercased() == "none" }

    static func signatureJSON(_ e: TokenEvidence, jwt: DecodedJWT) -> JSONValue {
        let status: String
        var key: String?
        switch e.verification {
        case nil: status = isUnsigned(jwt) ? "unsigned" : e.weakSecretGuessed ? "weak-secret" : "not-checked"
        case .verified(_, let k)?:
            status = "verified"
            key = k
        case .verifiedWithWeakSecret?: status = "weak-secret"
        case .failed(let problem)?:
            status = if case .unsigned = problem { "unsigned" } else { "invalid" }
        }
        return .object([("status", .string(status)), ("key", .optional(key))])
    }

    static func section(_ jwt: DecodedJWT, evidence e: TokenEvidence) -> DiagnosticReport.Section {
        var lines = ["header"]
        for name in jwt.header.keys.sorted() { lines.append("  \(name): \(display(jwt.header[name]!))") }
        lines.append("claims")
        if jwt.claims.isEmpty { lines.append("  (none)") }
        for name in jwt.claims.keys.sorted().prefix(claimLimit) {
            let value = jwt.claims[name]!
            var line = "  \(name): \(display(value))"
            if ["exp", "nbf", "iat", "auth_time"].contains(name), let t = value.number {
                line += "  (\(HTTPDate.iso8601(t)), \(TokenInspection.relative(name, t, now: e.now)))"
            }
            lines.append(line)
        }
        if jwt.claims.count > claimLimit { lines.append("  … \(jwt.claims.count - claimLimit) more claims") }
        let signature: String
        switch e.verification {
        case nil:
            signature =
                isUnsigned(jwt)
                ? "none (unsigned)"
                : e.weakSecretGuessed
                    ? "verifies with a well-known weak secret" : "not checked (give --secret, --key or --jwks)"
        case .verified(let alg, let key)?: signature = "verified (\(alg), \(key))"
        case .verifiedWithWeakSecret(let alg)?: signature = "verified (\(alg)), but with a well-known weak secret"
        case .failed(let problem)?: signature = "does not verify: \(problem)"
        }
        lines.append("signature: \(signature)")
        lines.append("clock: \(HTTPDate.iso8601(e.now)), leeway \(Int(e.leeway)) s")
        return DiagnosticReport.Section(title: "Token (signature part not shown)", lines: lines)
    }

    /// A claim or header value as compact JSON, cut at 200 characters.
    static func display(_ value: JSONScalarTree) -> String {
        let text = json(value).serialized(pretty: false)
        return text.count > 200 ? String(text.prefix(200)) + "…(\(text.utf8.count) bytes)" : text
    }
}
