import Evidence
import HTTPAuth
import Probe

/// One step of the client plan: a small experiment (as REDbot's active checks are one type per
/// extra request). `shouldRun` decides from what the plan has learned so far, without I/O; `run`
/// sends its requests through `PlanRunner.send`, which applies the credential policy, and what it
/// learned lands in the evidence (and, for the next steps, in `PlanState`).
///
/// To add a step: a type here (or in a file of its own), listed in `PlanRunner.steps` at its rank,
/// and a `CheckEvidence.PlanStep` case when the rules must tell its requests apart.
protocol PlanExperiment: Sendable {
    func shouldRun(_ state: PlanState) -> Bool
    func run(_ plan: inout PlanRunner) async
    /// Requests without credentials this step will send at its turn whatever the steps before it learn,
    /// so the runner may send them early, concurrently with those steps (`PlanRunner.startAhead`, called
    /// once, after the request without credentials). At its turn the step still decides and sends as
    /// usual; an identical request that went ahead is answered from there. Default: none.
    func ahead(_ state: PlanState) -> [PlannedRequest]
}

extension PlanExperiment {
    func ahead(_ state: PlanState) -> [PlannedRequest] { [] }
}

/// A request a step wants sent. `PlanRunner.send` fills in what policy decides: the learning
/// method when `method` is nil, the target when `url` is nil, the body, the budget.
struct PlannedRequest {
    var step: CheckEvidence.PlanStep
    var method: String?
    var url: String?
    var headers: [HeaderField]
    /// Whether it carries the user's credentials (recorded in the evidence).
    var credentialed: Bool
    /// Whether it is counted against the budget; nil: when `credentialed`.
    var countsCredential: Bool?
    /// One address of the name to connect to (Host and SNI keep the name).
    var address: String?

    init(
        step: CheckEvidence.PlanStep, method: String? = nil, url: String? = nil, headers: [HeaderField],
        credentialed: Bool,
        countsCredential: Bool? = nil, address: String? = nil
    ) {
        self.step = step
        self.method = method
        self.url = url
        self.headers = headers
        self.credentialed = credentialed
        self.countsCredential = countsCredential
        self.address = address
    }
}

/// Without credentials: what does the server ask for? Skipped when nothing was sent or the
/// as-given sequence already asked (`--digest` / `--anyauth`).
struct AnonymousStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool {
        (state.evidence.sent != .none || !state.request.cookies.isEmpty) && state.evidence.first(.anonymous) == nil
    }

    func request(_ state: PlanState) -> PlannedRequest {
        PlannedRequest(step: .anonymous, headers: state.baseHeaders(anonymous: true), credentialed: false)
    }

    func run(_ plan: inout PlanRunner) async {
        await plan.send(request(plan.state))
    }
}

/// A correct answer to each offered challenge the request as given did not already answer: the
/// fresh nonce of a `stale=true` Digest challenge, or the scheme offered instead of the one sent.
struct AnswerChallengeStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool {
        guard let final = state.evidence.final, final.exchange.response != nil else { return false }
        return final.status == 401 && state.user != nil && state.password != nil
    }

    func run(_ plan: inout PlanRunner) async {
        let evidence = plan.state.evidence
        // The newest 401's challenge: its nonce is the one a session cookie set with it refers to.
        guard let response = evidence.steps.last(where: { $0.status == 401 })?.exchange.response else { return }
        let challenges = ChallengeEvidence(response: response).challenges
        // Stale nonce: answer again with the fresh nonce the server just sent.
        if challenges.contains(where: DigestAuth.isStaleRetry) {
            if let answer = plan.state.passwordAnswer(challenges: challenges, preferDigest: true) {
                let headers = plan.state.baseHeaders() + [answer.header]
                await plan.send(
                    PlannedRequest(step: .freshNonce(scheme: answer.scheme), headers: headers, credentialed: true))
            }
            return
        }
        // The user's scheme was not offered (e.g. Basic sent, Digest asked): try the offered one.
        let sentName = evidence.sent.schemeName?.lowercased()
        let offered = challenges.filter {
            ["basic", "digest"].contains($0.normalizedScheme) && $0.normalizedScheme != sentName
        }
        guard !offered.isEmpty, evidence.sent != .bearer else { return }
        guard let answer = plan.state.passwordAnswer(challenges: offered, preferDigest: true) else { return }
        let headers = plan.state.baseHeaders() + [answer.header]
        await plan.send(PlannedRequest(step: .answer(scheme: answer.scheme), headers: headers, credentialed: true))
    }
}

