import Evidence
import HTTPAuth
import Probe

/// What a check produced: the evidence for the rules, the plan's own notes, and — when the check
/// could not complete (bad URL, refused connection, TLS failure) — the one-line reason.
public struct CheckOutcome: Sendable {
    public var evidence: CheckEvidence
    /// `credentialed requests: 3 of 4`, `skipped per-address probes: budget spent`…
    public var notes: [String]
    /// Set when the request as given got no HTTP answer at all: exit 3.
    public var incomplete: String?
}

/// Runs the client-side plan against a live server: as given → without credentials → an answer to
/// each offered challenge → repeats → each address → without cookies → nearby URLs → CORS
/// preflight → resource metadata. Each step is one request recorded as evidence; the rules decide.
///
/// Credential policy (docs/check.md, "Credential policy"): credentials go only to the URL's own origin — never across a
/// redirect to another origin, never from https down to http, never to a variant of another
/// origin — and at most `credentialBudget` requests carry them.
public enum Checkup {
    public static func run(_ request: CheckRequest) async -> CheckOutcome {
        await run(request, transport: Prober(options: request.probe))
    }

    /// The plan over any transport: `Prober` on the network, a scripted one in tests. The
    /// transport is shut down at the end.
    public static func run(_ request: CheckRequest, transport: some Transport) async -> CheckOutcome {
        var runner = PlanRunner(request: request, transport: transport)
        let outcome = await runner.run()
        await transport.shutdown()
        return outcome
    }
}

/// Runs the steps in order over a transport. Every request goes through `send`, which applies the
/// credential policy (origin, budget, body), so a step only says what it wants to send.
///
/// Requests that nothing learned in between can change go ahead of their step's turn, concurrently
/// (`PlanExperiment.ahead`): the request without credentials alongside the request as given, and the
/// URL variants, the CORS preflight and the trailing-slash probe without credentials alongside the
/// credentialed steps. Each answer is recorded at its step's turn, so the evidence keeps the plan's
/// order and a step decides exactly as it would have; only requests without credentials go ahead, so
/// the budget is still spent in the plan's order.
struct PlanRunner {
    var state: PlanState
    let transport: any Transport
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant
    /// Requests sent before their step's turn, in flight or answered; `transmit` takes the one that is
    /// exactly what a step sends, and `settleAhead` records any no step took.
    var ahead: [AheadRequest] = []

    struct AheadRequest {
        var step: CheckEvidence.PlanStep
        var request: ProbeRequest
        var address: String?
        var answer: Task<ProbeResult, Never>
    }

    /// The learning steps after the request as given, in the order they run. The order is the
    /// budget's priority: what the user asked for before speculative steps.
    static let steps: [any PlanExperiment] = [
        AnonymousStep(),
        AnswerChallengeStep(),
        Latin1ProofStep(),
        PasswordVariantsStep(),
        PerAddressStep(),
        RepeatsStep(),
        WithoutCookiesStep(),
        TrailingSlashStep(),
        OtherOriginVariantsStep(),
        PreflightStep(),
        OAuthDiscoveryStep(),
        TokenVerificationStep(),
    ]

    init(request: CheckRequest, transport: any Transport) {
        self.state = PlanState(request: request)
        self.transport = transport
        self.started = clock.now
    }

    var request: CheckRequest { state.request }

