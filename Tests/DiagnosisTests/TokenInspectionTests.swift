import CredentialModel
import Evidence
import TestSupport
import Testing

@testable import Diagnosis

@Suite struct TokenInspectionTests {
    static func token(_ claims: String, header: String = #"{"alg":"HS256"}"#) -> Result<DecodedJWT, JWTDecodeFailure> {
        func b64(_ s: String) -> String {
            let chars = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            var out = ""
            let bytes = Array(s.utf8)
            var i = 0
            while i < bytes.count {
                let n =
                    (UInt32(bytes[i]) << 16) | (i + 1 < bytes.count ? UInt32(bytes[i + 1]) << 8 : 0)
                    | (i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0)
                let count = min(3, bytes.count - i) + 1
                for j in 0..<count { out.append(chars[Int((n >> (18 - 6 * UInt32(j))) & 63)]) }
                i += 3
            }
            return out
        }
        return JWT.decode(b64(header) + "." + b64(claims) + ".sig")
    }

    static func ids(_ findings: [Finding]) -> [FindingID] { findings.map(\.id) }

    /// The token rules on a token given to `why401 jwt`, judged at `now` by the local clock.
    static func judge(
        decoded: Result<DecodedJWT, JWTDecodeFailure>, verification: JWTVerification?, weakSecretGuessed: Bool = false,
        leeway: Double = TokenEvidence.defaultLeeway, audience: String? = nil, issuer: String? = nil, now: Double
    ) -> [Finding] {
        TokenInspection.findings(
            TokenEvidence(
                token: decoded, verification: verification, weakSecretGuessed: weakSecretGuessed,
                expectedAudience: audience, expectedIssuer: issuer, localTime: now, leeway: leeway, context: .inspection
            ))
    }

    /// The property: expired exactly when exp + leeway < now, for many random values.
    @Test func expiredExactlyWhenExpPlusLeewayBeforeNow() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let exp = Double(Int.random(in: 1_000_000_000...2_000_000_000, using: &rng))
            let leeway = Double(Int.random(in: 0...600, using: &rng))
            // Bias towards the boundary, where off-by-one mistakes live.
            let now =
                Bool.random(using: &rng)
                ? exp + leeway + Double(Int.random(in: -2...2, using: &rng))
                : Double(Int.random(in: 1_000_000_000...2_000_000_000, using: &rng))
            let findings = Self.judge(
                decoded: Self.token(#"{"exp":\#(Int(exp))}"#), verification: nil, leeway: leeway, now: now)
            let expired = Self.ids(findings).contains("token.expired")
            #expect(expired == (exp + leeway < now), "exp \(exp) leeway \(leeway) now \(now)")
            #expect(TokenInspection.isExpired(exp: exp, now: now, leeway: leeway) == (exp + leeway < now))
        }
    }

