// OAuth discovery in the live check (RFC 9728 → RFC 8414 → jwks_uri) against the embedded lab:
// the good path and each broken variant, and that no discovery request carries credentials.
import Checkup
import Diagnosis
import Evidence
import Foundation
import Lab
import TestSupport
import Testing

@Suite("OAuth discovery against the lab")
struct OAuthDiscoveryTests {
    static let discoveryKinds: [CheckEvidence.StepKind] = [.resourceMetadata, .authorizationServerMetadata, .jwks]

    static func withLab(_ body: (LabServer) async throws -> Void) async throws { try await LabServer.with(body) }

    static func run(
        _ url: String, bearer: String? = nil, cookie: Bool = false, configure: (inout CheckRequest) -> Void = { _ in }
    ) async -> CheckRun {
        var request = CheckRequest(url: url)
        request.bearer = bearer
        if cookie { request.cookies = [("session", "discovery-cookie-Zq9")] }
        // Generous: these tests are about what discovery finds, and a loaded CI machine (seen: three builds
        // at once) can take most of 30 s for the plan's dozen loopback exchanges.
        request.maxTime = 90
        request.probe.readTimeout = 10
        request.probe.deadline = 10
        configure(&request)
        let outcome = await Checkup.run(request)
        return CheckRun(outcome: outcome, findings: ClientRules.run(outcome.evidence))
    }

    /// Discovery documents are public: never Authorization, Cookie or a credential header there.
    static func expectNoCredentials(_ run: CheckRun) {
        for step in run.evidence.steps where discoveryKinds.contains(step.kind) {
            #expect(!step.credentialed, "\(step.exchange.request.url)")
            for header in step.exchange.request.headers {
                let name = header.name.lowercased()
                #expect(name != "authorization" && name != "cookie", "\(name) sent to \(step.exchange.request.url)")
            }
        }
    }

    static func token(_ lab: LabServer, _ id: String) throws -> String {
        let scenario = try #require(lab.scenarios.first { $0.id == id })
        guard case .bearer(let token) = scenario.client.credentials else {
            throw DiscoveryTestError("\(id) sends no token")
        }
        return token
    }