    var elapsed: Double {
        let d = clock.now - started
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    var timeLeft: Bool { elapsed < request.maxTime }

    // MARK: the plan

    mutating func run() async -> CheckOutcome {
        if let unusable = state.prepare(now: request.now ?? PlanState.systemTime()) {
            return finish(incomplete: unusable)
        }

        // A line break inside a header value (a pasted token, a password file with CRLF) cannot go
        // on the wire at all: say so with the credential findings instead of sending anything.
        if let broken = state.brokenHeader {
            state.inspectCredentials()
            return finish(incomplete: "the \(broken.name) value contains a line break; no HTTP client can send it")
        }

        guard await resolveNames() else {
            return finish(
                incomplete: "could not resolve \(state.parts.host): \(state.evidence.dnsFailure ?? "no address")")
        }
        // A name that resolves only to loopback addresses (`--resolve name:port:127.0.0.1`, a hosts
        // entry) never leaves the machine: plain http there exposes nothing on a network.
        let addresses = state.evidence.addresses
        if !addresses.isEmpty, addresses.allSatisfy(PlanState.isLoopbackAddress) { state.evidence.isLoopback = true }

        // The request without credentials does not depend on the answer to the one as given (unless
        // curl's --digest/--anyauth sequence asks first, or an unsafe method's answer decides the
        // method the plan learns with): it goes alongside.
        let anonymous = AnonymousStep()
        if state.methodIsSafe, !AsGivenStep.asksFirst(state), anonymous.shouldRun(state) {
            sendAhead(anonymous.request(state))
        }
        // As given (curl's own sequence for --digest/--anyauth: ask, then answer), redirects hop by hop.
        await AsGivenStep().run(&self)
        guard let asGiven = state.evidence.first(.asGiven), asGiven.status != nil else {
            await settleAhead()
            let failure =
                state.evidence.first(.asGiven)?.exchange.failure ?? state.evidence.first(.anonymous)?.exchange.failure
            return finish(incomplete: failure ?? "no response")
        }
        if let date = asGiven.exchange.response?.headers.first("Date") {
            state.evidence.serverDate = HTTPDate.parse(date)
        }
        state.inspectCredentials()
        state.noteUnsafeMethodPolicy()

        if anonymous.shouldRun(state) { await anonymous.run(&self) }
        // Once the request without credentials is recorded, what later steps send without
        // credentials is settled: it goes now, alongside the credentialed steps.
        startAhead()
        for step in Self.steps where !(step is AnonymousStep) && step.shouldRun(state) {
            await step.run(&self)
        }
        await settleAhead()
        let discovery = state.evidence.steps.filter {
            [.resourceMetadata, .authorizationServerMetadata, .jwks].contains($0.kind)
        }.count
        if discovery > 0 {
            state.notes.append(
                "OAuth discovery: \(discovery) request\(discovery == 1 ? "" : "s") for public metadata, "
                    + "none with credentials"
            )
        }
        return finish(incomplete: nil)
    }

    mutating func finish(incomplete: String?) -> CheckOutcome {
        state.evidence.credentialedRequests = state.credentialedCount
        if !timeLeft { state.notes.append("the plan stopped early: --max-time \(Int(request.maxTime)) s reached") }
        state.notes.insert(
            "credentialed requests: \(state.credentialedCount) of at most \(request.credentialBudget)", at: 0)
        return CheckOutcome(evidence: state.evidence, notes: state.notes, incomplete: incomplete)
    }

    // MARK: sending

    /// Sends one planned request and records it. nil when the run's time is up or the credential
    /// budget is spent (a note says which). Headers that carry credentials never leave the user's
    /// origin, whatever the step asked for; the body goes only with the user's own method there.
    @discardableResult
    mutating func send(_ planned: PlannedRequest) async -> ProbeResult? {
        guard timeLeft else { return nil }
        let destination = planned.url ?? state.target
        let sameOrigin = state.policy.mayCarryCredentials(to: destination)
        let counts = planned.countsCredential ?? planned.credentialed
        if counts, sameOrigin, !state.spend(planned.step.purposeForBudget) { return nil }
        let credentialed = planned.credentialed && sameOrigin
        let result = await transmit(
            probeRequest(planned), as: planned.step, credentialed: credentialed, address: planned.address)
        if sameOrigin { state.learnCookies(result) }
        return result
    }

    /// What `planned` becomes on the way to the transport (before the policy's header filter): the
    /// learning method unless the step names one, the target unless it names a URL, the body only
    /// where the policy lets it go.
    func probeRequest(_ planned: PlannedRequest) -> ProbeRequest {
        let destination = planned.url ?? state.target
        let sending = planned.method ?? state.learningMethod
        let sendsBody = state.policy.sendsBody(method: sending, to: destination, kind: planned.step.kind)
        return ProbeRequest(
            method: sending, url: destination, headers: planned.headers,
            body: sendsBody ? request.body : [], purpose: planned.step.purpose)
    }

    /// The one place a request reaches the transport, and is recorded (masked) as evidence.
    /// Credential headers never leave the user's origin here, whatever the caller built. A request
    /// that already went ahead (the same step, the same bytes) is not sent again: its answer is taken.
    mutating func transmit(
        _ probeRequest: ProbeRequest, as step: CheckEvidence.PlanStep, credentialed: Bool, address: String? = nil
    ) async -> ProbeResult {
        var outgoing = probeRequest
        outgoing.headers = state.policy.headers(probeRequest.headers, to: probeRequest.url)
        let result: ProbeResult
        if let index = ahead.firstIndex(where: { $0.step == step && $0.request == outgoing && $0.address == address }) {
            result = await ahead.remove(at: index).answer.value
        } else {
            result = await transport.send(outgoing, address: address)
        }
        record(result, as: step, credentialed: credentialed)
        return result
    }

    mutating func record(_ result: ProbeResult, as step: CheckEvidence.PlanStep, credentialed: Bool) {
        let exchange = state.withoutEchoedSecrets(result.exchange)
        state.evidence.steps.append(CheckEvidence.Step(step, exchange: exchange, credentialed: credentialed))
    }

    // MARK: sending ahead

    /// Sends `planned` now, concurrently; its step records the answer at its turn. Only a request that
    /// carries no credentials, within the run's time.
    mutating func sendAhead(_ planned: PlannedRequest) {
        guard timeLeft, !(planned.countsCredential ?? planned.credentialed) else { return }
        var outgoing = probeRequest(planned)
        outgoing.headers = state.policy.headers(outgoing.headers, to: outgoing.url)
        let transport = self.transport
        let request = outgoing
        let address = planned.address
        ahead.append(
            AheadRequest(
                step: planned.step, request: outgoing, address: address,
                answer: Task { await transport.send(request, address: address) }))
    }

    /// After the request without credentials: every later step's requests that go ahead.
    mutating func startAhead() {
        for step in Self.steps where !(step is AnonymousStep) && step.shouldRun(state) {
            for planned in step.ahead(state) { sendAhead(planned) }
        }
    }

    /// Records the answers to requests that went ahead but that no step took (the run's time ran out
    /// before their turn): every request sent is in the evidence.
    mutating func settleAhead() async {
        while !ahead.isEmpty {
            let left = ahead.removeFirst()
            record(await left.answer.value, as: left.step, credentialed: false)
        }
    }

    // MARK: names

    mutating func resolveNames() async -> Bool {
        let host = state.parts.host
        if Resolver.isIPLiteral(host) {
            state.evidence.addresses = [host]
            return true
        }
        let hosts = request.hostsFileText.map(HostsFile.init(text:)) ?? HostsFile.load()
        state.evidence.hostsFileAddresses = hosts?.addresses(for: host) ?? []
        if let forced = request.probe.resolve[state.parts.resolveKey], !forced.isEmpty {
            state.evidence.resolveOverride = forced
            state.evidence.addresses = forced
            return true
        }
        switch await transport.resolve(host: host, timeout: min(request.probe.connectTimeout, 10)) {
        case .success(let addresses):
            state.evidence.addresses = addresses
            return true
        case .failure(let failure):
            state.evidence.dnsFailure = failure.description
            return false
        }
    }
}

extension CheckEvidence.PlanStep {
    /// How a skipped step is named in the budget note: `password variant (trimmed)`.
    var purposeForBudget: String { kind.rawValue + (label.map { " (\($0))" } ?? "") }
}