/// Non-ASCII Basic credentials the server did not announce UTF-8 for: one request in ISO-8859-1
/// proves (or rules out) the charset instead of inferring it.
struct Latin1ProofStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool { request(state) != nil }

    /// The Latin-1 answer, or nil when the step does not apply. Small guards: the release
    /// optimizer has crashed on long ones comparing optionals.
    func request(_ state: PlanState) -> PlannedRequest? {
        guard case .basic = state.evidence.sent, state.request.passwordMode == .basic else { return nil }
        guard let final = state.evidence.final, final.status == 401, let response = final.exchange.response else {
            return nil
        }
        guard let user = state.user, let password = state.password else { return nil }
        guard (user + password).unicodeScalars.contains(where: { !$0.isASCII }) else { return nil }
        guard let basic = ChallengeEvidence(response: response).challenges.first(where: { $0.isScheme("Basic") }) else {
            return nil
        }
        guard BasicAuth.announcedCharset(basic) != .utf8 else { return nil }
        guard let value = try? BasicCredentials(user: user, password: password).authorizationValue(charset: .latin1)
        else { return nil }
        let headers = state.baseHeaders() + [HeaderField("Authorization", value)]
        return PlannedRequest(step: .passwordVariant(.latin1), headers: headers, credentialed: true)
    }

    func run(_ plan: inout PlanRunner) async {
        guard plan.timeLeft, let planned = request(plan.state) else { return }
        await plan.send(planned)
    }
}

/// Password variants the user asked for (`--try-variants`): trimmed and Caps-Lock inverted, before
/// any speculative step, since the budget goes first to what was requested.
struct PasswordVariantsStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool {
        state.request.tryVariants && state.evidence.final?.status == 401
    }

    /// The variants of `password` that differ from it, in the order they are tried.
    static func variants(of password: String) -> [(CheckEvidence.PlanStep.PasswordVariant, String)] {
        var variants: [(CheckEvidence.PlanStep.PasswordVariant, String)] = []
        let trimmed = String(password.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        if trimmed != password { variants.append((.trimmed, trimmed)) }
        let inverted = String(
            password.map {
                $0.isUppercase ? Character($0.lowercased()) : $0.isLowercase ? Character($0.uppercased()) : $0
            })
        if inverted != password { variants.append((.capsLockInverted, inverted)) }
        return variants
    }

    func run(_ plan: inout PlanRunner) async {
        guard let password = plan.state.password, plan.state.user != nil else { return }
        guard let response = plan.state.evidence.final?.exchange.response else { return }
        let challenges = ChallengeEvidence(response: response).challenges
        let preferDigest = plan.state.evidence.sent.schemeName == "Digest"
        for (variant, candidate) in Self.variants(of: password) where plan.timeLeft {
            guard
                let answer = plan.state.passwordAnswer(
                    challenges: challenges, preferDigest: preferDigest, password: candidate)
            else {
                continue
            }
            let headers = plan.state.baseHeaders() + [answer.header]
            await plan.send(PlannedRequest(step: .passwordVariant(variant), headers: headers, credentialed: true))
        }
    }
}

/// One request per resolved address. When at least two were probed they are the repeats (an
/// identical request, answered by each backend): `PlanState.addressesProbed`.
struct PerAddressStep: PlanExperiment {
    static func addresses(_ state: PlanState) -> [String] {
        state.evidence.resolveOverride.isEmpty ? state.evidence.addresses : state.evidence.resolveOverride
    }

    func shouldRun(_ state: PlanState) -> Bool {
        Self.addresses(state).count > 1 && state.evidence.first(.asGiven) != nil
    }

    func run(_ plan: inout PlanRunner) async {
        guard let asGiven = plan.state.evidence.first(.asGiven) else { return }
        for address in Self.addresses(plan.state) {
            guard plan.timeLeft else { break }
            let headers = plan.state.baseHeaders() + plan.state.replayAuthorization()
            await plan.send(
                PlannedRequest(
                    step: .address(address), headers: headers, credentialed: asGiven.credentialed,
                    countsCredential: PlanState.carriesCredentials(headers), address: address))
        }
        plan.state.addressesProbed = plan.state.evidence.steps(.address).count >= 2
    }
}

