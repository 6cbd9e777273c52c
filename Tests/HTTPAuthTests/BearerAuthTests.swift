import Foundation
import Testing

@testable import HTTPAuth

@Suite struct BearerAuthTests {
    static func bearer(_ parameters: [(String, String)]) -> Challenge {
        Challenge(
            scheme: "Bearer", parameters: parameters.map { AuthParameter(name: $0.0, value: $0.1, wasQuoted: true) })
    }

    /// The fixture's Bearer headers, translated by hand into the `Challenge` a (lenient) parser
    /// yields — the parser is tested elsewhere; this suite tests what we read out of the challenge.
    static let fixtureChallenges: [String: Challenge] = [
        #"Bearer realm="example""#: bearer([("realm", "example")]),
        #"Bearer realm="example", error="invalid_token", error_description="The access token expired""#:
            bearer([
                ("realm", "example"), ("error", "invalid_token"), ("error_description", "The access token expired"),
            ]),
        // API Gateway: no commas between parameters (non-conforming); a lenient parser recovers these three.
        #"Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience""#:
            bearer([
                ("scope", ""), ("error", "invalid_token"),
                ("error_description", "the token does not have a valid audience"),
            ]),
        #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",error="invalid_token""#:
            bearer([
                ("realm", "https://auth.docker.io/token"), ("service", "registry.docker.io"),
                ("error", "invalid_token"),
            ]),
    ]

    static var fixtureHeaders: [String] {
        ((try? AuthVectors.section("bearer")) ?? []).compactMap { $0["www_authenticate"] as? String }
    }

