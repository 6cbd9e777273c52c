import Evidence
// The client plan as a state machine, without sockets: a scripted transport answers from a table
// and records every request, so the credential policy (origins, https → http, unsafe methods, the
// budget) is checked on exactly what would have gone on the wire. The loopback suites (Apache,
// nginx, frameworks) run the same plan again over real sockets.
import Foundation
import Probe
import Testing

@testable import Checkup

/// Answers from a table (a function of the request) and records what was sent, in order.
actor ScriptedTransport: Transport {
    struct Reply: Sendable {
        var status: Int
        var headers: [HeaderField] = []
        var body = ""

        static let ok = Reply(status: 200, body: "fine")
        static func challenge(_ value: String = "Basic realm=\"api\"") -> Reply {
            Reply(status: 401, headers: [HeaderField("WWW-Authenticate", value)])
        }
        static func redirect(_ status: Int = 302, to location: String) -> Reply {
            Reply(status: status, headers: [HeaderField("Location", location)])
        }
    }

    struct Sent: Sendable {
        var request: ProbeRequest
        var address: String?
        var authorization: String? { request.headers.first("Authorization") }
        /// Authorization, Proxy-Authorization, Cookie, or the `-H` key these tests send.
        var carriesCredentials: Bool {
            request.headers.contains {
                ["authorization", "proxy-authorization", "cookie", "x-api-key"].contains($0.name.lowercased())
            }
        }
        var origin: String? { try? URLParts.parse(request.url).get().origin }
    }

    let addresses: [String]
    let table: @Sendable (ProbeRequest) -> Reply
    private(set) var sent: [Sent] = []
    private(set) var isShutDown = false

    init(addresses: [String] = ["192.0.2.10"], _ table: @escaping @Sendable (ProbeRequest) -> Reply) {
        self.addresses = addresses
        self.table = table
    }

    func send(_ request: ProbeRequest, address: String?) async -> ProbeResult {
        sent.append(Sent(request: request, address: address))
        let reply = table(request)
        let response = RecordedResponse(
            status: reply.status, headers: reply.headers, bodyPrefix: Array(reply.body.utf8))
        let exchange = Exchange(
            request: RecordedRequest(method: request.method, url: request.url, headers: request.headers),
            response: response,
            peer: address ?? addresses.first, milliseconds: 1, purpose: request.purpose)
        return ProbeResult(
            exchange: exchange, failure: nil, rawResponseHeaders: reply.headers, body: Array(reply.body.utf8))
    }

    nonisolated func resolve(host: String, timeout: Double) async -> Result<[String], ProbeFailure> {
        .success(addresses)
    }

    func shutdown() async { isShutDown = true }
}

/// Decodes `Authorization: Basic …` to its password (Foundation's base64: no HTTPAuth in the way).
func basicPassword(_ authorization: String?) -> String? {
    guard let authorization, authorization.hasPrefix("Basic "),
        let data = Data(base64Encoded: String(authorization.dropFirst(6))),
        let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
    else { return nil }
    return String(pair[pair.index(after: colon)...])
}

@Suite("Client plan as a state machine (scripted transport, no sockets)")
struct PlanStateMachineTests {
    static let password = "Wrong-pass-1"

    static func request(_ url: String, method: String = "GET", budget: Int = 4) -> CheckRequest {
        var request = CheckRequest(url: url)
        request.user = "alice"
        request.password = password
        request.method = method
        request.credentialBudget = budget
        request.hostsFileText = ""
        request.now = 1_800_000_000
        return request
    }

    static func run(_ request: CheckRequest, _ transport: ScriptedTransport) async -> (
        CheckOutcome, [ScriptedTransport.Sent]
    ) {
        let outcome = await Checkup.run(request, transport: transport)
        return (outcome, await transport.sent)
    }

    /// Every request off the user's origin went without Authorization, cookies or `-H` keys.
    static func expectNothingOffOrigin(
        _ sent: [ScriptedTransport.Sent], origin: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for item in sent where item.origin != origin {
            let shown = item.request.headers.map(\.masked)
            #expect(!item.carriesCredentials, "\(item.request.url) got \(shown)", sourceLocation: sourceLocation)
        }
    }

    // MARK: origins