    @Test func expiredEvidenceSaysHowLongAgo() throws {
        let findings = Self.judge(
            decoded: Self.token(#"{"exp":1700000000}"#), verification: nil, now: 1_700_000_000 + 3 * 3600 + 12 * 60)
        let expired = try #require(findings.first { $0.id == "token.expired" })
        #expect(expired.evidence.first == "exp 2023-11-14T22:13:20Z, expired 3 h 12 min ago")
        #expect(TokenInspection.relative("exp", 1_700_000_000, now: 1_700_011_520) == "expired 3 h 12 min ago")
        #expect(TokenInspection.relative("exp", 1_700_000_045, now: 1_700_000_000) == "expires in 45 s")
    }

    @Test func notBeforeAndIssuedInTheFuture() {
        let now = 1_700_000_000.0
        #expect(
            Self.ids(Self.judge(decoded: Self.token(#"{"nbf":1700000300}"#), verification: nil, now: now)) == [
                "token.not-yet-valid"
            ])
        #expect(
            Self.ids(Self.judge(decoded: Self.token(#"{"iat":1700000300}"#), verification: nil, now: now)) == [
                "token.not-yet-valid"
            ])
        // Within leeway: fine.
        #expect(
            Self.judge(decoded: Self.token(#"{"nbf":1700000030,"iat":1700000030}"#), verification: nil, now: now)
                .isEmpty)
        #expect(
            Self.judge(decoded: Self.token(#"{"nbf":1700000030}"#), verification: nil, leeway: 0, now: now).count == 1)
        // exp as a string is not a NumericDate.
        #expect(
            Self.ids(Self.judge(decoded: Self.token(#"{"exp":"tomorrow"}"#), verification: nil, now: now)) == [
                "token.expired"
            ])
    }

    @Test func audienceAndIssuer() {
        let t = Self.token(#"{"aud":["api://a","api://b"],"iss":"https://idp.example"}"#)
        #expect(
            Self.judge(decoded: t, verification: nil, audience: "api://b", issuer: "https://idp.example", now: 0)
                .isEmpty)
        let both = Self.judge(decoded: t, verification: nil, audience: "api://c", issuer: "https://other", now: 0)
        #expect(Self.ids(both) == ["token.audience-mismatch", "token.audience-mismatch"])
        #expect(both[0].evidence == ["aud api://a, api://b, expected api://c"])
        #expect(both[1].evidence == ["iss https://idp.example, expected https://other"])
    }

    @Test func signatureFindings() throws {
        let t = Self.token(#"{"sub":"a"}"#, header: #"{"alg":"RS256","kid":"k9"}"#)
        let noKid = Self.judge(decoded: t, verification: .failed(.noKeyForKid("k9", available: ["k1"])), now: 0)
        #expect(Self.ids(noKid) == ["token.signature-invalid"])
        #expect(noKid[0].evidence.contains("no key with kid k9"))
        #expect(noKid[0].severity == .error)
        #expect(Self.judge(decoded: t, verification: .verified(algorithm: "RS256", key: "k"), now: 0).isEmpty)
        let confusion = Self.judge(
            decoded: t, verification: .failed(.algorithmConfusion(algorithm: "HS256", forged: true)), now: 0)
        #expect(confusion[0].detail.contains("Algorithm confusion"))
        let weak = Self.judge(decoded: t, verification: .verifiedWithWeakSecret(algorithm: "HS256"), now: 0)
        #expect(weak.map(\.severity) == [.warning])
        #expect(weak.map(\.id) == ["token.weak-secret"])
        #expect(
            Self.judge(decoded: t, verification: nil, weakSecretGuessed: true, now: 0).map(\.severity) == [.warning])
        let none = Self.judge(decoded: Self.token("{}", header: #"{"alg":"none"}"#), verification: nil, now: 0)
        #expect(Self.ids(none) == ["token.signature-invalid"])
        #expect(none[0].severity == .error)
    }

    @Test func notJWTFindings() {
        let jwe = Self.judge(
            decoded: JWT.decode("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d"), verification: nil, now: 0)
        #expect(jwe[0].detail.contains("JWE"))
        #expect(jwe[0].severity == .info)
        #expect(!TokenInspection.isProblem(jwe))
        // Broken JWTs (a JSON part is there, the rest is wrong): errors.
        for bad in ["e$$.e30.x", "bm90anNvbg.e30.x", "eyJhbGciOiJIUzI1NiJ9.e30", "eyJhbGciOiJIUzI1NiJ9.e30.x.y.z"] {
            let f = Self.judge(decoded: JWT.decode(bad), verification: nil, now: 0)
            #expect(f.map(\.id) == ["token.not-jwt"] && f[0].severity == .error, "\(bad)")
            #expect(TokenInspection.isProblem(f))
        }
    }

    /// Issue 11: `why401 jwt` was asked to read a JWT, so anything that is not one — no dots, only
    /// dots, random text — is `token.not-jwt` as a warning that fails the command, with a one-line
    /// reason; never "OK", and `....` is not a JWE.
    @Test(arguments: [
        "xxxxxxxx", "....", ".", "..", "2YotnFZFEjr1zCsicMWpAA", "a.b", "abc.def.ghi",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "hello world", "a.b.c.d.e", "%%%.!!!.###",
    ])
    func nonJWTInputIsAWarningThatFails(input: String) throws {
        let findings = Self.judge(decoded: JWT.decode(input), verification: nil, now: 0)
        #expect(findings.map(\.id) == ["token.not-jwt"], "\(input)")
        let finding = try #require(findings.first)
        #expect(finding.severity == .warning)
        #expect(TokenInspection.isProblem(findings))
        #expect(finding.detail.hasPrefix("This is not a JWT: "))
        #expect(!finding.detail.contains("\n"))
        #expect(!finding.detail.contains("JWE"))
    }

    @Test func randomStringsAreNeverOK() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcXYZ019._-~+/=")
        for _ in 0..<500 {
            let text = String(
                (0..<Int.random(in: 1...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let findings = Self.judge(decoded: JWT.decode(text), verification: nil, now: 0)
            if case .success = JWT.decode(text) { continue }  // e.g. "e30.e30.x" is a (claims-less) JWT
            #expect(TokenInspection.isProblem(findings), "\(text)")
        }
    }

    @Test func errorsRankFirst() {
        let t = Self.token(#"{"exp":1}"#)
        let findings = Self.judge(decoded: t, verification: nil, weakSecretGuessed: true, now: 1_000_000)
        #expect(findings.map(\.id) == ["token.expired", "token.weak-secret"])
    }

    /// `check --bearer` keeps an opaque (or dotted non-JWT) token as the normal, informational case.
    @Test func checkBearerKeepsOpaqueTokensInfo() {
        for token in ["2YotnFZFEjr1zCsicMWpAA", "....", "abc.def.ghi"] {
            let evidence = CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(token)
            }
            let findings = TokenNotJWTRule.check(evidence)
            #expect(findings.map(\.id) == ["token.not-jwt"], "\(token)")
            #expect(findings.allSatisfy { $0.severity == .info })
        }
    }
}
