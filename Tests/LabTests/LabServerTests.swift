// The lab over real sockets on 127.0.0.1: every scenario gets the request its client sends, and
// the answer is checked the way the diagnosis will read it.
import Foundation
import HTTPAuth
import HTTPDigest
import TestSupport
import Testing

@testable import Lab

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starts a lab on ephemeral ports, runs `body`, always stops it.
func withLab<T>(clock: (@Sendable () -> Date)? = nil, _ body: (LabServer) async throws -> T) async throws -> T {
    let lab: LabServer
    if let clock { lab = try await LabServer.start(clock: clock) } else { lab = try await LabServer.start() }
    do {
        let result = try await body(lab)
        try await lab.stop()
        return result
    } catch {
        try? await lab.stop()
        throw error
    }
}

func challenges(_ response: HTTPResponse, _ header: String = "WWW-Authenticate") -> [Challenge] {
    ChallengeParser.parse(fields: response.headers(named: header)).challenges
}

extension LabServer {
    func scenario(_ id: String) throws -> LabScenario {
        try #require(scenarios.first { $0.id == id }, "no scenario \(id)")
    }

    /// The scenario's first request, exactly as its client sends it.
    func send(_ scenario: LabScenario, extra: [(String, String)] = []) throws -> HTTPResponse {
        try HTTPProbe.request(
            scenario.client.method, scenario.url(on: self),
            headers: scenario.client.initialHeaders.map { ($0.name, $0.value) } + extra)
    }
}

/// A conforming client: sends the scenario's request, answers Digest challenges (and one
/// `stale=true`), follows one redirect and drops Authorization when the origin changes.
/// Returns every response in order.
func conformingExchange(_ scenario: LabScenario, lab: LabServer) throws -> [HTTPResponse] {
    var responses = [try lab.send(scenario)]
    if case .digest(let user, let password) = scenario.client.credentials {
        let offered = challenges(responses[0])
        let chosen = try #require(DigestAuth.preferredChallenge(offered))
        var session = try DigestSession(username: user, password: password, challenge: chosen)
        for _ in 0..<2 {
            let authorization = try session.authorize(method: scenario.client.method, uri: scenario.path)
            let response = try HTTPProbe.request(
                scenario.client.method, scenario.url(on: lab),
                headers: [("Authorization", authorization.headerValue)])
            responses.append(response)
            guard response.status == 401, let stale = challenges(response).first(where: DigestAuth.isStaleRetry) else {
                break
            }
            try session.update(challenge: stale)
        }
    }
    if let last = responses.last, (300..<400).contains(last.status), let location = last.header("Location") {
        let sameOrigin = location.hasPrefix(lab.baseURL + "/")
        let headers = scenario.client.initialHeaders.filter { sameOrigin || $0.name != "Authorization" }
        responses.append(
            try HTTPProbe.request(scenario.client.method, location, headers: headers.map { ($0.name, $0.value) }))
    }
    return responses
}

@Suite("Lab server (real sockets)")
struct LabServerTests {
    /// Status sequence a conforming client sees for each scenario. Every scenario must be listed:
    /// a new scenario without an entry fails `everyScenarioAnswersAsDesigned`.
    static let expectedStatuses: [String: [Int]] = [
        "healthy": [200], "basic-wrong-password": [401], "no-credentials": [401],
        "digest-md5": [401, 200], "digest-sha256": [401, 200], "digest-stale": [401, 401, 200],
        "bearer-ok": [200], "bearer-jwks-ok": [200], "bearer-jwks-bad-signature": [401], "bearer-invalid-token": [401],
        "bearer-insufficient-scope": [403],
        "bearer-invalid-request": [401], "bearer-expired-jwt": [401], "bearer-not-received": [401],
        "missing-challenge": [401], "scheme-mismatch": [401], "cross-origin-redirect": [302, 401],
        "flapping": [401], "cached-401": [401], "stale-cookie": [401], "cors-preflight": [200],
        "clock-skew": [401], "resource-metadata-broken": [401], "proxy-407": [407],
        "as-metadata-404": [401], "as-metadata-html": [401], "issuer-mismatch": [401],
    ]

