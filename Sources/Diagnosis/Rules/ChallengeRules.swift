import Evidence
import HTTPAuth

/// The challenge rules, most specific first (the order findings are ranked within a severity).
public enum ChallengeRules {
    /// The challenge family as one `RuleSet`: run by `why401 challenge` and by every check whose final response carries
    /// a challenge.
    public static let set = RuleSet<ChallengeEvidence>(
        "challenge",
        [
            ChallengeMissingRule.self,
            ChallengeProxyRule.self,
            TokenInvalidRule.self,
            TokenInsufficientScopeRule.self,
            BearerInvalidRequestRule.self,
            ChallengeMalformedRule.self,
            ChallengeUnsupportedSchemeRule.self,
            ChallengeDigestUnanswerableRule.self,
            ChallengeUnsupportedAlgorithmRule.self,
            ChallengeBasicNoRealmRule.self,
            ChallengeDigestWeakRule.self,
        ])

    /// The rules, in rank order.
    public static var all: [any Rule<ChallengeEvidence>.Type] { Self.set.rules }

    /// Runs every challenge rule and ranks the findings.
    public static func run(_ evidence: ChallengeEvidence) -> [Finding] {
        set.run(evidence)
    }

    /// Schemes why401 can answer itself.
    public static let answerableSchemes: Set<String> = ["basic", "digest", "bearer"]

    /// A Digest challenge a conforming client can answer, or why not: realm and nonce present, a
    /// known algorithm, a usable qop, and no `-sess` without qop (it needs a cnonce).
    static func answerableDigest(_ challenge: Challenge) -> Result<DigestChallenge, DigestError> {
        do throws(DigestError) {
            let digest = try DigestChallenge(challenge)
            let qop = try digest.selectQop()
            if qop == nil && digest.algorithm.isSession { throw .sessionAlgorithmWithoutQop(digest.algorithm) }
            return .success(digest)
        } catch {
            return .failure(error)
        }
    }

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
public enum ChallengeMissingRule: Rule {
    /// Raises `challenge.missing`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .challengeMissing,
        triggering: [ChallengeEvidence(fields: [], status: 401), ChallengeEvidence(fields: ["  "], status: 401)],
        nonTriggering: [
            ChallengeEvidence(fields: ["Basic realm=\"x\""], status: 401), ChallengeEvidence(fields: [], status: 200),
        ])

    /// One finding when a 401 (from `WWW-Authenticate`, not a proxy) carries no challenge or only an empty value.
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        guard evidence.status == 401, evidence.header == .wwwAuthenticate, evidence.challenges.isEmpty else {
            return []
        }
        let seen = evidence.fields.isEmpty ? "no WWW-Authenticate header" : "WWW-Authenticate present but empty"
        return [Finding(description.id, evidence: ["status 401, \(seen)"])]
    }
}

/// `challenge.proxy`: the proxy, not the site, wants credentials.
public enum ChallengeProxyRule: Rule {
    /// Raises `challenge.proxy`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .challengeProxy,
        triggering: [
            ChallengeEvidence(fields: ["Basic realm=\"corp proxy\""], header: .proxyAuthenticate, status: 407)
        ],
        nonTriggering: [ChallengeEvidence(fields: ["Basic realm=\"x\""], status: 401)])

    /// One finding when the values are `Proxy-Authenticate` or the status is 407, listing the proxy's challenges.
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        guard evidence.header == .proxyAuthenticate || evidence.status == 407 else { return [] }
        var lines = evidence.status.map { ["status \($0)"] } ?? []
        lines += evidence.challenges.map { "Proxy-Authenticate: " + ChallengeRules.summary($0) }
        return [Finding(description.id, evidence: lines)]
    }
}

