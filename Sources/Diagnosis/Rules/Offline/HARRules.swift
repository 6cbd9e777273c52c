import Evidence

/// What the rest of a HAR file says about one diagnosed entry, beyond its own check evidence:
/// earlier identical requests that succeeded. Secret-free (lines are masked, credentials compared
/// by the importer, never carried).
public struct HARHistory: Sendable, Hashable {
    /// An earlier entry of the same request that succeeded.
    public struct Prior: Sendable, Hashable {
        /// The entry's number in the HAR file, as its evidence line shows it (`entry 3: …`).
        public var index: Int
        /// `entry 3: GET https://…/me → 200 at 2026-…Z`.
        public var line: String
        /// Whether it carried the same credentials as the failing entry (compared by the importer, never kept).
        public var sameCredentials: Bool
        /// Names of the cookies that request carried.
        public var cookieNames: [String]
        /// Records an earlier success.
        public init(index: Int, line: String, sameCredentials: Bool, cookieNames: [String] = []) {
            self.index = index
            self.line = line
            self.sameCredentials = sameCredentials
            self.cookieNames = cookieNames
        }
    }

    /// Most recent first.
    public var earlierSuccesses: [Prior]
    /// The history of one entry; empty when nothing earlier succeeded.
    public init(earlierSuccesses: [Prior] = []) { self.earlierSuccesses = earlierSuccesses }
}

/// A HAR entry is diagnosed by the live check's rules (`ClientRules.run` on its check evidence),
/// plus what only the file can show: the same request succeeded earlier. That fact becomes evidence
/// of the cause it supports — the token that expired in between (`token.expired`), the cookie that
/// expired (`session.expired-cookie`) — or, with the same credentials and nothing that changed,
/// `transient.flapping`; with other credentials it is evidence for the top cause. No id is raised twice.
public enum HARRules {
    /// The client rules' findings for one HAR entry, with the earlier success added as evidence to the cause it
    /// supports.
    public static func run(_ evidence: CheckEvidence, history: HARHistory) -> [Finding] {
        var findings = ClientRules.run(evidence)
        guard let prior = history.earlierSuccesses.first else { return findings }
        func append(_ line: String, to id: FindingID) -> Bool {
            guard let i = findings.firstIndex(where: { $0.id == id }) else { return false }
            if !findings[i].evidence.contains(line) { findings[i].evidence.append(line) }
            return true
        }
        if prior.sameCredentials {
            let line = "the same request with the same credentials succeeded earlier — \(prior.line)"
            if append(line, to: .tokenExpired) || append(line, to: .sessionExpiredCookie)
                || append(line, to: .transientFlapping)
            {
                return findings
            }
            let now = evidence.final.map {
                """
                this entry: \($0.exchange.request.method) \($0.exchange.request.url) → \
                \($0.status.map(String.init) ?? "no response")
                """
            }
            var finding = Finding(
                .transientFlapping,
                detail:
                    """
                    The same request with the same credentials succeeded earlier in the file and was refused here: \
                    the server changed its answer, not the client.
                    """,
                evidence: [line] + (now.map { [$0] } ?? []))
            finding.fix =
                [
                    """
                    Compare the two entries' response headers (Server, Via, X-Served-By) and times: another \
                    backend, a restart or a rotated key answered the refusal.
                    """
                ] + finding.fix
            findings.append(finding)
            return findings.ranked()
        }
        // A cookie the successful request carried has expired since: that is what changed.
        let expiredSince = evidence.unsentCookies.filter { cookie in
            cookie.expired && prior.cookieNames.contains { cookie.name == $0 || cookie.name.hasPrefix($0 + " ") }
        }
        if !expiredSince.isEmpty, let i = findings.firstIndex(where: { $0.id == .sessionExpiredCookie }) {
            var finding = findings.remove(at: i)
            let cookieNames = expiredSince.map { $0.name.split(separator: " ").first.map(String.init) ?? $0.name }
                .joined(separator: ", ")
            finding.severity = .error
            finding.detail =
                """
                The same request succeeded earlier with the cookie \
                \(cookieNames); the cookie has expired since, the browser stopped sending it, and the server \
                answers 401: the session ended. Log in again.
                """
            finding.evidence.append("the same request with the cookie succeeded earlier — \(prior.line)")
            return [finding] + findings
        }
        let line =
            """
            the same request succeeded earlier with other credentials (the Authorization, API key or cookies \
            changed since) — \(prior.line)
            """
        if let top = findings.firstIndex(where: { $0.severity != .info }) {
            findings[top].evidence.append(line)
        }
        return findings
    }

    /// `har.contains-secrets` naming where the file holds secrets (never the values); nil when it holds none.
    public static func containsSecrets(_ locations: [String]) -> Finding? {
        guard !locations.isEmpty else { return nil }
        return Finding(.harContainsSecrets, evidence: locations)
    }
}