    @Test(arguments: LabScenarios.all.map(\.id))
    func everyScenarioAnswersAsDesigned(id: String) async throws {
        try await withLab { lab in
            let scenario = try lab.scenario(id)
            let expected = try #require(Self.expectedStatuses[id], "add \(id) to expectedStatuses")
            let responses = try conformingExchange(scenario, lab: lab)
            #expect(responses.map(\.status) == expected, "\(id): \(responses.map(\.rawHead))")
            let last = try #require(responses.last)
            // Every answer carries a Date and says who answered; 401s carry a challenge unless the
            // scenario is about its absence.
            #expect(last.header("Date") != nil)
            #expect(last.header("Server") == "why401-lab")
            if last.status == 401 && id != "missing-challenge" {
                #expect(!challenges(last).isEmpty, "\(id): 401 without a challenge")
                #expect(ChallengeParser.parse(fields: last.headers(named: "WWW-Authenticate")).isStrictlyValid, "\(id)")
            }
            if scenario.expectedCause == nil { #expect(last.status == 200, "\(id) is a healthy control") }
        }
    }

    // MARK: - Basic

    @Test func basicAreas() async throws {
        try await withLab { lab in
            let healthy = try lab.send(lab.scenario("healthy"))
            #expect(healthy.status == 200)
            #expect(healthy.bodyText.contains("alice"))

            let wrong = try lab.send(lab.scenario("basic-wrong-password"))
            let none = try lab.send(lab.scenario("no-credentials"))
            #expect(wrong.status == 401 && none.status == 401)
            // A wrong password gets exactly the challenge an anonymous request gets.
            #expect(wrong.header("WWW-Authenticate") == #"Basic realm="lab", charset="UTF-8""#)
            #expect(none.header("WWW-Authenticate") == wrong.header("WWW-Authenticate"))
            #expect(challenges(wrong).first?.realm == "lab")
            // The right password works on the wrong-password path too: the area is real.
            let right = try HTTPProbe.get(
                lab.baseURL + "/basic/", headers: [HTTPProbe.basic(user: "alice", password: "correct horse")])
            #expect(right.status == 200)
            let garbage = try HTTPProbe.get(lab.baseURL + "/basic/", headers: [("Authorization", "Basic !!!")])
            #expect(garbage.status == 401)
        }
    }

    // MARK: - Digest

    @Test(arguments: [("digest-md5", DigestAlgorithm.md5), ("digest-sha256", DigestAlgorithm.sha256)])
    func digestAnswersAreVerified(id: String, algorithm: DigestAlgorithm) async throws {
        try await withLab { lab in
            let scenario = try lab.scenario(id)
            let first = try lab.send(scenario)
            #expect(first.status == 401)
            let challenge = try #require(challenges(first).first)
            let digest = try DigestChallenge(challenge)
            #expect(digest.algorithm == algorithm)
            #expect(digest.qopOptions == ["auth"])
            #expect(!digest.isStale)

            var session = DigestSession(username: "alice", password: "correct horse", challenge: digest)
            let answer = try session.authorize(method: "GET", uri: scenario.path)
            let ok = try HTTPProbe.get(scenario.url(on: lab), headers: [("Authorization", answer.headerValue)])
            #expect(ok.status == 200)
            // rspauth proves the server knows the password too (RFC 7616 §3.5).
            let info = AuthenticationInfoParser.parse(try #require(ok.header("Authentication-Info"))).parameters
            let rspHA2 = DigestAuth.ha2(algorithm: algorithm, method: "", uri: scenario.path, qop: .auth)
            let expected = DigestAuth.response(
                algorithm: algorithm, ha1: answer.ha1, nonce: digest.nonce, nc: answer.nc,
                cnonce: answer.cnonce, qop: .auth, ha2: rspHA2)
            #expect(info.first { $0.matches("rspauth") }?.value == expected)

            // The same nc again is a replay: refused, not stale.
            let replay = try HTTPProbe.get(scenario.url(on: lab), headers: [("Authorization", answer.headerValue)])
            #expect(replay.status == 401)
            #expect(challenges(replay).first.map(DigestAuth.isStaleRetry) == false)
            // The next nc works.
            let next = try session.authorize(method: "GET", uri: scenario.path)
            #expect(
                try HTTPProbe.get(scenario.url(on: lab), headers: [("Authorization", next.headerValue)]).status == 200)

            // A wrong password: 401 with a fresh challenge, not stale.
            var wrongSession = DigestSession(username: "alice", password: "battery staple", challenge: digest)
            let wrong = try HTTPProbe.get(
                scenario.url(on: lab),
                headers: [("Authorization", try wrongSession.authorize(method: "GET", uri: scenario.path).headerValue)])
            #expect(wrong.status == 401)
            #expect(challenges(wrong).first.map(DigestAuth.isStaleRetry) == false)
            // A uri that is not the request-target: 400, as Apache answers.
            var other = DigestSession(username: "alice", password: "correct horse", challenge: digest)
            let mismatch = try HTTPProbe.get(
                scenario.url(on: lab),
                headers: [("Authorization", try other.authorize(method: "GET", uri: "/elsewhere/").headerValue)])
            #expect(mismatch.status == 400)
        }
    }

    @Test func digestStaleNonceThenFreshNonceWorks() async throws {
        try await withLab { lab in
            let scenario = try lab.scenario("digest-stale")
            let first = try lab.send(scenario)
            var session = try DigestSession(
                username: "alice", password: "correct horse", challenge: try #require(challenges(first).first))
            let firstNonce = session.challenge.nonce

            let staleAnswer = try HTTPProbe.get(
                scenario.url(on: lab),
                headers: [("Authorization", try session.authorize(method: "GET", uri: scenario.path).headerValue)])
            #expect(staleAnswer.status == 401)
            let stale = try #require(challenges(staleAnswer).first)
            #expect(DigestAuth.isStaleRetry(stale))
            #expect(stale[parameter: "nonce"] != firstNonce)

            try session.update(challenge: stale)
            #expect(session.nonceCount == 0)
            let fresh = try HTTPProbe.get(
                scenario.url(on: lab),
                headers: [("Authorization", try session.authorize(method: "GET", uri: scenario.path).headerValue)])
            #expect(fresh.status == 200)

            // A wrong password with a first nonce is a plain refusal: stale only for right answers.
            let again = try lab.send(scenario)
            var wrong = try DigestSession(
                username: "alice", password: "battery staple", challenge: try #require(challenges(again).first))
            let refused = try HTTPProbe.get(
                scenario.url(on: lab),
                headers: [("Authorization", try wrong.authorize(method: "GET", uri: scenario.path).headerValue)])
            #expect(refused.status == 401)
            #expect(challenges(refused).first.map(DigestAuth.isStaleRetry) == false)
        }
    }

    @Test func digestNoncesExpireWithTheLabClock() async throws {
        let clock = ManualClock(start: 1_800_000_000)
        try await withLab(clock: clock.now) { lab in
            let scenario = try lab.scenario("digest-sha256")
            let first = try lab.send(scenario)
            var session = try DigestSession(
                username: "alice", password: "correct horse", challenge: try #require(challenges(first).first))
            clock.advance(by: 301)
            let late = try HTTPProbe.get(
                scenario.url(on: lab),
                headers: [("Authorization", try session.authorize(method: "GET", uri: scenario.path).headerValue)])
            #expect(late.status == 401)
            #expect(challenges(late).first.map(DigestAuth.isStaleRetry) == true)
        }
    }

    @Test func schemeMismatchOffersOnlyDigest() async throws {
        try await withLab { lab in
            let scenario = try lab.scenario("scheme-mismatch")
            let response = try lab.send(scenario)
            #expect(response.status == 401)
            let offered = challenges(response)
            #expect(offered.map(\.normalizedScheme) == ["digest"])
            #expect(scenario.client.preemptiveAuthorization?.hasPrefix("Basic ") == true)
            // Switching to Digest with the same password fixes it.
            var session = try DigestSession(
                username: "alice", password: "correct horse", challenge: try #require(offered.first))
            let ok = try HTTPProbe.get(
                scenario.url(on: lab),
                headers: [("Authorization", try session.authorize(method: "GET", uri: scenario.path).headerValue)])
            #expect(ok.status == 200)
        }
    }

    // MARK: - Bearer

    @Test func bearerChallenges() async throws {
        try await withLab { lab in
            let invalid = try lab.send(lab.scenario("bearer-invalid-token"))
            #expect(invalid.status == 401)
            #expect(
                invalid.header("WWW-Authenticate")
                    == #"Bearer realm="lab", error="invalid_token", error_description="The access token expired""#)

            let scope = try lab.send(lab.scenario("bearer-insufficient-scope"))
            #expect(scope.status == 403)
            let scopeChallenge = try #require(challenges(scope).first.flatMap(BearerChallenge.init))
            #expect(scopeChallenge.error == .insufficientScope)
            #expect(scopeChallenge.scope == ["admin"])
            let adminToken = LabJWT.mint(
                subject: "alice", scope: "read admin", issuedAt: Int(Date().timeIntervalSince1970) - 10,
                notBefore: Int(Date().timeIntervalSince1970) - 10, expires: Int(Date().timeIntervalSince1970) + 600)
            #expect(
                try HTTPProbe.get(lab.baseURL + "/bearer/admin/", headers: [("Authorization", "Bearer " + adminToken)])
                    .status == 200)

            let malformed = try lab.send(lab.scenario("bearer-invalid-request"))
            #expect(malformed.status == 401)
            let malformedChallenge = try #require(challenges(malformed).first.flatMap(BearerChallenge.init))
            #expect(malformedChallenge.error == .invalidRequest)
            #expect(malformed.header("Authorization") == nil)
            #expect(
                try lab.scenario("bearer-invalid-request").client.preemptiveAuthorization?.hasPrefix("Bearer Bearer ey")
                    == true)

            let expired = try lab.send(lab.scenario("bearer-expired-jwt"))
            #expect(expired.status == 401)
            #expect(expired.header("WWW-Authenticate") == #"Bearer realm="lab", error="invalid_token""#)

            // The token never arrives: the anonymous challenge, with or without a token.
            let notReceived = try lab.send(lab.scenario("bearer-not-received"))
            #expect(notReceived.status == 401)
            #expect(notReceived.header("WWW-Authenticate") == #"Bearer realm="lab""#)
            #expect(
                try HTTPProbe.get(lab.baseURL + "/bearer/not-received/").header("WWW-Authenticate")
                    == #"Bearer realm="lab""#)
            // The same token is good elsewhere.
            #expect(
                try HTTPProbe.get(
                    lab.baseURL + "/bearer/",
                    headers: lab.scenario("bearer-not-received").client.initialHeaders
                        .map { ($0.name, $0.value) }
                ).status == 200)
        }
    }

    @Test func resourceMetadataGoodAndBroken() async throws {
        try await withLab { lab in
            let anonymous = try HTTPProbe.get(lab.baseURL + "/bearer/")
            #expect(anonymous.status == 401)
            let good = try #require(challenges(anonymous).first.flatMap(BearerChallenge.init)?.resourceMetadata)
            #expect(good == lab.baseURL + "/.well-known/oauth-protected-resource")
            let metadata = try HTTPProbe.get(good)
            #expect(metadata.status == 200)
            #expect(metadata.header("Content-Type") == "application/json")
            let json = try JSONSerialization.jsonObject(with: metadata.body) as? [String: Any]
            #expect(json?["resource"] as? String == lab.baseURL)
            #expect(json?["bearer_methods_supported"] as? [String] == ["header"])

            let brokenScenario = try lab.scenario("resource-metadata-broken")
            let broken = try lab.send(brokenScenario)
            #expect(broken.status == 401)
            let brokenURL = try #require(challenges(broken).first.flatMap(BearerChallenge.init)?.resourceMetadata)
            #expect(brokenURL == "http://127.0.0.1:\(lab.port)/.well-known/oauth-protected-resource/broken")
            #expect(try HTTPProbe.get(brokenURL).status == 404)
        }
    }

    @Test func authorizationServerMetadataGoodAndBroken() async throws {
        try await withLab { lab in
            // The lab's own resource metadata names the lab as authorization server (RFC 9728 → RFC 8414).
            let resource =
                try JSONSerialization.jsonObject(
                    with: HTTPProbe.get(lab.baseURL + "/.well-known/oauth-protected-resource").body) as? [String: Any]
            #expect(resource?["authorization_servers"] as? [String] == [lab.baseURL])
            let server = try HTTPProbe.get(lab.baseURL + "/.well-known/oauth-authorization-server")
            #expect(server.status == 200 && server.header("Content-Type") == "application/json")
            let metadata = try JSONSerialization.jsonObject(with: server.body) as? [String: Any]
            #expect(metadata?["issuer"] as? String == lab.baseURL)
            #expect(metadata?["jwks_uri"] as? String == lab.baseURL + "/.well-known/jwks.json")
            let jwks = try HTTPProbe.get(lab.baseURL + "/.well-known/jwks.json")
            #expect(jwks.status == 200)
            let set = try JSONSerialization.jsonObject(with: jwks.body) as? [String: Any]
            let keys = set?["keys"] as? [[String: Any]] ?? []
            #expect(keys.count == 1)
            #expect(
                keys.first?["kid"] as? String == "lab-es256" && keys.first?["kty"] as? String == "EC"
                    && keys.first?["crv"] as? String == "P-256")
            #expect(keys.first?["d"] == nil, "the private part must never be published")
            // Tokens a running lab mints carry its issuer.
            let good = try lab.scenario("bearer-ok")
            guard case .bearer(let token) = good.client.credentials else {
                Issue.record("bearer-ok sends no token")
                return
            }
            let payload = String(token.split(separator: ".")[1])
            let padded =
                payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                + String(repeating: "=", count: (4 - payload.count % 4) % 4)
            let claims =
                try JSONSerialization.jsonObject(with: try #require(Data(base64Encoded: padded))) as? [String: Any]
            #expect(claims?["iss"] as? String == lab.baseURL)

            for (id, server, status, type) in [
                ("as-metadata-404", "/as/missing", 404, "text/plain; charset=utf-8"),
                ("as-metadata-html", "/as/html", 200, "text/html; charset=utf-8"),
                ("issuer-mismatch", "/as/mismatch", 200, "application/json"),
            ] {
                let scenario = try lab.scenario(id)
                let answer = try lab.send(scenario)
                let metadataURL = try #require(challenges(answer).first.flatMap(BearerChallenge.init)?.resourceMetadata)
                #expect(metadataURL == lab.baseURL + "/.well-known/oauth-protected-resource" + scenario.path)
                let document = try JSONSerialization.jsonObject(with: HTTPProbe.get(metadataURL).body) as? [String: Any]
                #expect(document?["resource"] as? String == lab.baseURL + scenario.path)
                #expect(document?["authorization_servers"] as? [String] == [lab.baseURL + server])
                let metadata = try HTTPProbe.get(lab.baseURL + "/.well-known/oauth-authorization-server" + server)
                #expect(metadata.status == status, "\(id)")
                #expect(metadata.header("Content-Type") == type, "\(id)")
            }
        }
    }

    @Test func clockSkewShowsInDateOnly() async throws {
        let clock = ManualClock(start: 1_800_000_000)
        try await withLab(clock: clock.now) { lab in
            let skewed = try lab.send(lab.scenario("clock-skew"))
            #expect(skewed.status == 401)
            #expect(skewed.header("Date") == "Fri, 15 Jan 2027 10:00:00 GMT")  // 2 h ahead
            let challenge = try #require(challenges(skewed).first.flatMap(BearerChallenge.init))
            #expect(challenge.error == .invalidToken)
            // Every other path tells the true time.
            #expect(try lab.send(lab.scenario("healthy")).header("Date") == "Fri, 15 Jan 2027 08:00:00 GMT")
            // The same token is accepted where the clock is right.
            let token = try lab.scenario("clock-skew").client.initialHeaders.map { ($0.name, $0.value) }
            #expect(try HTTPProbe.get(lab.baseURL + "/bearer/", headers: token).status == 200)
        }
    }

    // MARK: - the rest

    @Test func missingChallenge() async throws {
        try await withLab { lab in
            let response = try lab.send(lab.scenario("missing-challenge"))
            #expect(response.status == 401)
            #expect(response.headers(named: "WWW-Authenticate").isEmpty)
            #expect(response.header("Content-Type") == "application/json")
            let withKey = try HTTPProbe.get(
                lab.baseURL + "/no-challenge/", headers: [("X-API-Key", LabScenarios.apiKey)])
            #expect(withKey.status == 200)
        }
    }

    @Test func crossOriginRedirect() async throws {
        try await withLab { lab in
            #expect(lab.secondPort != lab.port)
            let redirect = try lab.send(lab.scenario("cross-origin-redirect"))
            #expect(redirect.status == 302)
            let location = try #require(redirect.header("Location"))
            #expect(location == "http://127.0.0.1:\(lab.secondPort)/redirect-target/")
            // Without Authorization (what a conforming client sends there): Basic challenge.
            let dropped = try HTTPProbe.get(location)
            #expect(dropped.status == 401)
            #expect(challenges(dropped).first?.isScheme("Basic") == true)
            // With it (curl --location-trusted): 200.
            let resent = try HTTPProbe.get(
                location, headers: [HTTPProbe.basic(user: "alice", password: "correct horse")])
            #expect(resent.status == 200)
            // The second origin serves nothing else.
            #expect(try HTTPProbe.get(lab.secondBaseURL + "/healthy/").status == 404)
        }
    }

    @Test func flappingAlternates() async throws {
        try await withLab { lab in
            let scenario = try lab.scenario("flapping")
            var statuses: [Int] = []
            var backends: [String] = []
            for _ in 0..<4 {
                let response = try lab.send(scenario)
                statuses.append(response.status)
                backends.append(response.header("X-Backend") ?? "?")
            }
            #expect(statuses == [401, 200, 401, 200])
            #expect(backends == ["b", "a", "b", "a"])
            // Requests without (right) credentials never count and never pass.
            #expect(try HTTPProbe.get(scenario.url(on: lab)).status == 401)
            #expect(try lab.send(scenario).status == 401)
        }
    }

    @Test func flappingRestartsWithA401AfterAPause() async throws {
        let clock = ManualClock(start: 1_800_000_000)
        try await withLab(clock: clock.now) { lab in
            let scenario = try lab.scenario("flapping")
            #expect(try lab.send(scenario).status == 401)
            clock.advance(by: 30)
            // Had the series continued this would be a 200; after the pause it starts over.
            #expect(try lab.send(scenario).status == 401)
            #expect(try lab.send(scenario).status == 200)
        }
    }

    @Test func cached401() async throws {
        try await withLab { lab in
            let response = try lab.send(lab.scenario("cached-401"))
            #expect(response.status == 401)
            #expect(response.header("Cache-Control") == "public, max-age=3600")
            #expect(response.header("Age") == "120")
            #expect(response.header("X-Cache") == "HIT")
            #expect(challenges(response).first?.isScheme("Basic") == true)
        }
    }

    @Test func staleCookie() async throws {
        try await withLab { lab in
            let scenario = try lab.scenario("stale-cookie")
            let withCookie = try lab.send(scenario)
            #expect(withCookie.status == 401)
            #expect(challenges(withCookie).first?.isScheme("Basic") == true)
            // The same request without the cookie: 200 and a fresh session.
            let withoutCookie = try HTTPProbe.get(
                scenario.url(on: lab), headers: [HTTPProbe.basic(user: "alice", password: "correct horse")])
            #expect(withoutCookie.status == 200)
            let setCookie = try #require(withoutCookie.header("Set-Cookie"))
            #expect(setCookie.hasPrefix("session=\(LabScenarios.validSession);"))
            #expect(
                try HTTPProbe.get(scenario.url(on: lab), headers: [("Cookie", "session=\(LabScenarios.validSession)")])
                    .status == 200)
            // Neither cookie nor password: the normal login challenge.
            #expect(try HTTPProbe.get(scenario.url(on: lab)).status == 401)
        }
    }

    @Test func corsPreflightIsBehindAuth() async throws {
        try await withLab { lab in
            let scenario = try lab.scenario("cors-preflight")
            let preflight = try HTTPProbe.request(
                "OPTIONS", scenario.url(on: lab),
                headers: [
                    ("Origin", LabScenarios.corsOrigin), ("Access-Control-Request-Method", "GET"),
                    ("Access-Control-Request-Headers", "authorization"),
                ])
            #expect(preflight.status == 401)
            #expect(preflight.header("Access-Control-Allow-Origin") == nil)
            let get = try lab.send(scenario)
            #expect(get.status == 200)
            #expect(get.header("Access-Control-Allow-Origin") == LabScenarios.corsOrigin)
            #expect(get.header("Access-Control-Allow-Credentials") == "true")
        }
    }

    @Test func proxy407() async throws {
        try await withLab { lab in
            let scenario = try lab.scenario("proxy-407")
            let response = try lab.send(scenario)
            #expect(response.status == 407)
            #expect(response.header("Proxy-Authenticate") == #"Basic realm="lab proxy", charset="UTF-8""#)
            #expect(response.headers(named: "WWW-Authenticate").isEmpty)
            let (_, basic) = HTTPProbe.basic(user: "alice", password: "correct horse")
            #expect(try HTTPProbe.get(scenario.url(on: lab), headers: [("Proxy-Authorization", basic)]).status == 200)
        }
    }

    // MARK: - index, routing, bounds, lifecycle

    @Test func indexPageListsEveryScenario() async throws {
        try await withLab { lab in
            let index = try HTTPProbe.get(lab.baseURL + "/")
            #expect(index.status == 200)
            #expect(index.header("Content-Type") == "text/html; charset=utf-8")
            let html = index.bodyText
            for scenario in lab.scenarios {
                #expect(html.contains("id=\"\(scenario.id)\""), "\(scenario.id)")
                #expect(html.contains("href=\"\(scenario.path)\""), "\(scenario.id)")
                #expect(html.contains("curl -i"), "\(scenario.id)")
            }
            #expect(html.contains(lab.baseURL + "/healthy/"))
            #expect(!html.contains("<script"))
            let head = try HTTPProbe.request("HEAD", lab.baseURL + "/")
            #expect(head.status == 200 && head.body.isEmpty)
        }
    }

    @Test func routing() async throws {
        try await withLab { lab in
            #expect(try HTTPProbe.get(lab.baseURL + "/nowhere/").status == 404)
            #expect(try HTTPProbe.get(lab.baseURL + "/favicon.ico").status == 404)
            let noSlash = try HTTPProbe.get(lab.baseURL + "/healthy")
            #expect(noSlash.status == 301)
            #expect(noSlash.header("Location") == "/healthy/")
            // Below a scenario path: the same area.
            #expect(
                try HTTPProbe.get(
                    lab.baseURL + "/healthy/deeper?x=1",
                    headers: [HTTPProbe.basic(user: "alice", password: "correct horse")]
                ).status == 200)
        }
    }

