import Evidence
import HTTPAuth

// Rules that compare the anonymous answer with the credentialed one: which layer took the
// credentials, and whether the credentials were accepted but not permitted.

/// The scheme and realm of each challenge in a response: what identifies the layer that asks
/// (a Digest nonce or a Bearer `error=` changes between answers of the same layer; these do not).
func challengeIdentity(_ step: CheckEvidence.Step) -> [String] {
    guard let response = step.exchange.response else { return [] }
    return ChallengeEvidence(response: response).challenges.map { challenge in
        challenge.normalizedScheme + (challenge.realm.map { " realm=\"\($0)\"" } ?? "")
    }
}

/// `proxy.second-auth-layer`: the anonymous request and the credentialed one are challenged by
/// different layers (another scheme or realm, or another `Server`). A front layer accepted the
/// credentials and a layer behind it asks for its own.
public enum ProxySecondAuthLayerRule: Rule {
    static let proxyRealm: KeyValuePairs<String, String> = [
        "WWW-Authenticate": "Basic realm=\"proxy\"", "Server": "mitmproxy",
    ]
    static let appBearer: KeyValuePairs<String, String> = [
        "WWW-Authenticate": "Bearer realm=\"api\"", "Server": "uvicorn",
    ]
    /// Raises `proxy.second-auth-layer`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .proxySecondAuthLayer,
        triggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, appBearer),
                CheckSample.step(.anonymous, 401, proxyRealm, credentialed: false)),
            CheckSample.make(
                CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Basic realm=\"app\""]),
                CheckSample.step(
                    .anonymous, 401, ["WWW-Authenticate": "Basic realm=\"gateway\""], credentialed: false)),
        ],
        nonTriggering: [
            // Same layer: a wrong password, a Bearer error added, a fresh Digest nonce.
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401),
                CheckSample.step(.anonymous, 401, CheckSample.basic401, credentialed: false)),
            CheckSample.make(
                sent: .bearer,
                CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer realm=\"api\", error=\"invalid_token\""]),
                CheckSample.step(.anonymous, 401, ["WWW-Authenticate": "Bearer realm=\"api\""], credentialed: false)),
            CheckSample.make(
                CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Digest realm=\"a\", nonce=\"2\""]),
                CheckSample.step(
                    .anonymous, 401, ["WWW-Authenticate": "Digest realm=\"a\", nonce=\"1\""], credentialed: false)),
            // Credentials never reached the second request: nothing to compare.
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401, appBearer, credentialed: false)),
        ])

    /// One finding when the anonymous and the credentialed request to the same URL are both refused, by challenges
    /// (scheme, realm) or `Server` headers that differ.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard e.sent != .none, let final = e.final, final.isUnauthorized, final.credentialed,
            let anonymous = e.first(.anonymous), anonymous.isUnauthorized
        else { return [] }
        // The same URL answered both: a redirect to another place is a different finding.
        guard anonymous.exchange.request.url == final.exchange.request.url else { return [] }
        let front = challengeIdentity(anonymous)
        let behind = challengeIdentity(final)
        let challengeChanged = !front.isEmpty && !behind.isEmpty && Set(front) != Set(behind)
        let frontServer = anonymous.header("Server")
        let backServer = final.header("Server")
        let serverChanged = frontServer != nil && backServer != nil && frontServer != backServer
        guard challengeChanged || serverChanged else { return [] }
        var lines = [
            "without credentials: " + anonymous.line
                + (front.isEmpty ? "" : " — asks " + front.joined(separator: ", ")),
            "with credentials: " + final.line + (behind.isEmpty ? "" : " — asks " + behind.joined(separator: ", ")),
        ]
        if serverChanged { lines.append("Server: \(frontServer!) without credentials, \(backServer!) with them") }
        return [
            Finding(
                description.id,
                detail:
                    """
                    Without credentials the answer asks for \
                    \(front.first ?? "credentials")\(frontServer.map { " (Server: \($0))" } ?? ""); with them a \
                    different layer asks for \
                    \(behind.first ?? "credentials")\(backServer.map { " (Server: \($0))" } ?? ""). The front \
                    layer accepted the credentials and the one behind it wants its own.
                    """,
                evidence: lines)
        ]
    }
}

/// `authz.forbidden`: 401 without credentials, 403 with them — authentication succeeded and the
/// account lacks permission. Context (info), not a cause: other credentials will not help.
public enum AuthzForbiddenRule: Rule {
    /// Raises `authz.forbidden`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .authzForbidden,
        triggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 403),
                CheckSample.step(.anonymous, 401, CheckSample.basic401, credentialed: false)),
            CheckSample.make(
                sent: .bearer, CheckSample.step(.asGiven, 403, ["Server": "uvicorn"]),
                CheckSample.step(.anonymous, 401, ["WWW-Authenticate": "Bearer"], credentialed: false)),
        ],
        nonTriggering: [
            // nginx's 403 for a missing user file is server.auth-backend-error.
            CheckSample.make(
                CheckSample.step(.asGiven, 403, ["Server": "nginx/1.22.1"]),
                CheckSample.step(.anonymous, 401, CheckSample.basic401, credentialed: false)),
            CheckSample.make(CheckSample.step(.asGiven, 403), CheckSample.step(.anonymous, 403, credentialed: false)),
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 403, credentialed: false)),
        ])

    /// One finding (info) when the anonymous request gets 401 and the credentialed one 403, unless that 403 is a
    /// backend error.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard e.sent != .none, let final = e.final, final.status == 403, final.credentialed,
            let anonymous = e.first(.anonymous), anonymous.isUnauthorized,
            ServerAuthBackendErrorRule.check(e).isEmpty
        else { return [] }
        return [
            Finding(
                description.id, evidence: ["without credentials: " + anonymous.line, "with credentials: " + final.line])
        ]
    }
}
