import Evidence

/// The client rules, most specific cause first: the first error-level finding becomes the verdict,
/// so a precise cause (a stale nonce, a dropped header) outranks the generic `credentials.rejected`.
public enum ClientRules {
    /// The client family as one `RuleSet`: what `check`, `har` and `curl` diagnoses run over their `CheckEvidence`.
    public static let set = RuleSet<CheckEvidence>(
        "client",
        [
            DNSResolutionFailedRule.self,
            RedirectLoopRule.self,
            ChallengeProxyStepRule.self,
            DigestStaleNonceRule.self,
            RedirectAuthorizationDroppedRule.self,
            ServerAuthBackendErrorRule.self,
            // Facts before inferences: what the token itself proves, what was malformed, what the
            // server states in its answer — then what why401 infers (a header lost on the way).
            TokenExpiredRule.self,
            TokenNotYetValidRule.self,
            TokenAlgNoneRule.self,
            TokenSignatureRule.self,
            TokenScopeRule.self,
            CredentialsInQueryRule.self,
            ServerStatedCauseRule.self,
            CredentialsNotReceivedRule.self,
            TokenAudienceMismatchRule.self,
            ClockSkewRule.self,
            ResourceMetadataBrokenRule.self,
            FinalChallengeRules.self,
            SessionStaleCookieRule.self,
            SessionExpiredCookieRule.self,
            SessionCookieNotSentRule.self,
            CacheCacheable401Rule.self,
            TransientFlappingRule.self,
            DNSAddressMismatchRule.self,
            CredentialsCapsLockRule.self,
            CredentialIssueRules.self,
            ProxySecondAuthLayerRule.self,
            CredentialsSchemeMismatchRule.self,
            CORSPreflightUnauthorizedRule.self,
            CORSPreflightFailedRule.self,
            CredentialsMissingRule.self,
            CredentialsRejectedRule.self,
            TransientRecoveredRule.self,
            URLVariantSucceedsRule.self,
            RedirectDowngradeRule.self,
            CacheSharedAuthenticatedRule.self,
            CredentialsInURLRule.self,
            InsecureTransportRule.self,
            DNSHostsOverrideRule.self,
            StatusForbiddenSemanticsRule.self,
            AuthzForbiddenRule.self,
            TokenNotJWTRule.self,
            ResponderIdentifiedRule.self,
        ])

    /// The rules, in rank order.
    public static var all: [any Rule<CheckEvidence>.Type] { Self.set.rules }

    /// Every finding under the `RuleSet` policy (one per id: a check has one subject, the URL),
    /// with the server's own words quoted where they support a finding.
    public static func run(_ evidence: CheckEvidence) -> [Finding] {
        quoteServerMessage(evidence, in: set.run(evidence))
    }

    /// What the server said in its final answer goes into the finding it supports (the cause it
    /// states, else the top cause), so the person sees the server's own words beside the verdict.
    static func quoteServerMessage(_ e: CheckEvidence, in findings: [Finding]) -> [Finding] {
        guard let final = e.final, let status = final.status, status >= 400, let message = final.serverMessage else {
            return findings
        }
        var out = findings
        let stated = KnownServerMessages.cause(of: message)
        let target = out.firstIndex { $0.id == stated } ?? out.firstIndex { $0.severity != .info }
        if let target, !out[target].evidence.contains(message.line) { out[target].evidence.append(message.line) }
        return out
    }
}

extension CheckEvidence.Step {
    var isSuccess: Bool { status.map { (200..<400).contains($0) && !(300..<400).contains($0) } ?? false }
    var isUnauthorized: Bool { status == 401 }
    /// The method this step sent: an unsafe method goes once, and the plan's other steps learn
    /// with GET, so only steps with the same method are compared.
    var method: String { exchange.request.method.uppercased() }
    func header(_ name: String) -> String? { exchange.response?.headers.first(name) }
    func headers(_ name: String) -> [String] { exchange.response?.headers.values(name) ?? [] }
    /// `401 (as given)` — a short evidence line.
    var line: String {
        let what = [kind.rawValue, label].compactMap { $0 }.joined(separator: ", ")
        let status = status.map(String.init) ?? (exchange.failure ?? "no response")
        return "\(exchange.request.method) \(exchange.request.url) → \(status) (\(what))"
    }
}