    @Test func boundsOnHeadersAndBodies() async throws {
        try await withLab { lab in
            let huge = try HTTPProbe.get(
                lab.baseURL + "/healthy/", headers: [("X-Filler", String(repeating: "a", count: 70_000))])
            #expect(huge.status == 431)
            let declaredTooLarge = try HTTPProbe.request(
                "POST", lab.baseURL + "/healthy/",
                headers: [("Content-Length", "2000000")], body: Data("x".utf8))
            #expect(declaredTooLarge.status == 413)
            // Chunked, so the size is only known while it streams in.
            let body = Data(chunked: [UInt8](repeating: 0x61, count: (1 << 20) + 10))
            let streamed = try RawHTTP.exchange(
                port: lab.port,
                Data("POST /healthy/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8) + body)
            #expect(streamed.hasPrefix("HTTP/1.1 413 "))
            // Malformed framing (Transfer-Encoding and Content-Length): 400 and the connection ends.
            let both = try HTTPProbe.request(
                "POST", lab.baseURL + "/healthy/", headers: [("Transfer-Encoding", "chunked")],
                body: Data(chunked: Array("abc".utf8)), timeout: 5)
            #expect(both.status == 400)
            let garbage = try RawHTTP.exchange(port: lab.port, Data("NOT HTTP AT ALL\r\n\r\n".utf8))
            #expect(garbage.hasPrefix("HTTP/1.1 400 "))
            let fine = try HTTPProbe.request(
                "POST", lab.baseURL + "/healthy/",
                headers: [HTTPProbe.basic(user: "alice", password: "correct horse")],
                body: Data(repeating: 0x61, count: 512 * 1024))
            #expect(fine.status == 200)
            let justUnder = try HTTPProbe.get(
                lab.baseURL + "/healthy/",
                headers: [
                    ("X-Filler", String(repeating: "a", count: 60_000)),
                    HTTPProbe.basic(user: "alice", password: "correct horse"),
                ])
            #expect(justUnder.status == 200)
            // The lab still answers afterwards.
            #expect(try HTTPProbe.get(lab.baseURL + "/no-credentials/").status == 401)
        }
    }

    @Test func handlesConcurrentClients() async throws {
        try await withLab { lab in
            let url = lab.baseURL + "/healthy/"
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try HTTPProbe.get(url, headers: [HTTPProbe.basic(user: "alice", password: "correct horse")])
                            .status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == [Int](repeating: 200, count: 40))
        }
    }

    @Test func listensOnlyOnTheGivenHostAndStops() async throws {
        let lab = try await LabServer.start()
        #expect(lab.host == "127.0.0.1")
        #expect(lab.baseURL == "http://127.0.0.1:\(lab.port)")
        #expect(Loopback.isListening(port: UInt16(lab.port)))
        #expect(Loopback.isListening(port: UInt16(lab.secondPort)))
        // Not on the IPv6 loopback (nor anything else).
        #expect(throws: (any Error).self) { try HTTPProbe.get("http://[::1]:\(lab.port)/", timeout: 2) }
        try await lab.stop()
        #expect(!Loopback.isListening(port: UInt16(lab.port)))
        #expect(!Loopback.isListening(port: UInt16(lab.secondPort)))
        try await lab.stop()  // idempotent
    }

    @Test func fixedPortsAreHonoured() async throws {
        let first = try FreePort.find()
        let second = try FreePort.find()
        let lab = try await LabServer.start(port: Int(first), secondPort: Int(second))
        #expect(lab.port == Int(first) && lab.secondPort == Int(second))
        let redirect = try HTTPProbe.get(lab.baseURL + "/redirect/")
        #expect(redirect.header("Location") == "http://127.0.0.1:\(second)/redirect-target/")
        try await lab.stop()
        // A port in use is an error, not a silent other port.
        let holder = try await LabServer.start()
        await #expect(throws: (any Error).self) { _ = try await LabServer.start(port: holder.port) }
        try await holder.stop()
    }
}

/// A settable clock for Date headers and nonce lifetimes.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: TimeInterval