    @Test("a redirect to another origin: the credentials stay behind on that hop and every later one")
    func redirectToAnotherOrigin() async throws {
        let transport = ScriptedTransport { request in
            if request.url == "https://192.0.2.1/start" { return .redirect(to: "https://192.0.2.2/next") }
            if request.url == "https://192.0.2.2/next" { return .redirect(307, to: "https://192.0.2.1/back") }
            return .challenge()
        }
        var request = Self.request("https://192.0.2.1/start")
        request.cookies = [("session", "s-0123456789")]
        let (outcome, sent) = await Self.run(request, transport)
        let other = sent.filter { $0.origin == "https://192.0.2.2" }
        try #require(other.count == 1, "\(sent.map(\.request.url))")
        #expect(!other[0].carriesCredentials)
        // Back on the user's origin after leaving it: still without (a conforming client drops them for good).
        let back = try #require(sent.first { $0.request.url == "https://192.0.2.1/back" })
        #expect(!back.carriesCredentials)
        let asGiven = try #require(sent.first { $0.request.url == "https://192.0.2.1/start" && $0.carriesCredentials })
        #expect(basicPassword(asGiven.authorization) == Self.password, "the request as given carries them")
        #expect(
            outcome.notes.contains { $0.hasPrefix("redirect to https://192.0.2.2: credentials not sent there") },
            "\(outcome.notes)")
        let hops = outcome.evidence.steps(.redirect)
        #expect(hops.map(\.plan) == [.redirect(hop: 1), .redirect(hop: 2)])
        #expect(hops.allSatisfy { !$0.credentialed })
        Self.expectNothingOffOrigin(sent, origin: "https://192.0.2.1")
    }

    @Test("https → http on the same host is another origin: no credentials, and the note says so")
    func httpsDowngrade() async throws {
        let transport = ScriptedTransport { request in
            request.url.hasPrefix("https://") ? .redirect(301, to: "http://192.0.2.1/plain") : .challenge()
        }
        let (outcome, sent) = await Self.run(Self.request("https://192.0.2.1/secure"), transport)
        let plain = sent.filter { $0.request.url.hasPrefix("http://") }
        try #require(!plain.isEmpty, "\(sent.map(\.request.url))")
        #expect(plain.allSatisfy { $0.authorization == nil })
        #expect(outcome.notes.contains { $0.contains("https → http") }, "\(outcome.notes)")
    }

    @Test("URL variants of another origin (https, www.) go without Authorization, cookies or -H keys")
    func otherOriginVariants() async throws {
        let transport = ScriptedTransport { _ in .challenge() }
        var request = Self.request("http://api.example.test/me")
        request.cookies = [("session", "s-0123456789")]
        request.headers = [HeaderField("X-API-Key", "key-0123456789")]
        let (outcome, sent) = await Self.run(request, transport)
        let variants = outcome.evidence.steps(.variant).map(\.plan)
        #expect(variants.contains(.variant(.https)) && variants.contains(.variant(.www)), "\(variants)")
        let offOrigin = sent.filter { $0.origin != "http://api.example.test" }
        #expect(offOrigin.count == 2, "\(sent.map(\.request.url))")
        Self.expectNothingOffOrigin(sent, origin: "http://api.example.test")
        #expect(
            sent.contains { $0.origin == "http://api.example.test" && $0.carriesCredentials },
            "credentials do go to the own origin")
    }

    @Test("the policy strips credentials a step planned for another origin (the last line of defence)")
    func sendStripsOffOrigin() async throws {
        let transport = ScriptedTransport { _ in .ok }
        var runner = PlanRunner(request: Self.request("https://192.0.2.1/me"), transport: transport)
        let unusable = runner.state.prepare(now: 0)
        #expect(unusable == nil)
        let headers = [HeaderField("Authorization", "Bearer t-0123456789"), HeaderField("Accept", "*/*")]
        await runner.send(
            PlannedRequest(step: .variant(.www), url: "https://192.0.2.9/me", headers: headers, credentialed: true))
        let sent = await transport.sent
        try #require(sent.count == 1)
        #expect(sent[0].request.headers.map(\.name) == ["Accept"])
        #expect(runner.state.credentialedCount == 0, "nothing credentialed went, so nothing is counted")
        #expect(runner.state.evidence.steps.first?.credentialed == false)
    }

    // MARK: unsafe methods

    @Test("POST goes once, as given, with its body; every later step learns with GET and no body")
    func unsafeMethodOnce() async throws {
        let transport = ScriptedTransport { _ in .challenge() }
        var request = Self.request("https://192.0.2.1/items", method: "POST")
        request.body = Array("name=x".utf8)
        request.origin = "https://app.example.test"
        let (outcome, sent) = await Self.run(request, transport)
        #expect(sent.filter { $0.request.method == "POST" }.count == 1, "\(sent.map(\.request.method))")
        #expect(sent[0].request.method == "POST" && sent[0].request.body == Array("name=x".utf8))
        let later = sent.dropFirst()
        #expect(later.count >= 3, "the plan went on learning: \(later.map(\.request.method))")
        #expect(later.allSatisfy { ["GET", "OPTIONS"].contains($0.request.method) && $0.request.body.isEmpty })
        #expect(later.contains { $0.request.method == "OPTIONS" }, "the preflight")
        #expect(outcome.notes.contains { $0.hasPrefix("POST sent once, as given") }, "\(outcome.notes)")
    }

    @Test("--replay-unsafe: the later steps on the user's origin send POST and its body again")
    func replayUnsafe() async throws {
        let transport = ScriptedTransport { _ in .challenge() }
        var request = Self.request("https://192.0.2.1/items", method: "POST")
        request.body = Array("name=x".utf8)
        request.replayUnsafe = true
        let (_, sent) = await Self.run(request, transport)
        let posts = sent.filter { $0.request.method == "POST" }
        #expect(posts.count > 1, "\(sent.map(\.request.method))")
        #expect(posts.allSatisfy { $0.request.body == Array("name=x".utf8) && $0.origin == "https://192.0.2.1" })
    }

    @Test("--replay-unsafe never repeats a POST that succeeded")
    func replayUnsafeAfterSuccess() async throws {
        let transport = ScriptedTransport { _ in Reply(status: 201) }
        var request = Self.request("https://192.0.2.1/items", method: "POST")
        request.replayUnsafe = true
        let (outcome, sent) = await Self.run(request, transport)
        #expect(sent.filter { $0.request.method == "POST" }.count == 1, "\(sent.map(\.request.method))")
        #expect(outcome.notes.contains { $0.contains("it succeeded, so it is not sent again") }, "\(outcome.notes)")
    }

    // MARK: the budget

    @Test("the budget: never more credentialed requests than allowed, each one counted, skipped ones noted")
    func budgetNeverExceeded() async throws {
        // Flapping: the same password is refused, then accepted, so the plan keeps learning.
        for budget in [1, 2, 3] {
            let counter = Counter()
            // Flapping: the same password is refused, then accepted, so every step has something to learn.
            let transport = ScriptedTransport { request in
                guard request.headers.first("Authorization") != nil else { return .challenge() }
                return counter.next() % 2 == 1 ? .challenge() : .ok
            }
            var request = Self.request("https://192.0.2.1/me", budget: budget)
            request.repeatCount = 6
            request.tryVariants = true
            request.password = " Secret "
            let (outcome, sent) = await Self.run(request, transport)
            let withAuth = sent.filter { $0.authorization != nil }.count
            #expect(withAuth == budget, "budget \(budget): the plan asks for more, so it spends it all")
            #expect(outcome.evidence.credentialedRequests == withAuth, "budget \(budget): counted as sent")
            #expect(outcome.notes.first == "credentialed requests: \(withAuth) of at most \(budget)")
            #expect(outcome.notes.contains { $0.contains("credential budget of \(budget) spent") }, "\(outcome.notes)")
            #expect(await transport.isShutDown)
        }
    }

    @Test("a plain rejection gets one identical repeat, then the trailing slash is asked without credentials")
    func plainRejectionBudget() async throws {
        let transport = ScriptedTransport { _ in .challenge() }
        let (outcome, sent) = await Self.run(Self.request("https://192.0.2.1/area/"), transport)
        #expect(outcome.evidence.steps(.repeated).map(\.plan) == [.repeated(index: 2, count: 3)])
        #expect(sent.filter { $0.authorization != nil }.count == 2, "\(sent.map(\.request.url))")
        #expect(outcome.evidence.credentialedRequests == 2)
        #expect(
            outcome.notes.contains { $0.hasPrefix("repeats stopped after an identical refusal") }, "\(outcome.notes)")
        let slash = try #require(sent.first { $0.request.url == "https://192.0.2.1/area" })
        #expect(slash.authorization == nil)
        #expect(outcome.evidence.steps(.variant).first?.plan == .variant(.trailingSlashWithoutCredentials))
    }

    @Test("not a plain rejection (another layer answers without credentials): all repeats go")
    func notAPlainRejection() async throws {
        let transport = ScriptedTransport { request in
            request.headers.first("Authorization") == nil ? .challenge("Basic realm=\"proxy\"") : .challenge()
        }
        let (outcome, sent) = await Self.run(Self.request("https://192.0.2.1/area/"), transport)
        #expect(outcome.evidence.steps(.repeated).count == 2, "\(outcome.notes)")
        #expect(!outcome.notes.contains { $0.hasPrefix("repeats stopped") })
        #expect(
            sent.first { $0.request.url == "https://192.0.2.1/area" }?.authorization != nil, "the credentialed variant")
    }

    // MARK: steps that do not run

    @Test("after a 200 the speculative steps do not run: no answer, no variants, no password variants; repeats do")
    func successSkipsSteps() async throws {
        let transport = ScriptedTransport { request in
            request.headers.first("Authorization") == nil ? .challenge() : .ok
        }
        var request = Self.request("https://api.example.test/me")
        request.tryVariants = true
        let (outcome, sent) = await Self.run(request, transport)
        let kinds = Set(outcome.evidence.steps.map(\.kind))
        #expect(kinds == [.asGiven, .anonymous, .repeated], "\(outcome.evidence.steps.map(\.plan))")
        #expect(sent.allSatisfy { $0.origin == "https://api.example.test" })
    }

    @Test("several addresses are the repeats: one request per address, no identical repeats")
    func addressesReplaceRepeats() async throws {
        let transport = ScriptedTransport(addresses: ["192.0.2.1", "192.0.2.2"]) { _ in .ok }
        let (outcome, sent) = await Self.run(Self.request("https://api.example.test/me"), transport)
        #expect(outcome.evidence.steps(.address).map(\.plan) == [.address("192.0.2.1"), .address("192.0.2.2")])
        #expect(outcome.evidence.steps(.repeated).isEmpty)
        #expect(sent.compactMap(\.address) == ["192.0.2.1", "192.0.2.2"])
    }

    @Test("shouldRun reads the state alone")
    func shouldRunDecisions() {
        var state = PlanState(request: Self.request("https://192.0.2.1/me"))
        let unusable = state.prepare(now: 0)
        #expect(unusable == nil)
        let refused = CheckEvidence.Step(
            .asGiven(scheme: nil),
            exchange: Exchange(
                request: RecordedRequest(method: "GET", url: "https://192.0.2.1/me", headers: []),
                response: RecordedResponse(
                    status: 401, headers: [HeaderField("WWW-Authenticate", "Basic realm=\"api\"")])),
            credentialed: true)
        state.evidence.steps = [refused]
        #expect(TrailingSlashStep().shouldRun(state) && OtherOriginVariantsStep().shouldRun(state))
        #expect(!PasswordVariantsStep().shouldRun(state), "variants only on --try-variants")
        #expect(!PreflightStep().shouldRun(state), "a preflight only with --origin")
        #expect(!Latin1ProofStep().shouldRun(state), "an ASCII password proves no charset")
        #expect(RepeatsStep().shouldRun(state))
        state.addressesProbed = true
        #expect(!RepeatsStep().shouldRun(state), "the addresses were the repeats")
        state.evidence.steps[0].exchange.response?.status = 200
        #expect(!TrailingSlashStep().shouldRun(state) && !OtherOriginVariantsStep().shouldRun(state))
        #expect(!AnswerChallengeStep().shouldRun(state))

        var anonymous = PlanState(request: CheckRequest(url: "https://192.0.2.1/me"))
        _ = anonymous.prepare(now: 0)
        #expect(!AnonymousStep().shouldRun(anonymous), "nothing was sent, so nothing to take away")
    }

    @Test("the Latin-1 proof: one ISO-8859-1 request for a non-ASCII password the server did not announce UTF-8 for")
    func latin1Proof() async throws {
        let transport = ScriptedTransport { _ in .challenge() }
        var request = Self.request("https://192.0.2.1/me")
        request.password = "pässword"
        let (outcome, sent) = await Self.run(request, transport)
        let proof = try #require(outcome.evidence.steps.first { $0.plan == .passwordVariant(.latin1) })
        #expect(proof.exchange.purpose == "password variant, ISO-8859-1")
        let asGiven = sent.first { $0.authorization != nil }?.authorization
        let latin1 = sent.compactMap(\.authorization).filter { $0 != asGiven }
        let decoded = latin1.compactMap { Data(base64Encoded: String($0.dropFirst(6))) }
        #expect(decoded.contains(Data("alice:pässword".data(using: .isoLatin1)!)), "\(latin1.count)")
    }

    // MARK: requests sent ahead of their turn

    @Test("the request without credentials goes alongside the request as given; the evidence keeps the plan's order")
    func anonymousGoesAlongside() async throws {
        // The answer to the request as given waits until the one without credentials has arrived: a plan
        // that sent them one after the other would wait the whole 5 s and see it arrive only afterwards.
        let transport = GatedTransport(
            holds: { $0.headers.first("Authorization") != nil },
            until: { $0.headers.first("Authorization") == nil })
        let request = Self.request("https://192.0.2.1/me")
        let outcome = await Checkup.run(request, transport: transport)
        #expect(await transport.sawBothAtOnce, "the request as given was answered before the other one was sent")
        let kinds = outcome.evidence.steps.map(\.plan)
        #expect(Array(kinds.prefix(2)) == [.asGiven(scheme: nil), .anonymous], "\(kinds)")
        #expect(await transport.sent.count == outcome.evidence.steps.count, "every request is recorded once")
    }

    @Test("after a plain rejection the trailing-slash probe without credentials goes alongside the repeat")
    func trailingSlashGoesAlongside() async throws {
        // Held: the repeat (the second credentialed request to /me) until the probe of /me/ has arrived.
        let transport = GatedTransport(
            holds: { $0.url == "https://192.0.2.1/me" && $0.headers.first("Authorization") != nil },
            until: { $0.url == "https://192.0.2.1/me/" }, holdFrom: 2)
        let outcome = await Checkup.run(Self.request("https://192.0.2.1/me"), transport: transport)
        #expect(await transport.sawBothAtOnce, "the repeat was answered before the probe of /me/ was sent")
        let kinds = outcome.evidence.steps.map(\.plan)
        let expected: [CheckEvidence.PlanStep] = [
            .asGiven(scheme: nil), .anonymous, .repeated(index: 2, count: 3),
            .variant(.trailingSlashWithoutCredentials),
        ]
        #expect(kinds == expected, "the plan's order, and nothing twice: \(kinds)")
        #expect(await transport.sent.count == outcome.evidence.steps.count, "every request is recorded once")
    }

    @Test("an unsafe method waits for its answer: the method the plan learns with depends on it")
    func unsafeMethodDoesNotGoAhead() async throws {
        let transport = GatedTransport(
            holds: { $0.method == "POST" }, until: { $0.method != "POST" }, wait: .milliseconds(300))
        let outcome = await Checkup.run(Self.request("https://192.0.2.1/items", method: "POST"), transport: transport)
        #expect(await !transport.sawBothAtOnce, "a request went while the POST was unanswered")
        #expect(outcome.evidence.steps.first?.plan == .asGiven(scheme: nil))
    }

    // MARK: the pure parts

    @Test("CredentialPolicy: origins, https → http, redirects, methods, body, budget")
    func credentialPolicy() {
        var policy = CredentialPolicy(origin: "https://api.example.test", method: "PUT", replayUnsafe: false, budget: 2)
        #expect(policy.mayCarryCredentials(to: "https://api.example.test/other?x=1"))
        #expect(!policy.mayCarryCredentials(to: "http://api.example.test/"), "https → http")
        #expect(!policy.mayCarryCredentials(to: "https://www.api.example.test/"))
        #expect(!policy.mayCarryCredentials(to: "https://api.example.test:8443/"))
        #expect(!policy.mayCarryCredentials(to: "not a url"))
        let stripped = policy.headers(
            [HeaderField("Cookie", "a=b"), HeaderField("X-Trace", "1")], to: "https://evil.test/")
        #expect(stripped.map(\.name) == ["X-Trace"])

        let away = try! URLParts.parse("https://cdn.example.test/x").get()
        let home = try! URLParts.parse("https://api.example.test/y").get()
        #expect(policy.redirect(from: "https://api.example.test/", to: away, carrying: true).carry == false)
        #expect(
            policy.redirect(from: "https://cdn.example.test/x", to: home, carrying: false).carry == false,
            "dropped for good")
        #expect(policy.redirect(from: "https://api.example.test/", to: home, carrying: true).carry == true)

        #expect(policy.initialLearningMethod == "GET")
        #expect(policy.learningMethod(finalStatus: 401).method == "GET")
        #expect(!policy.sendsBody(method: "GET", to: "https://api.example.test/", kind: .repeated))
        #expect(policy.sendsBody(method: "PUT", to: "https://api.example.test/", kind: .asGiven))
        #expect(!policy.sendsBody(method: "PUT", to: "https://other.test/", kind: .asGiven))
        let replaying = CredentialPolicy(
            origin: "https://api.example.test", method: "PUT", replayUnsafe: true, budget: 2)
        #expect(replaying.learningMethod(finalStatus: 401).method == "PUT")
        #expect(replaying.learningMethod(finalStatus: 204).method == "GET", "never after a success")

        let first = policy.spend()
        let second = policy.spend()
        let third = policy.spend()
        #expect(first && second)
        #expect(!third, "the third exceeds a budget of 2")
        #expect(policy.spent == 2 && policy.remaining == 0)
    }

    @Test("PlanStep: the display text is unchanged, and (kind, label) names the typed step again")
    func planStepRoundTrip() {
        typealias Step = CheckEvidence.PlanStep
        var live: [Step] = [
            .asGiven(scheme: nil), .asGiven(scheme: "Digest"), .anonymous, .answer(scheme: "Basic"),
            .freshNonce(scheme: "Digest"),
            .repeated(index: 2, count: 3), .address("2001:db8::1"), .withoutCookies, .preflight, .redirect(hop: 2),
            .resourceMetadata(wellKnown: true), .resourceMetadata(wellKnown: false), .authorizationServerMetadata,
        ]
        live += Step.URLVariant.allCases.map { Step.variant($0) }
        live += Step.PasswordVariant.allCases.map { Step.passwordVariant($0) }
        live += Step.JWKSSource.allCases.map { Step.jwks($0) }
        for step in live { #expect(Step(kind: step.kind, label: step.label) == step, "\(step)") }
        #expect(Step.passwordVariant(.capsLockInverted).purpose == "password variant, caps-lock inverted")
        #expect(Step.variant(.https).purpose == "nearby URL, https instead of http")
        #expect(Step.redirect(hop: 2).purpose == "redirect hop 2")
        #expect(Step.asGiven(scheme: nil).purpose == "as given")
        #expect(
            Step(kind: .repeated, label: "entry 7, later in the file")
                == .recorded(.repeated, label: "entry 7, later in the file"))
        #expect(Step(kind: .asGiven, label: "entry 3").label == "entry 3")
    }
}