/// `token.invalid`: the Bearer challenge says `error="invalid_token"`.
public enum TokenInvalidRule: Rule {
    /// Raises `token.invalid`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .tokenInvalid,
        triggering: [
            ChallengeEvidence(fields: [
                #"Bearer realm="api", error="invalid_token", error_description="The access token expired""#
            ]),
            ChallengeEvidence(fields: [#"Bearer scope="" error="invalid_token" error_description="expired""#]),
        ],
        nonTriggering: [
            ChallengeEvidence(fields: [#"Bearer realm="api""#]),
            ChallengeEvidence(fields: [#"Basic error="invalid_token""#]),
        ])

    /// One finding for the first Bearer challenge with `error="invalid_token"`, quoting the server's description.
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        evidence.challenges.compactMap(BearerChallenge.init).filter { $0.error == .invalidToken }.prefix(1).map {
            bearer in
            var lines = ["error=\"invalid_token\""]
            if let text = bearer.errorDescription { lines.append("error_description=\"\(text)\"") }
            if let uri = bearer.errorURI { lines.append("error_uri=\"\(uri)\"") }
            let detail = bearer.errorDescription.map { "The server rejected the token and says: \"\($0)\"." }
            return Finding(description.id, detail: detail, evidence: lines)
        }
    }
}

/// `token.insufficient-scope`: the token is valid but lacks scope (RFC 6750 answers this with 403).
public enum TokenInsufficientScopeRule: Rule {
    /// Raises `token.insufficient-scope`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .tokenInsufficientScope,
        triggering: [
            ChallengeEvidence(fields: [#"Bearer error="insufficient_scope", scope="read:admin""#], status: 401)
        ],
        nonTriggering: [ChallengeEvidence(fields: [#"Bearer error="invalid_token""#])])

    /// One finding for the first Bearer challenge with `error="insufficient_scope"`, with the scope it asks for.
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        evidence.challenges.compactMap(BearerChallenge.init).filter { $0.error == .insufficientScope }.prefix(1).map {
            bearer in
            var lines = ["error=\"insufficient_scope\""]
            if !bearer.scope.isEmpty { lines.append("scope required: " + bearer.scope.joined(separator: " ")) }
            if let text = bearer.errorDescription { lines.append("error_description=\"\(text)\"") }
            if let status = evidence.status, status == 401 {
                lines.append("answered 401; RFC 6750 §3.1 says 403 for this error")
            }
            return Finding(description.id, evidence: lines)
        }
    }
}

/// `credentials.malformed` from the server's side: Bearer `error="invalid_request"`.
public enum BearerInvalidRequestRule: Rule {
    /// Raises `credentials.malformed`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .credentialsMalformed,
        triggering: [
            ChallengeEvidence(fields: [#"Bearer error="invalid_request", error_description="Bearer token malformed""#])
        ],
        nonTriggering: [ChallengeEvidence(fields: [#"Bearer realm="x""#])])

    /// One finding for the first Bearer challenge with `error="invalid_request"`.
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        evidence.challenges.compactMap(BearerChallenge.init).filter { $0.error == .invalidRequest }.prefix(1).map {
            bearer in
            var lines = ["Bearer error=\"invalid_request\""]
            if let text = bearer.errorDescription { lines.append("error_description=\"\(text)\"") }
            return Finding(
                description.id,
                detail:
                    """
                    The server says the request (usually its Authorization header) is malformed: RFC 6750 error \
                    invalid_request.
                    """,
                evidence: lines)
        }
    }
}

/// `challenge.malformed`: the value departs from RFC 9110 §11; each deviation is located.
public enum ChallengeMalformedRule: Rule {
    /// Raises `challenge.malformed`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .challengeMalformed,
        triggering: [
            ChallengeEvidence(fields: [#"Bearer scope="" error="invalid_token""#]),
            ChallengeEvidence(fields: [#"Basic realm="unterminated"#]),
            ChallengeEvidence(fields: ["Basic realm='single'"]),
        ],
        nonTriggering: [
            ChallengeEvidence(fields: [#"Basic realm="a", Digest realm="b", nonce="n", qop="auth""#]),
            ChallengeEvidence(fields: [#"Basic realm="a""#, #"Bearer realm="b""#]),
        ])

    /// One finding listing every deviation (the first ten, each with an excerpt) and what a lenient client would read;
    /// only line folding or non-UTF-8 bytes make it a warning.
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        let deviations = evidence.parsed.deviations
        guard !deviations.isEmpty else { return [] }
        var lines: [String] = []
        for deviation in deviations.prefix(10) {
            let fieldIndex = deviation.fieldIndex
            let prefix =
                evidence.fields.count > 1
                ? "\(evidence.header.rawValue) #\(fieldIndex + 1), " : "\(evidence.header.rawValue) "
            lines.append(prefix + "byte \(deviation.offset): \(deviation.message)")
            if fieldIndex < evidence.rawFields.count,
                let excerpt = excerpt(evidence.rawFields[fieldIndex], at: deviation.offset)
            {
                lines.append(excerpt)
            }
        }
        if deviations.count > 10 { lines.append("… and \(deviations.count - 10) more") }
        let recovered = evidence.challenges.map(ChallengeRules.summary)
        if !recovered.isEmpty { lines.append("a lenient client reads: " + recovered.joined(separator: " | ")) }
        // Deviations that every browser and RFC-conforming client handles — bytes that are not
        // UTF-8 (obs-text, read as ISO-8859-1) and obsolete line folding (RFC 9112 §5.2: a user
        // agent replaces it with spaces) — make a warning with its own explanation; anything else
        // stops strict clients and stays an error.
        let benign: Set<ParseDeviation.Kind> = [.invalidUTF8, .obsoleteLineFolding]
        guard deviations.allSatisfy({ benign.contains($0.kind) }) else {
            return [Finding(description.id, evidence: lines)]
        }
        var sentences: [String] = []
        var fix: [String] = []
        let folds = deviations.filter { $0.kind == .obsoleteLineFolding }.count
        if folds > 0 {
            sentences.append(
                """
                The value is folded onto \(folds + 1) lines (a line break followed by a space or tab, \
                \"obs-fold\"). RFC 9112 §5.2 deprecates folding; clients must unfold it into spaces, and why401 \
                does, but a client or proxy that reads line by line sees a challenge cut at the break (e.g. Basic \
                without its realm) and a stray line.
                """
            )
            fix.append(
                """
                Send each header on one line: `WWW-Authenticate: Basic realm=\"Private\", charset=\"UTF-8\"`; to \
                offer several challenges, repeat the header or separate them with commas on the same line.
                """
            )
        }
        let notUTF8 = deviations.count - folds
        if notUTF8 > 0 {
            sentences.append(
                """
                \(notUTF8) byte\(notUTF8 == 1 ? " is" : "s are") not UTF-8: the server writes text (usually the \
                realm) in ISO-8859-1. RFC 9110 allows such bytes in a quoted string (obs-text); why401 reads them \
                as ISO-8859-1, as browsers do, but clients that decode UTF-8 show a garbled realm, and password \
                managers may not match the saved login.
                """
            )
            fix.append(
                #"""
                Write the realm in ASCII, or send UTF-8 and say so: `WWW-Authenticate: Basic realm="Zugang für \#
                Mitarbeiter", charset="UTF-8"` (RFC 7617 §2.1); in Apache save the config file holding `AuthName` \#
                as UTF-8.
                """#
            )
        }
        var finding = Finding(
            description.id, detail: "The value parses. " + sentences.joined(separator: " "), evidence: lines, fix: fix)
        finding.severity = .warning
        return [finding]
    }

    /// `at: …cope="" »error="invalid_token"…`: up to 30 bytes either side, `»` marking the offset.
    /// One line, so it survives every renderer. Bytes that are not UTF-8 are shown as ISO-8859-1.
    static func excerpt(_ bytes: [UInt8], at offset: Int) -> String? {
        guard offset <= bytes.count else { return nil }
        let start = max(0, offset - 30)
        let end = min(bytes.count, offset + 30)
        let before = ChallengeParser.displayText(Array(bytes[start..<offset]))
        let after = ChallengeParser.displayText(Array(bytes[offset..<end]))
        return "at: " + (start > 0 ? "…" : "") + before + "»" + after + (end < bytes.count ? "…" : "")
    }
}

/// `challenge.unsupported-scheme`: nothing offered that why401 (or a plain HTTP client) can answer.
public enum ChallengeUnsupportedSchemeRule: Rule {
    /// Raises `challenge.unsupported-scheme`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .challengeUnsupportedScheme,
        triggering: [
            ChallengeEvidence(fields: ["Negotiate", "NTLM"]), ChallengeEvidence(fields: [#"CustomToken realm="x""#]),
        ],
        nonTriggering: [ChallengeEvidence(fields: ["Negotiate", #"Basic realm="x""#]), ChallengeEvidence(fields: [])])

    /// One finding when challenges were offered and none is Basic, Digest or Bearer.
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        let schemes = evidence.challenges.map(\.scheme)
        guard !schemes.isEmpty, !schemes.contains(where: { ChallengeRules.answerableSchemes.contains($0.lowercased()) })
        else { return [] }
        var seen: [String] = []
        for scheme in schemes where !seen.contains(where: { $0.lowercased() == scheme.lowercased() }) {
            seen.append(scheme)
        }
        return [
            Finding(
                description.id,
                detail:
                    "The server offers only \(seen.joined(separator: ", ")); why401 answers Basic, Digest and Bearer.",
                evidence: seen.map { "offered: \($0)" })
        ]
    }
}

/// `challenge.basic-no-realm`: RFC 7617 §2 requires `realm`.
public enum ChallengeBasicNoRealmRule: Rule {
    /// Raises `challenge.basic-no-realm`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .challengeBasicNoRealm,
        triggering: [ChallengeEvidence(fields: ["Basic"]), ChallengeEvidence(fields: [#"Basic charset="UTF-8""#])],
        nonTriggering: [
            ChallengeEvidence(fields: [#"Basic realm="""#]), ChallengeEvidence(fields: [#"basic REALM=x"#]),
        ])

    /// One finding for the first Basic challenge with no `realm` parameter at all (an empty realm is allowed).
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        evidence.challenges.filter { $0.isScheme("Basic") && !$0.hasParameter("realm") }.prefix(1).map {
            Finding(description.id, evidence: ["\(evidence.header.rawValue): " + ChallengeRules.summary($0)])
        }
    }
}

/// `challenge.digest-unanswerable`: a Digest challenge no client can answer — `realm` or `nonce`
/// missing (RFC 7616 §3.3 requires both: they go into every response hash), a `qop` list without
/// `auth`/`auth-int`, or a `-sess` algorithm without qop (no cnonce). Not "weak": unusable.
public enum ChallengeDigestUnanswerableRule: Rule {
    /// Raises `challenge.digest-unanswerable`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .challengeDigestUnanswerable,
        triggering: [
            ChallengeEvidence(fields: [#"Digest nonce="n", qop="auth", algorithm=SHA-256"#]),
            ChallengeEvidence(fields: [#"Digest realm="r", qop="auth""#]),
            ChallengeEvidence(fields: ["Digest"]),
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", qop="auth-conf""#]),
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=MD5-sess"#]),
        ],
        nonTriggering: [
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n""#]),
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=SHA-512, qop="auth""#]),
            ChallengeEvidence(fields: [#"Basic realm="r""#]),
        ])

    /// One finding when a Digest challenge lacks realm or nonce, offers no usable qop, or pairs `-sess` with no qop; an
    /// unknown algorithm is left to `ChallengeUnsupportedAlgorithmRule`.
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        var problems: [(Challenge, DigestError)] = []
        for challenge in evidence.challenges where challenge.isScheme("Digest") {
            switch ChallengeRules.answerableDigest(challenge) {
            case .success, .failure(.unknownAlgorithm): continue  // the latter is challenge.unsupported-algorithm
            case .failure(let error): problems.append((challenge, error))
            }
        }
        guard let first = problems.first else { return [] }
        let missing = ["realm", "nonce"].filter { name in problems.contains { $0.0[parameter: name] == nil } }
        let detail: String
        if !missing.isEmpty {
            detail =
                """
                The Digest challenge has no \(missing.joined(separator: " and ")), so it cannot be answered: RFC \
                7616 §3.3 requires realm and nonce in every Digest challenge, and a client's response is a hash \
                over both. No browser or library can log in with it — it is not merely weak but unusable — and the \
                request stays 401.
                """
        } else {
            detail =
                """
                The Digest challenge cannot be answered: \(first.1). No conforming client can compute a response \
                to it, so the request stays 401.
                """
        }
        let lines = problems.prefix(5).map { challenge, error -> String in
            let absent = ["realm", "nonce"].filter { challenge[parameter: $0] == nil }.map { "\"\($0)\"" }
            let why =
                if case .missingParameter = error {
                    "no " + absent.joined(separator: " and no ") + " (RFC 7616 §3.3 requires both)"
                } else { error.description }
            return "\(evidence.header.rawValue): \(ChallengeRules.summary(challenge)) — \(why)"
        }
        return [Finding(description.id, detail: detail, evidence: lines)]
    }
}

/// `challenge.unsupported-algorithm`: a Digest `algorithm` outside RFC 7616's registry (e.g. the
/// non-standard `SHA-512`, `SHA-1`), which neither why401 nor curl nor browsers can compute. An
/// error when nothing else the server offers can be answered; otherwise a warning.
public enum ChallengeUnsupportedAlgorithmRule: Rule {
    /// Raises `challenge.unsupported-algorithm`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .challengeUnsupportedAlgorithm,
        triggering: [
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=SHA-512, qop="auth""#]),
            ChallengeEvidence(fields: [
                #"Digest realm="r", nonce="n", algorithm="SHA-1", qop="auth""#, #"Basic realm="r""#,
            ]),
        ],
        nonTriggering: [
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=SHA-512-256, qop="auth""#]),
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=sha-256-SESS, qop="auth""#]),
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n""#]),
        ])

    /// The registered algorithm names, comma-separated, for the finding's text.
    public static let standard = DigestAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")

    /// One finding naming the unknown algorithms; an error when no other challenge can be answered, else a warning.
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        var unknown: [(Challenge, String)] = []
        for challenge in evidence.challenges where challenge.isScheme("Digest") {
            guard let name = challenge[parameter: "algorithm"], (try? DigestAlgorithm(name: name)) == nil else {
                continue
            }
            unknown.append((challenge, name))
        }
        guard !unknown.isEmpty else { return [] }
        var names: [String] = []
        for (_, name) in unknown where !names.contains(name) { names.append(name) }
        let quoted = names.map { "\"\($0)\"" }.joined(separator: ", ")
        let answerable = evidence.challenges.contains { challenge in
            switch challenge.normalizedScheme {
            case "digest": (try? ChallengeRules.answerableDigest(challenge).get()) != nil
            case "basic", "bearer": true
            default: false
            }
        }
        var lines = unknown.prefix(5).map { "\(evidence.header.rawValue): \(ChallengeRules.summary($0.0))" }
        lines.append("RFC 7616 algorithms: \(standard)")
        var finding = Finding(
            description.id,
            detail:
                """
                The Digest challenge asks for algorithm \(quoted), which is not one of the algorithms RFC 7616 \
                defines (\(standard)). why401, curl and browsers cannot compute it
                """
                    + (answerable
                        ? "; they answer another challenge the server offers instead."
                        : ", and nothing else the server offers can be answered, so every client stays at 401."),
            evidence: lines)
        if !answerable { finding.severity = .error }
        return [finding]
    }
}

/// `challenge.digest-weak`: Digest offered only with MD5 (or MD5-sess), or without qop.
public enum ChallengeDigestWeakRule: Rule {
    /// Raises `challenge.digest-weak`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ChallengeEvidence>(
        id: .challengeDigestWeak,
        triggering: [
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=MD5, qop="auth""#]),
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n""#]),
            ChallengeEvidence(fields: [#"Digest realm="r", nonce="n", algorithm=SHA-256"#]),
        ],
        nonTriggering: [
            ChallengeEvidence(fields: [
                #"Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth""#,
                #"Digest realm="r", nonce="n", algorithm=MD5, qop="auth""#,
            ]),
            ChallengeEvidence(fields: [#"Basic realm="r""#]),
        ])

    /// One finding when every answerable Digest challenge is MD5 or has no qop (nothing stronger is offered).
    public static func check(_ evidence: ChallengeEvidence) -> [Finding] {
        // Only challenges a client can answer are weak or strong: one without realm/nonce or with an
        // algorithm nobody computes is `challenge.digest-unanswerable` / `challenge.unsupported-algorithm`.
        let parsed = evidence.challenges.filter { $0.isScheme("Digest") }.compactMap {
            try? ChallengeRules.answerableDigest($0).get()
        }
        guard !parsed.isEmpty else { return [] }
        let strong = parsed.contains { $0.algorithm.strength > DigestAlgorithm.md5.strength && !$0.qopOptions.isEmpty }
        guard !strong else { return [] }
        let lines = parsed.map(\.challenge).map { challenge -> String in
            let algorithm = challenge[parameter: "algorithm"] ?? "MD5 (not sent: the default)"
            let qop = challenge[parameter: "qop"] ?? "none (RFC 2069 mode)"
            return "Digest algorithm=\(algorithm), qop=\(qop)"
        }
        return [Finding(description.id, evidence: lines)]
    }
}