    init(start: TimeInterval) { seconds = start }

    func advance(by delta: TimeInterval) { lock.withLock { seconds += delta } }

    var now: @Sendable () -> Date {
        { [self] in Date(timeIntervalSince1970: lock.withLock { seconds }) }
    }
}

extension Data {
    /// `bytes` as one chunk of a chunked body plus the last chunk.
    init(chunked bytes: [UInt8]) {
        self.init()
        append(contentsOf: Array(String(bytes.count, radix: 16).utf8) + [0x0D, 0x0A])
        append(contentsOf: bytes)
        append(contentsOf: Array("\r\n0\r\n\r\n".utf8))
    }
}

/// A raw exchange over one TCP connection: send bytes as they are, read until EOF.
enum RawHTTP {
    static func exchange(port: Int, _ bytes: Data, timeout: Int = 10) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPProbeError.connect("socket") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { throw HTTPProbeError.connect("127.0.0.1:\(port)") }
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HTTPProbeError.io("send errno \(errno)")
                }
                offset += n
            }
        }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                out += buffer[0..<n]
                continue
            }
            if n == 0 || (errno == ECONNRESET && !out.isEmpty) { break }
            if errno == EINTR { continue }
            throw HTTPProbeError.timeout("raw exchange, \(out.count) bytes read, errno \(errno)")
        }
        return String(decoding: out, as: UTF8.self)
    }
}
