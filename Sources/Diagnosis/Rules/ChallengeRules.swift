import Evidence
import HTTPAuth

/// The challenge rules, most specific first (the order findings are ranked within a severity).
public enum ChallengeRules {
    public static let all: [any ChallengeRule.Type] = [
        ChallengeMissingRule.self,
        ChallengeProxyRule.self,
        TokenInvalidRule.self,
        TokenInsufficientScopeRule.self,
        BearerInvalidRequestRule.self,
        ChallengeMalformedRule.self,
        ChallengeUnsupportedSchemeRule.self,
        ChallengeBasicNoRealmRule.self,
        ChallengeDigestWeakRule.self,
    ]

    /// Runs every challenge rule and ranks the findings.
    public static func run(_ evidence: ChallengeEvidence) -> [Finding] {
        all.flatMap { $0.check(evidence) }.ranked()
    }

    /// Schemes why401 can answer itself.
    public static let answerableSchemes: Set<String> = ["basic", "digest", "bearer"]

    /// `Basic realm="x"` — a short, secret-free rendering of one challenge for evidence lines.
    static func summary(_ challenge: Challenge) -> String {
        var text = challenge.scheme
        if let token68 = challenge.token68 { text += " " + token68 }
        let params = challenge.parameters.map { p in p.value.map { "\(p.name)=\"\($0)\"" } ?? p.name }
        if !params.isEmpty { text += " " + params.joined(separator: ", ") }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

/// `challenge.missing`: a 401 without any `WWW-Authenticate` (RFC 9110 §15.5.2 requires one).
public enum ChallengeMissingRule: ChallengeRule {
    public static let description = RuleDescription<ChallengeEvidence>(
        id: "challenge.missing",
        triggering: [ChallengeEvidence(fields: [], status: 401), ChallengeEvidence(fields: ["  "], status: 401)],
        nonTriggering: [ChallengeEvidence(fields: ["Basic realm=\"x\""], status: 401), ChallengeEvidence(fields: [], status: 200)])

    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        guard evidence.status == 401, evidence.header == .wwwAuthenticate, evidence.challenges.isEmpty else { return [] }
        let seen = evidence.fields.isEmpty ? "no WWW-Authenticate header" : "WWW-Authenticate present but empty"
        return [Finding(description.id, evidence: ["status 401, \(seen)"])]
    }
}

/// `challenge.proxy`: the proxy, not the site, wants credentials.
public enum ChallengeProxyRule: ChallengeRule {
    public static let description = RuleDescription<ChallengeEvidence>(
        id: "challenge.proxy",
        triggering: [ChallengeEvidence(fields: ["Basic realm=\"corp proxy\""], header: .proxyAuthenticate, status: 407)],
        nonTriggering: [ChallengeEvidence(fields: ["Basic realm=\"x\""], status: 401)])

    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        guard evidence.header == .proxyAuthenticate || evidence.status == 407 else { return [] }
        var lines = evidence.status.map { ["status \($0)"] } ?? []
        lines += evidence.challenges.map { "Proxy-Authenticate: " + ChallengeRules.summary($0) }
        return [Finding(description.id, evidence: lines)]
    }
}

