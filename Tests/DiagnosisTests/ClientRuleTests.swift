import CredentialModel
import Evidence
import TestSupport
import Testing

@testable import Diagnosis

/// Runs every client rule's own examples, and checks the verdict order on whole checks.
@Suite struct ClientRuleExampleTests {
    // (Whether the ids the client rules raise are in the catalog is `RuleExampleTests.everyDeclaredIDHasAnEntry`:
    // checking a raised finding's id could only pass, since `Finding(id)` traps for an unknown one.)

    @Test func specificCauseOutranksGenericRejection() {
        let e = CheckSample.make(
            sent: .digest(user: "alice"),
            CheckSample.step(
                .asGiven, 401,
                ["WWW-Authenticate": "Digest realm=\"r\", nonce=\"n1\", qop=\"auth\", algorithm=SHA-256"],
                credentialed: false),
            CheckSample.step(
                .answer, 401,
                ["WWW-Authenticate": "Digest realm=\"r\", nonce=\"n2\", stale=true, qop=\"auth\", algorithm=SHA-256"]),
            CheckSample.step(.freshNonce, 200))
        #expect(ClientRules.run(e).first?.id == "digest.stale-nonce")
    }

    @Test func expiredTokenOutranksInvalidToken() {
        let e = CheckSample.make(
            sent: .bearer, CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer error=\"invalid_token\""])
        ) {
            $0.token = JWT.decode(TokenExpiredRule.expiredToken)
        }
        let ids = ClientRules.run(e).map(\.id)
        #expect(ids.first == "token.expired")
        #expect(ids.contains("token.invalid"))
        #expect(
            !ids.contains("credentials.rejected")
                || ids.firstIndex(of: "credentials.rejected")! > ids.firstIndex(of: "token.invalid")!)
    }

    @Test func healthyCheckHasNoErrors() {
        let e = CheckSample.make(
            CheckSample.step(.asGiven, 200), CheckSample.step(.repeated, 200), CheckSample.step(.repeated, 200))
        #expect(!ClientRules.run(e).contains { $0.severity == .error })
    }

    @Test func isoDates() {
        #expect(TokenTime.iso8601(0) == "1970-01-01T00:00:00Z")
        #expect(TokenTime.iso8601(1_700_000_000) == "2023-11-14T22:13:20Z")
        #expect(TokenTime.iso8601(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(TokenTime.span(11_520) == "3 h 12 min")
    }

    @Test func nginxFrontingApacheIsRecognised() {
        let body = Array(
            """
            <!DOCTYPE HTML><html><head><title>401 Unauthorized</title></head><body><p>This server could not verify \
            that you are authorized
            """
            .utf8)
        var step = CheckSample.step(.asGiven, 401, ["Server": "nginx/1.22.1"])
        step.exchange.response?.bodyPrefix = body
        let findings = ResponderIdentifiedRule.check(CheckSample.make(step))
        #expect(findings.first?.detail.contains("Apache") ?? false)
    }
}