    @Test func everyFixtureHeaderIsCovered() throws {
        let headers = try AuthVectors.section("bearer").compactMap { $0["www_authenticate"] as? String }
        #expect(headers.count == 4)
        for header in headers { #expect(Self.fixtureChallenges[header] != nil, "no hand translation for \(header)") }
    }

    @Test(arguments: fixtureHeaders)
    func fixtureVector(header: String) throws {
        let modelled = try #require(Self.fixtureChallenges[header])
        let challenge = try #require(BearerChallenge(modelled))
        // Every quoted value we modelled must appear verbatim in the header text.
        for parameter in challenge.challenge.parameters {
            #expect(header.contains("\(parameter.name)=\"\(parameter.value ?? "")\""))
        }
        if header.contains("error=\"invalid_token\"") {
            #expect(challenge.error == .invalidToken)
        } else {
            #expect(challenge.error == nil, "RFC 6750 §3.1: no error code when the request had no token")
        }
        if header.contains("scope=\"\"") { #expect(challenge.scope.isEmpty) }
        if header.hasPrefix("Bearer realm=\"https://auth.docker.io") {
            #expect(challenge.realm == "https://auth.docker.io/token")
            #expect(challenge.challenge[parameter: "service"] == "registry.docker.io")
        }
        if header.contains("expired") { #expect(challenge.errorDescription == "The access token expired") }
    }

    @Test(arguments: [
        ("invalid_request", BearerChallenge.ErrorCode.invalidRequest),
        ("invalid_token", .invalidToken),
        ("insufficient_scope", .insufficientScope),
        ("invalid_client", .other("invalid_client")),
        ("Invalid_Token", .other("Invalid_Token")),
    ])
    func errorCodes(raw: String, code: BearerChallenge.ErrorCode) throws {
        let challenge = try #require(BearerChallenge(Self.bearer([("error", raw)])))
        #expect(challenge.error == code)
        #expect(challenge.error?.rawValue == raw)
    }

    @Test func allAttributes() throws {
        let challenge = try #require(
            BearerChallenge(
                Challenge(
                    scheme: "bearer",
                    parameters: [
                        AuthParameter(name: "realm", value: "api", wasQuoted: true),
                        AuthParameter(name: "error", value: "insufficient_scope", wasQuoted: true),
                        AuthParameter(name: "Error_Description", value: "needs write", wasQuoted: true),
                        AuthParameter(
                            name: "error_uri", value: "https://docs.example.com/errors#scope", wasQuoted: true),
                        AuthParameter(name: "scope", value: "read:user  write:repo openid", wasQuoted: true),
                        AuthParameter(
                            name: "resource_metadata",
                            value: "https://api.example.com/.well-known/oauth-protected-resource", wasQuoted: true),
                    ])))
        #expect(challenge.realm == "api")
        #expect(challenge.error == .insufficientScope)
        #expect(challenge.errorDescription == "needs write")
        #expect(challenge.errorURI == "https://docs.example.com/errors#scope")
        #expect(challenge.scope == ["read:user", "write:repo", "openid"])
        #expect(challenge.resourceMetadata == "https://api.example.com/.well-known/oauth-protected-resource")
    }

    @Test func nonBearerIsNil() {
        #expect(BearerChallenge(Challenge(scheme: "Basic")) == nil)
        #expect(BearerChallenge(Challenge(scheme: "Bearer"))?.error == nil)
    }

    // MARK: token inspection

    static let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX3NlY3JldA"

    static func kinds(_ token: String) -> [BearerTokenIssue.Kind] { BearerAuth.inspect(token: token).map(\.kind) }

    @Test func validTokens() {
        #expect(Self.kinds(Self.jwt).isEmpty)
        #expect(Self.kinds("mF_9.B5f-4.1JqM").isEmpty, "RFC 6750 §2.1 example")
        #expect(Self.kinds("abc+/~==").isEmpty)
        #expect(BearerAuth.isValidB64Token("abc=="))
        #expect(!BearerAuth.isValidB64Token("=="))
        #expect(!BearerAuth.isValidB64Token("a=b"))
        #expect(BearerAuth.authorizationValue(token: "abc") == "Bearer abc")
    }

    @Test func emptyToken() {
        #expect(Self.kinds("") == [.empty])
        #expect(Self.kinds("   ") == [.empty])
        #expect(Self.kinds("\n") == [.empty, .lineBreak])
        #expect(Self.kinds("\"\"") == [.quoted, .empty])
        #expect(BearerAuth.inspect(authorization: "Bearer ").map(\.kind) == [.empty])
    }

    @Test func doubledScheme() {
        #expect(Self.kinds("Bearer \(Self.jwt)") == [.doubledScheme])
        #expect(Self.kinds("bearer  \(Self.jwt)") == [.doubledScheme])
        #expect(BearerAuth.inspect(authorization: "Bearer Bearer \(Self.jwt)").map(\.kind) == [.doubledScheme])
        #expect(BearerAuth.inspect(authorization: "Bearer \(Self.jwt)").isEmpty)
        #expect(Self.kinds("Bearer") == [.doubledScheme, .empty])
        #expect(Self.kinds("BearerToken123").isEmpty, "a token that merely starts with the word is fine")
    }

    @Test func quotes() {
        #expect(Self.kinds("\"\(Self.jwt)\"") == [.quoted])
        #expect(Self.kinds("'\(Self.jwt)'") == [.quoted])
        #expect(Self.kinds("\(Self.jwt)\"") == [.quoted])
        #expect(Self.kinds("Bearer \"\(Self.jwt)\"") == [.doubledScheme, .quoted])
    }

    @Test func whitespaceAndNewlines() {
        #expect(Self.kinds("\(Self.jwt)\n") == [.lineBreak])
        #expect(Self.kinds("\(Self.jwt)\r\n") == [.lineBreak])
        #expect(Self.kinds(" \(Self.jwt)") == [.surroundingWhitespace])
        #expect(Self.kinds("abc def") == [.innerWhitespace])
        #expect(Self.kinds("abc\ndef") == [.lineBreak])
        let issue = BearerAuth.inspect(token: "abcd def").first
        #expect(issue?.offset == 4)
        #expect(BearerAuth.inspect(token: "\(Self.jwt)\n").first?.message.contains("at its end") == true)
    }

    @Test func charactersOutsideB64Token() {
        let issues = BearerAuth.inspect(token: "abc%def,ghi")
        #expect(issues.map(\.kind) == [.invalidCharacter])
        #expect(issues.first?.offset == 3)
        #expect(issues.first?.message.contains("2 characters") == true)
        #expect(Self.kinds("tökén") == [.invalidCharacter])
        #expect(Self.kinds("abc\u{0}") == [.invalidCharacter])
        #expect(Self.kinds("ab=cd") == [.misplacedPadding])
        #expect(Self.kinds("==") == [.empty])
    }

    @Test func everyIssueKindIsReachable() {
        var seen = Set<BearerTokenIssue.Kind>()
        for token in ["", "Bearer \"a b%=c\"", " x\n", "a=b"] { seen.formUnion(Self.kinds(token)) }
        #expect(seen == Set(BearerTokenIssue.Kind.allCases))
    }

    @Test func tokenNeverInDescriptions() {
        let secret = "s3cr3tTokenValue"
        let variants = [
            "Bearer \(secret)", "\"\(secret)\"", " \(secret) \n", "\(secret) \(secret)", "\(secret)%", "\(secret)=x",
            "'\(secret)",
        ]
        for variant in variants {
            let issues = BearerAuth.inspect(token: variant)
            #expect(!issues.isEmpty)
            for issue in issues {
                #expect(!String(describing: issue).contains(secret))
                #expect(!issue.message.contains(secret))
            }
        }
    }
}