/// `token.invalid`: the Bearer challenge says `error="invalid_token"`.
public enum TokenInvalidRule: ChallengeRule {
    public static let description = RuleDescription<ChallengeEvidence>(
        id: "token.invalid",
        triggering: [
            ChallengeEvidence(fields: [#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#]),
            ChallengeEvidence(fields: [#"Bearer scope="" error="invalid_token" error_description="expired""#]),
        ],
        nonTriggering: [ChallengeEvidence(fields: [#"Bearer realm="api""#]), ChallengeEvidence(fields: [#"Basic error="invalid_token""#])])

    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        evidence.challenges.compactMap(BearerChallenge.init).filter { $0.error == .invalidToken }.prefix(1).map { bearer in
            var lines = ["error=\"invalid_token\""]
            if let text = bearer.errorDescription { lines.append("error_description=\"\(text)\"") }
            if let uri = bearer.errorURI { lines.append("error_uri=\"\(uri)\"") }
            let detail = bearer.errorDescription.map { "The server rejected the token and says: \"\($0)\"." }
            return Finding(description.id, detail: detail, evidence: lines)
        }
    }
}

/// `token.insufficient-scope`: the token is valid but lacks scope (RFC 6750 answers this with 403).
public enum TokenInsufficientScopeRule: ChallengeRule {
    public static let description = RuleDescription<ChallengeEvidence>(
        id: "token.insufficient-scope",
        triggering: [ChallengeEvidence(fields: [#"Bearer error="insufficient_scope", scope="read:admin""#], status: 401)],
        nonTriggering: [ChallengeEvidence(fields: [#"Bearer error="invalid_token""#])])

    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        evidence.challenges.compactMap(BearerChallenge.init).filter { $0.error == .insufficientScope }.prefix(1).map { bearer in
            var lines = ["error=\"insufficient_scope\""]
            if !bearer.scope.isEmpty { lines.append("scope required: " + bearer.scope.joined(separator: " ")) }
            if let text = bearer.errorDescription { lines.append("error_description=\"\(text)\"") }
            if let status = evidence.status, status == 401 { lines.append("answered 401; RFC 6750 §3.1 says 403 for this error") }
            return Finding(description.id, evidence: lines)
        }
    }
}

/// `credentials.malformed` from the server's side: Bearer `error="invalid_request"`.
public enum BearerInvalidRequestRule: ChallengeRule {
    public static let description = RuleDescription<ChallengeEvidence>(
        id: "credentials.malformed",
        triggering: [ChallengeEvidence(fields: [#"Bearer error="invalid_request", error_description="Bearer token malformed""#])],
        nonTriggering: [ChallengeEvidence(fields: [#"Bearer realm="x""#])])

    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        evidence.challenges.compactMap(BearerChallenge.init).filter { $0.error == .invalidRequest }.prefix(1).map { bearer in
            var lines = ["Bearer error=\"invalid_request\""]
            if let text = bearer.errorDescription { lines.append("error_description=\"\(text)\"") }
            return Finding(description.id, detail: "The server says the request (usually its Authorization header) is malformed: RFC 6750 error invalid_request.", evidence: lines)
        }
    }
}

/// `challenge.malformed`: the value departs from RFC 9110 §11; each deviation is located.
public enum ChallengeMalformedRule: ChallengeRule {
    public static let description = RuleDescription<ChallengeEvidence>(
        id: "challenge.malformed",
        triggering: [
            ChallengeEvidence(fields: [#"Bearer scope="" error="invalid_token""#]),
            ChallengeEvidence(fields: [#"Basic realm="unterminated"#]),
            ChallengeEvidence(fields: ["Basic realm='single'"]),
        ],
        nonTriggering: [
            ChallengeEvidence(fields: [#"Basic realm="a", Digest realm="b", nonce="n", qop="auth""#]),
            ChallengeEvidence(fields: [#"Basic realm="a""#, #"Bearer realm="b""#]),
        ])

    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        let deviations = evidence.parsed.deviations
        guard !deviations.isEmpty else { return [] }
        var lines: [String] = []
        for deviation in deviations.prefix(10) {
            let fieldIndex = deviation.fieldIndex
            let prefix = evidence.fields.count > 1 ? "\(evidence.header.rawValue) #\(fieldIndex + 1), " : "\(evidence.header.rawValue) "
            lines.append(prefix + "byte \(deviation.offset): \(deviation.message)")
            if fieldIndex < evidence.fields.count, let excerpt = excerpt(evidence.fields[fieldIndex], at: deviation.offset) {
                lines.append(excerpt)
            }
        }
        if deviations.count > 10 { lines.append("… and \(deviations.count - 10) more") }
        let recovered = evidence.challenges.map(ChallengeRules.summary)
        if !recovered.isEmpty { lines.append("a lenient client reads: " + recovered.joined(separator: " | ")) }
        return [Finding(description.id, evidence: lines)]
    }

    /// `at: …cope="" »error="invalid_token"…`: up to 30 bytes either side, `»` marking the offset.
    /// One line, so it survives every renderer.
    static func excerpt(_ field: String, at offset: Int) -> String? {
        let bytes = Array(field.utf8)
        guard offset <= bytes.count else { return nil }
        let start = max(0, offset - 30), end = min(bytes.count, offset + 30)
        let before = String(decoding: bytes[start..<offset], as: UTF8.self)
        let after = String(decoding: bytes[offset..<end], as: UTF8.self)
        return "at: " + (start > 0 ? "…" : "") + before + "»" + after + (end < bytes.count ? "…" : "")
    }
}

/// `challenge.unsupported-scheme`: nothing offered that why401 (or a plain HTTP client) can answer.
public enum ChallengeUnsupportedSchemeRule: ChallengeRule {
    public static let description = RuleDescription<ChallengeEvidence>(
        id: "challenge.unsupported-scheme",
        triggering: [ChallengeEvidence(fields: ["Negotiate", "NTLM"]), ChallengeEvidence(fields: [#"CustomToken realm="x""#])],
        nonTriggering: [ChallengeEvidence(fields: ["Negotiate", #"Basic realm="x""#]), ChallengeEvidence(fields: [])])

    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        let schemes = evidence.challenges.map(\.scheme)
        guard !schemes.isEmpty, !schemes.contains(where: { ChallengeRules.answerableSchemes.contains($0.lowercased()) }) else { return [] }
        var seen: [String] = []
        for scheme in schemes where !seen.contains(where: { $0.lowercased() == scheme.lowercased() }) { seen.append(scheme) }
        return [
            Finding(
                description.id,
                detail: "The server offers only \(seen.joined(separator: ", ")); why401 answers Basic, Digest and Bearer.",
                evidence: seen.map { "offered: \($0)" })
        ]
    }
}

/// `challenge.basic-no-realm`: RFC 7617 §2 requires `realm`.
public enum ChallengeBasicNoRealmRule: ChallengeRule {
    public static let description = RuleDescription<ChallengeEvidence>(
        id: "challenge.basic-no-realm",
        triggering: [ChallengeEvidence(fields: ["Basic"]), ChallengeEvidence(fields: [#"Basic charset="UTF-8""#])],
        nonTriggering: [ChallengeEvidence(fields: [#"Basic realm="""#]), ChallengeEvidence(fields: [#"basic REALM=x"#])])

    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        evidence.challenges.filter { $0.isScheme("Basic") && !$0.hasParameter("realm") }.prefix(1).map {
            Finding(description.id, evidence: ["\(evidence.header.rawValue): " + ChallengeRules.summary($0)])
        }
    }
}

/// `challenge.digest-weak`: Digest offered only with MD5 (or MD5-sess), or without qop.
public enum ChallengeDigestWeakRule: ChallengeRule {
    public static let description = RuleDescription<ChallengeEvidence>(
        id: "challenge.digest-weak",
        triggering: [
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=MD5, qop="auth""#]),
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n""#]),
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=SHA-256"#]),
        ],
        nonTriggering: [
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth""#, #"Digest realm="r", nonce="n", algorithm=MD5, qop="auth""#]),
            ChallengeEvidence(fields: [#"Basic realm="r""#]),
        ])

    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        let digests = evidence.challenges.filter { $0.isScheme("Digest") }
        guard !digests.isEmpty else { return [] }
        let parsed = digests.compactMap { try? DigestChallenge($0) }
        let strong = parsed.contains { $0.algorithm.strength > DigestAlgorithm.md5.strength && !$0.qopOptions.isEmpty }
        guard !strong else { return [] }
        let lines = digests.map { challenge -> String in
            let algorithm = challenge[parameter: "algorithm"] ?? "MD5 (not sent: the default)"
            let qop = challenge[parameter: "qop"] ?? "none (RFC 2069 mode)"
            return "Digest algorithm=\(algorithm), qop=\(qop)"
        }
        return [Finding(description.id, evidence: lines)]
    }
}
