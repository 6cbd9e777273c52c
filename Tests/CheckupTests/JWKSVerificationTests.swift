import Checkup
import Diagnosis
import Evidence
import Lab
// The lab publishes an ES256 key: discovery finds it and the check verifies the token with it.
import TestSupport
import Testing

@Suite("JWKS verification through discovery")
struct JWKSVerificationTests {
    static func check(_ lab: LabServer, _ id: String) async throws -> (CheckOutcome, [Finding]) {
        let scenario = try #require(lab.scenarios.first { $0.id == id })
        guard case .bearer(let token) = scenario.client.credentials else { throw DiscoveryTestError.noToken }
        var request = CheckRequest(url: scenario.url(on: lab))
        request.bearer = token
        request.maxTime = 30
        let outcome = await Checkup.run(request)
        return (outcome, ClientRules.run(outcome.evidence))
    }

    enum DiscoveryTestError: Error { case noToken }

    @Test("A token signed with the published key verifies via jwks_uri: no finding")
    func goodToken() async throws {
        try await LabServer.with { lab in
            let (outcome, findings) = try await Self.check(lab, "bearer-jwks-ok")
            #expect(outcome.evidence.finalStatus == 200)
            #expect(!outcome.evidence.steps(.jwks).isEmpty, "the JWKS was not fetched")
            #expect(outcome.evidence.steps(.jwks).allSatisfy { !$0.credentialed })
            guard case .verified = outcome.evidence.tokenVerification else {
                Issue.record("token not verified: \(String(describing: outcome.evidence.tokenVerification))")
                return
            }
            #expect(!findings.contains { $0.severity == .error }, "\(findings.map(\.id))")
        }
    }

    @Test("The lab's kid with another key's signature → token.signature-invalid first")
    func forgedToken() async throws {
        try await LabServer.with { lab in
            let (_, findings) = try await Self.check(lab, "bearer-jwks-bad-signature")
            #expect(findings.first?.id == "token.signature-invalid", "\(findings.map(\.id))")
            #expect(findings.first?.evidence.contains { $0.contains("jwks_uri") } ?? false)
        }
    }
}

@Suite("Bearer token given with -H")
struct HeaderBearerTests {
    @Test("A token in -H 'Authorization: Bearer …' is decoded and verified like --bearer")
    func headerToken() async throws {
        try await LabServer.with { lab in
            let scenario = try #require(lab.scenarios.first { $0.id == "bearer-jwks-bad-signature" })
            guard case .bearer(let token) = scenario.client.credentials else { return }
            var request = CheckRequest(url: scenario.url(on: lab))
            request.headers = [HeaderField("Authorization", "Bearer \(token)")]
            request.maxTime = 30
            let outcome = await Checkup.run(request)
            guard case .success(let jwt)? = outcome.evidence.token else {
                Issue.record("the -H token was not decoded")
                return
            }
            #expect(jwt.keyID == "lab-es256")
            #expect(ClientRules.run(outcome.evidence).first?.id == "token.signature-invalid")
        }
    }
}
