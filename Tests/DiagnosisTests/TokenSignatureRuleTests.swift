import CredentialModel
import Evidence
import TestSupport
import Testing

@testable import Diagnosis

/// The live check's signature and discovery rules beyond their own examples.
@Suite struct TokenSignatureRuleTests {
    static let hs256 = TokenExpiredRule.expiredToken

    @Test func weakSecretGuessedIsAWarning() {
        let e = CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 200)) {
            $0.token = JWT.decode(Self.hs256)
            $0.tokenWeakSecretGuessed = true
        }
        let findings = TokenSignatureRule.check(e)
        #expect(findings.map(\.id) == ["token.weak-secret"])
        #expect(findings.first?.severity == .warning)
    }

    @Test func givenWeakSecretIsReportedToo() {
        let e = CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 200)) {
            $0.token = JWT.decode(Self.hs256)
            $0.tokenVerification = .verifiedWithWeakSecret(algorithm: "HS256")
            $0.tokenKeySource = "--secret"
        }
        #expect(ClientRules.run(e).map(\.id).contains("token.weak-secret"))
    }

    @Test func badSignatureLeadsTheVerdictAndNamesTheKeySource() {
        let e = CheckSample.make(
            sent: .bearer, CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer error=\"invalid_token\""])
        ) {
            $0.token = JWT.decode("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.x")
            $0.tokenVerification = .failed(.badSignature(algorithm: "HS256", key: "HMAC secret given (9 bytes)"))
            $0.tokenKeySource = "--secret @hs.key"
        }
        let findings = ClientRules.run(e)
        #expect(findings.first?.id == "token.signature-invalid", "\(findings.map(\.id))")
        #expect(findings.first?.evidence.contains("key from --secret @hs.key") ?? false)
    }

    @Test func algNoneIsReportedOnce() {
        let e = CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
            $0.token = JWT.decode(TokenAlgNoneRule.unsigned)
            $0.tokenVerification = .failed(.unsigned)
        }
        #expect(ClientRules.run(e).filter { $0.id == "token.signature-invalid" }.count == 1)
    }

    @Test func discoveryProblemsComeFirstInTheEvidence() throws {
        let e = CheckSample.make(
            sent: .none,
            CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer realm=\"x\""], credentialed: false),
            CheckSample.step(.resourceMetadata, 200, ["Content-Type": "application/json"], credentialed: false),
            CheckSample.step(
                .authorizationServerMetadata, 200, ["Content-Type": "application/json"], credentialed: false)
        ) {
            $0.discoveryProblems = [
                .init(
                    step: "authorization server metadata",
                    message: "issuer mismatch: metadata says https://a, authorization_servers says https://b")
            ]
        }
        let finding = try #require(ResourceMetadataBrokenRule.check(e).first)
        #expect(finding.severity == .error)
        #expect(
            finding.evidence.first
                == """
                authorization server metadata: issuer mismatch: metadata says https://a, authorization_servers \
                says https://b
                """
        )
        #expect(finding.detail.hasPrefix("OAuth discovery fails at the authorization server metadata"))
        #expect(finding.evidence.count == 3)
    }

    @Test func wellKnownWithoutMetadataIsNoFault() {
        let e = CheckSample.make(
            sent: .none,
            CheckSample.step(.resourceMetadata, 404, credentialed: false, label: CheckEvidence.wellKnownMetadataLabel))
        #expect(ResourceMetadataBrokenRule.check(e).isEmpty)
        let named = CheckSample.make(sent: .none, CheckSample.step(.resourceMetadata, 404, credentialed: false))
        #expect(ResourceMetadataBrokenRule.check(named).first?.detail.contains("answered 404") ?? false)
    }
}