/// Identical repeats (flapping, a backend that answers differently). Stopped by the plain-rejection
/// budget: after an identical refusal, more of a known-bad password only counts toward a lockout.
struct RepeatsStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool {
        !state.addressesProbed && state.request.repeatCount > 1 && state.evidence.first(.asGiven) != nil
    }

    func run(_ plan: inout PlanRunner) async {
        guard let asGiven = plan.state.evidence.first(.asGiven) else { return }
        let count = plan.request.repeatCount
        // A scheme the server does not offer is refused every time: repeating it only spends budget.
        if asGiven.status == 401, let sentName = plan.state.evidence.sent.schemeName,
            let challenges = plan.state.evidence.finalChallenges?.challenges,
            !challenges.isEmpty, !challenges.contains(where: { $0.isScheme(sentName) })
        {
            plan.state.notes.append(
                "no repeats: the server does not offer \(sentName), so every repeat would be refused the same way")
            return
        }
        let isCredentialed = asGiven.credentialed
        for index in 2...count {
            guard plan.timeLeft else { return }
            let authorization = plan.state.replayAuthorization()
            if plan.state.asGivenAnswer != nil && authorization.isEmpty { return }
            let headers = plan.state.baseHeaders() + authorization
            let planned = PlannedRequest(
                step: .repeated(index: index, count: count), headers: headers, credentialed: isCredentialed,
                countsCredential: isCredentialed && PlanState.carriesCredentials(headers))
            guard await plan.send(planned) != nil else { return }
            // An identical refusal of a plain rejection: a further repeat could only spend budget.
            if index < count, CredentialPolicy.stopsRepeats(plan.state.evidence, latest: plan.state.evidence.steps.last)
            {
                plan.state.notes.append(
                    "repeats stopped after an identical refusal: the same credentials again "
                        + "would only count toward a lockout"
                )
                return
            }
        }
    }
}

/// Without cookies, when cookies were sent and the request failed: a stale session shows.
struct WithoutCookiesStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool {
        !state.request.cookies.isEmpty && state.evidence.final?.status == 401
    }

    func run(_ plan: inout PlanRunner) async {
        guard plan.timeLeft else { return }
        let credentialed = plan.state.evidence.sent != .none
        let headers = plan.state.baseHeaders(includeCookies: false) + plan.state.replayAuthorization()
        await plan.send(PlannedRequest(step: .withoutCookies, headers: headers, credentialed: credentialed))
    }
}

/// The trailing slash toggled (the same origin: the credentials go), only when the original fails.
/// After a plain rejection it asks without credentials first: the same challenge there means the
/// same protected area, and the known-bad credentials would only be refused again.
struct TrailingSlashStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool { state.evidence.final?.status == 401 }

    /// The toggled URL and its path + query (what a Digest answer covers).
    static func toggled(_ state: PlanState) -> (url: String, uri: String) {
        var path = state.parts.pathAndQuery
        var query = ""
        if let q = path.firstIndex(of: "?") {
            query = String(path[q...])
            path = String(path[..<q])
        }
        let toggled = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path + "/"
        return ("\(state.parts.scheme)://\(state.parts.hostHeader)\(toggled)\(query)", toggled + query)
    }

    /// The toggled URL asked without credentials first: after a plain rejection, when there are
    /// credentials to replay.
    static func anonymousFirst(_ state: PlanState, url: String) -> PlannedRequest {
        PlannedRequest(
            step: .variant(.trailingSlashWithoutCredentials), url: url, headers: state.baseHeaders(anonymous: true),
            credentialed: false)
    }

    /// The probe without credentials: whether it goes depends only on the request as given and the
    /// one without credentials (a plain rejection), both known before the steps in between.
    func ahead(_ state: PlanState) -> [PlannedRequest] {
        guard state.plainRejection else { return [] }
        var state = state
        let (url, uri) = Self.toggled(state)
        guard !state.replayAuthorization(uri: uri).isEmpty else { return [] }
        return [Self.anonymousFirst(state, url: url)]
    }

    func run(_ plan: inout PlanRunner) async {
        let (url, uri) = Self.toggled(plan.state)
        let auth = plan.state.replayAuthorization(uri: uri)
        if plan.state.plainRejection, !auth.isEmpty, plan.timeLeft {
            let probe = await plan.send(Self.anonymousFirst(plan.state, url: url))
            let anonymous = plan.state.evidence.first(.anonymous)
            let answer = plan.state.evidence.steps.last
            if probe != nil, answer?.status == anonymous?.status,
                CredentialPolicy.challengeKey(answer) == CredentialPolicy.challengeKey(anonymous)
            {
                plan.state.notes.append(
                    "trailing slash toggled: the same challenge without credentials, "
                        + "so the same credentials were not sent there"
                )
                return
            }
            // A redirect (usually back to the original URL) has no verdict of its own to offer.
            if probe != nil, let status = answer?.status, (300..<400).contains(status) {
                plan.state.notes.append(
                    "trailing slash toggled: redirected (\(status)) without credentials, "
                        + "so the credentials were not sent there"
                )
                return
            }
        }
        guard plan.timeLeft else { return }
        let headers = plan.state.baseHeaders() + auth
        let carries = PlanState.carriesCredentials(headers)
        await plan.send(
            PlannedRequest(step: .variant(.trailingSlash), url: url, headers: headers, credentialed: carries))
    }
}