    @Test("bearer-ok: valid metadata, issuer consistent with the token → no oauth finding")
    func goodPath() async throws {
        try await Self.withLab { lab in
            let run = await Self.run(lab.baseURL + "/bearer/", bearer: try Self.token(lab, "bearer-ok"), cookie: true)
            log("oauth good", run)
            #expect(!run.ids.contains("oauth.resource-metadata-broken"), "\(run.summary)")
            #expect(run.evidence.discoveryProblems.isEmpty, "\(run.evidence.discoveryProblems)")
            #expect(run.evidence.first(.resourceMetadata)?.status == 200)
            #expect(run.evidence.first(.authorizationServerMetadata)?.status == 200)
            #expect(
                run.evidence.first(.authorizationServerMetadata)?.exchange.request.url == lab.baseURL
                    + "/.well-known/oauth-authorization-server")
            // HS256: no JWKS can verify it, so jwks_uri is not fetched (and says why).
            #expect(run.evidence.first(.jwks) == nil)
            #expect(run.outcome.notes.contains { $0.contains("jwks_uri not fetched") })
            #expect(run.outcome.notes.contains { $0.hasPrefix("OAuth discovery: 2 requests") })
            #expect(run.cause == nil, "\(run.summary)")
            Self.expectNoCredentials(run)
        }
    }

    @Test(
        "Broken variants → oauth.resource-metadata-broken names the step and why",
        arguments: [
            ("resource-metadata-broken", "protected resource metadata: 404"),
            ("as-metadata-404", "authorization server metadata: 404"),
            ("as-metadata-html", "authorization server metadata: Content-Type text/html"),
            (
                "issuer-mismatch",
                "authorization server metadata: issuer mismatch: metadata says https://login.example.test"
            ),
        ])
    func brokenVariants(_ id: String, _ line: String) async throws {
        try await Self.withLab { lab in
            let scenario = try #require(lab.scenarios.first { $0.id == id })
            let run = await Self.run(scenario.url(on: lab))
            log("oauth \(id)", run)
            #expect(run.cause == "oauth.resource-metadata-broken", "\(run.summary)")
            let finding = try #require(run.finding("oauth.resource-metadata-broken"))
            #expect(finding.evidence.first?.hasPrefix(line) ?? false, "\(finding.evidence)")
            #expect(finding.detail.contains("fails at the"), "\(finding.detail)")
            Self.expectNoCredentials(run)
        }
    }

    @Test("A token from another issuer whose kid the JWKS lacks: issuer mismatch, jwks_uri: no key with kid")
    func tokenAgainstDiscoveredJWKS() async throws {
        func b64(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
                of: "/", with: "_"
            )
            .replacingOccurrences(of: "=", with: "")
        }
        let exp = Int(Date().timeIntervalSince1970) + 3600
        let token =
            b64(#"{"alg":"RS256","kid":"k9","typ":"JWT"}"#) + "."
            + b64(#"{"iss":"https://other.example","sub":"alice","exp":\#(exp)}"#) + ".c2ln"
        try await Self.withLab { lab in
            let run = await Self.run(lab.baseURL + "/bearer/", bearer: token, cookie: true)
            log("oauth jwks", run)
            let lines = run.evidence.discoveryProblems.map(\.line)
            #expect(
                lines.contains(
                    """
                    authorization server metadata: issuer mismatch: metadata says \(lab.baseURL), token says \
                    https://other.example
                    """
                ), "\(lines)")
            #expect(lines.contains("jwks_uri: no key with kid k9"), "\(lines)")
            #expect(run.evidence.first(.jwks)?.exchange.request.url == lab.baseURL + "/.well-known/jwks.json")
            #expect(run.ids.contains("oauth.resource-metadata-broken"))
            let signature = try #require(run.finding("token.signature-invalid"), "\(run.summary)")
            #expect(signature.evidence.contains { $0.contains("jwks_uri") && $0.contains("(discovered)") })
            Self.expectNoCredentials(run)
        }
    }

    @Test("--secret in the check: a wrong secret → token.signature-invalid, the right one → none")
    func secretVerification() async throws {
        try await Self.withLab { lab in
            let token = try Self.token(lab, "bearer-ok")
            let wrong = await Self.run(lab.baseURL + "/bearer/", bearer: token) {
                $0.tokenKey = .secret("not-the-lab-secret-Zq9")
                $0.tokenKeySource = "--secret"
            }
            let finding = try #require(wrong.finding("token.signature-invalid"), "\(wrong.summary)")
            #expect(finding.evidence.contains("key from --secret"))
            #expect(!finding.evidence.joined().contains("not-the-lab-secret-Zq9"))
            let right = await Self.run(lab.baseURL + "/bearer/", bearer: token) {
                $0.tokenKey = .secret(LabScenarios.jwtSecret)
                $0.tokenKeySource = "--secret"
            }
            #expect(!right.ids.contains("token.signature-invalid"), "\(right.summary)")
            #expect(
                right.evidence.tokenVerification
                    == .verified(algorithm: "HS256", key: "HMAC secret (\(LabScenarios.jwtSecret.utf8.count) bytes)"))
        }
    }

    @Test("--jwks URL in the check is a plan step without credentials")
    func jwksURLStep() async throws {
        try await Self.withLab { lab in
            let run = await Self.run(lab.baseURL + "/bearer/", bearer: try Self.token(lab, "bearer-ok"), cookie: true) {
                $0.jwksURL = lab.baseURL + "/.well-known/jwks.json"
            }
            let step = try #require(run.evidence.first(.jwks), "\(run.summary)")
            #expect(step.label == "--jwks")
            // An HS256 token cannot be verified with a JWKS: that is said as a signature finding.
            #expect(run.ids.contains("token.signature-invalid"))
            #expect(run.evidence.tokenKeySource == "--jwks " + lab.baseURL + "/.well-known/jwks.json")
            Self.expectNoCredentials(run)
        }
    }

    @Test("Metadata that never answers ends within the request timeout")
    func metadataTimeout() async throws {
        let listener = try SilentListener()
        defer { listener.close() }  // also keeps it alive until the test ends
        let port = listener.port
        try await Self.withLab { lab in
            let run = await Self.run(lab.baseURL + "/bearer/", bearer: try Self.token(lab, "bearer-ok")) {
                $0.jwksURL = "http://127.0.0.1:\(port)/jwks.json"
                $0.probe.readTimeout = 1
                $0.probe.deadline = 1
            }
            // Ended by the probe's own timeout (not by the peer, which never answers): no wall-clock
            // bound here, a loaded CI machine stretches every duration.
            let step = try #require(run.evidence.first(.jwks))
            #expect(step.status == nil)
            let failure = step.exchange.failure ?? ""
            #expect(failure.contains("read timeout") || failure.contains("deadline"), "\(failure)")
            #expect(
                run.outcome.notes.contains { $0.contains("--jwks") && $0.contains("not checked") },
                "\(run.outcome.notes)")
        }
    }
}

struct DiscoveryTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