/// A thread-safe counter for tables that answer differently over time.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

typealias Reply = ScriptedTransport.Reply

/// Always answers 401 (Basic). Requests matching `holds` (from the `holdFrom`-th one on) are answered only
/// once a request matching `until` has arrived, or after `wait`: `sawBothAtOnce` says whether one did while
/// a held one was unanswered, i.e. whether the plan had both in flight at once.
actor GatedTransport: Transport {
    let holds: @Sendable (ProbeRequest) -> Bool
    let until: @Sendable (ProbeRequest) -> Bool
    let holdFrom: Int
    let wait: Duration
    private(set) var sent: [ProbeRequest] = []
    private(set) var sawBothAtOnce = false
    private var held = 0
    private var waiting = 0

    init(
        holds: @escaping @Sendable (ProbeRequest) -> Bool, until: @escaping @Sendable (ProbeRequest) -> Bool,
        holdFrom: Int = 1, wait: Duration = .seconds(5)
    ) {
        self.holds = holds
        self.until = until
        self.holdFrom = holdFrom
        self.wait = wait
    }

    func send(_ request: ProbeRequest, address: String?) async -> ProbeResult {
        sent.append(request)
        if until(request), waiting > 0 { sawBothAtOnce = true }
        if holds(request) {
            held += 1
            if held >= holdFrom {
                waiting += 1
                let clock = ContinuousClock()
                let deadline = clock.now + wait
                while !sawBothAtOnce && clock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
                waiting -= 1
            }
        }
        let headers = [HeaderField("WWW-Authenticate", "Basic realm=\"api\"")]
        let exchange = Exchange(
            request: RecordedRequest(method: request.method, url: request.url, headers: request.headers),
            response: RecordedResponse(status: 401, headers: headers, bodyPrefix: []),
            peer: "192.0.2.1:443", milliseconds: 1, purpose: request.purpose)
        return ProbeResult(exchange: exchange, failure: nil, rawResponseHeaders: headers, body: [])
    }

    nonisolated func resolve(host: String, timeout: Double) async -> Result<[String], ProbeFailure> {
        .success(["192.0.2.1"])
    }
}