/// https for http and `www.` toggled: other origins, so never the user's credentials or cookies.
struct OtherOriginVariantsStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool { state.evidence.final?.status == 401 }

    /// What it sends: each variant without credentials (the policy would strip them anyway).
    func requests(_ state: PlanState) -> [PlannedRequest] {
        let parts = state.parts
        var others: [(CheckEvidence.PlanStep.URLVariant, String)] = []
        if parts.scheme == "http" && !state.evidence.isLoopback {
            let port = parts.hasExplicitPort && parts.port != 80 ? ":\(parts.port)" : ""
            others.append((.https, "https://\(parts.bracketedHost)\(port)\(parts.pathAndQuery)"))
        }
        if !Resolver.isIPLiteral(parts.host) && parts.host.contains(".") {
            let host = parts.host.hasPrefix("www.") ? String(parts.host.dropFirst(4)) : "www." + parts.host
            let port = parts.hasExplicitPort ? ":\(parts.port)" : ""
            others.append((.www, "\(parts.scheme)://\(host)\(port)\(parts.pathAndQuery)"))
        }
        let headers = state.baseHeaders(anonymous: true)
        return others.map { PlannedRequest(step: .variant($0.0), url: $0.1, headers: headers, credentialed: false) }
    }

    func ahead(_ state: PlanState) -> [PlannedRequest] { requests(state) }

    func run(_ plan: inout PlanRunner) async {
        for planned in requests(plan.state) where plan.timeLeft {
            await plan.send(planned)
        }
    }
}

/// The CORS preflight a browser sends from `--origin` before a request with Authorization.
struct PreflightStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool { state.request.origin != nil }

    func request(_ state: PlanState) -> PlannedRequest {
        var headers = [
            HeaderField("Origin", state.request.origin ?? ""),
            HeaderField("Access-Control-Request-Method", state.request.method),
            HeaderField("Access-Control-Request-Headers", "authorization"),
        ]
        headers += state.request.headers.filter { $0.name.lowercased() == "user-agent" }
        return PlannedRequest(step: .preflight, method: "OPTIONS", headers: headers, credentialed: false)
    }

    func ahead(_ state: PlanState) -> [PlannedRequest] { [request(state)] }

    func run(_ plan: inout PlanRunner) async {
        guard plan.timeLeft else { return }
        await plan.send(request(plan.state))
    }
}

/// OAuth discovery: RFC 9728 resource metadata → RFC 8414 server metadata → jwks_uri, public
/// documents fetched without credentials (`OAuthDiscovery.swift`).
struct OAuthDiscoveryStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool { true }

    func run(_ plan: inout PlanRunner) async {
        plan.state.discoveredJWKS = await plan.discoverOAuth()
    }
}

/// The token's signature: the user's key, `--jwks URL`, the discovered JWKS, or weak secrets.
struct TokenVerificationStep: PlanExperiment {
    func shouldRun(_ state: PlanState) -> Bool { true }

    func run(_ plan: inout PlanRunner) async {
        await plan.verifyToken(discovered: plan.state.discoveredJWKS)
    }
}
