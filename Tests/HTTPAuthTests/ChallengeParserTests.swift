import Testing

@testable import HTTPAuth

/// Compact, readable form of a parse: `Basic realm=⟨foo⟩`, `Other ~abc==`, bare names as `stale`.
/// Tests compare these strings so a failure shows the whole recovered challenge at once.
func render(_ challenge: Challenge) -> String {
    var parts = [challenge.scheme]
    if let token = challenge.token68 { parts.append("~" + token) }
    for p in challenge.parameters { parts.append(p.value.map { "\(p.name)=⟨\($0)⟩" } ?? p.name) }
    return parts.joined(separator: " ")
}

func kinds(_ deviations: [ParseDeviation]) -> [ParseDeviation.Kind] { deviations.map(\.kind) }

/// One lenient expectation: what is recovered, and which deviations at which byte offsets.
struct ParserCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    let challenges: [String]
    var deviations: [ParseDeviation.Kind] = []
    var offsets: [Int]? = nil
    var testDescription: String { name }
}

let grammarCases: [ParserCase] = [
    // The hard ambiguity: after a comma, `token SP` or `token` + end/comma starts a challenge,
    // `token BWS =` continues the parameters.
    ParserCase(
        name: "comma then scheme SP starts a challenge", input: #"Basic realm="a", Bearer realm="b""#,
        challenges: ["Basic realm=⟨a⟩", "Bearer realm=⟨b⟩"]),
    ParserCase(
        name: "comma then name= continues the params", input: #"Digest realm="a", qop="auth""#,
        challenges: ["Digest realm=⟨a⟩ qop=⟨auth⟩"]),
    ParserCase(
        name: "comma then name BWS = continues the params", input: #"Digest realm="a", qop = "auth""#,
        challenges: ["Digest realm=⟨a⟩ qop=⟨auth⟩"]),
    ParserCase(
        name: "comma then lone token is a scheme-only challenge", input: #"Basic realm="a", Negotiate"#,
        challenges: ["Basic realm=⟨a⟩", "Negotiate"]),
    ParserCase(
        name: "comma then lone token then comma", input: #"Basic realm="a", Negotiate, NTLM"#,
        challenges: ["Basic realm=⟨a⟩", "Negotiate", "NTLM"]),
    ParserCase(name: "token68 with padding then end", input: "Bearer abc=", challenges: ["Bearer ~abc="]),
    ParserCase(
        name: "token68 with padding then comma", input: "Bearer abc= , Basic", challenges: ["Bearer ~abc=", "Basic"]),
    ParserCase(name: "name=value is a param, not token68", input: "Bearer abc=def", challenges: ["Bearer abc=⟨def⟩"]),
    ParserCase(name: "name= BWS value is a param", input: "Bearer abc= def", challenges: ["Bearer abc=⟨def⟩"]),
    ParserCase(
        name: "token68 without padding", input: "Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1",
        challenges: ["Negotiate ~YIIGhgYJKoZIhvcSAQICAQBuggZ1"]),
    ParserCase(
        name: "token68 with slash and plus", input: "Basic dXNl+cjp/wYXNz==", challenges: ["Basic ~dXNl+cjp/wYXNz=="]),
    ParserCase(
        name: "token68 followed by more challenges", input: #"Basic abc==, Bearer realm="x""#,
        challenges: ["Basic ~abc==", "Bearer realm=⟨x⟩"]),
    ParserCase(
        name: "unknown schemes", input: #"X-Custom a=b, Weird-1 ~tok~"#,
        challenges: ["X-Custom a=⟨b⟩", "Weird-1 ~~tok~"]),
    ParserCase(
        name: "commas inside quotes", input: #"Digest qop="auth, auth-int", realm="a,b""#,
        challenges: ["Digest qop=⟨auth, auth-int⟩ realm=⟨a,b⟩"]),
    ParserCase(
        name: "empty list elements everywhere are RFC-valid", input: #" , ,Basic realm="a", , ,Bearer, ,"#,
        challenges: ["Basic realm=⟨a⟩", "Bearer"]),
    ParserCase(
        name: "quoted-pair unescaping", input: #"Basic realm="a\"b\\c\d""#, challenges: [#"Basic realm=⟨a"b\cd⟩"#]),
    ParserCase(name: "empty quoted value", input: #"Bearer scope="""#, challenges: ["Bearer scope=⟨⟩"]),

    // Lenient recoveries.
    ParserCase(
        name: "API gateway comma-less Bearer",
        input: #"Bearer scope="" error="invalid_token" error_description="The access token expired""#,
        challenges: ["Bearer scope=⟨⟩ error=⟨invalid_token⟩ error_description=⟨The access token expired⟩"],
        deviations: [.missingComma, .missingComma], offsets: [16, 38]),
    ParserCase(
        name: "single-quoted value", input: "Basic realm='x y'", challenges: ["Basic realm=⟨x y⟩"],
        deviations: [.singleQuotedValue], offsets: [12]),
    ParserCase(name: "unclosed single quote is a token", input: "Basic realm='x", challenges: ["Basic realm=⟨'x⟩"]),
    ParserCase(
        name: "duplicate param kept twice", input: "Basic realm=a, REALM=b", challenges: ["Basic realm=⟨a⟩ REALM=⟨b⟩"],
        deviations: [.duplicateParameter], offsets: [15]),
    ParserCase(
        name: "bare word between params becomes a value-less param",
        input: #"Digest realm="x", stale, nonce="y""#, challenges: ["Digest realm=⟨x⟩ stale nonce=⟨y⟩"],
        deviations: [.parameterWithoutValue], offsets: [18]),
    ParserCase(
        name: "known scheme between params stays a challenge",
        input: #"Digest realm="x", Basic, nonce="y""#, challenges: ["Digest realm=⟨x⟩", "Basic nonce=⟨y⟩"],
        deviations: [.missingScheme], offsets: [25]),
    ParserCase(
        name: "bare first word followed by params", input: #"Basic realm, charset="UTF-8""#,
        challenges: ["Basic realm charset=⟨UTF-8⟩"], deviations: [.parameterWithoutValue], offsets: [6]),
    ParserCase(
        name: "param with = and no value", input: "Basic realm=, charset=x", challenges: ["Basic ~realm= charset=⟨x⟩"],
        deviations: [.missingScheme], offsets: [14]),
    ParserCase(
        name: "empty value at end after params", input: "Basic a=b, realm=", challenges: ["Basic a=⟨b⟩ realm=⟨⟩"],
        deviations: [.emptyValue], offsets: [17]),
    ParserCase(
        name: "params with no scheme are dropped", input: #"realm="x""#, challenges: [],
        deviations: [.missingScheme], offsets: [0]),
    ParserCase(
        name: "semicolon separator", input: #"Basic realm="x"; charset=UTF-8"#,
        challenges: ["Basic realm=⟨x⟩ charset=⟨UTF-8⟩"], deviations: [.unexpectedCharacter], offsets: [15]),
    ParserCase(
        name: "unterminated quoted string", input: #"Basic realm="x, Bearer"#, challenges: ["Basic realm=⟨x, Bearer⟩"],
        deviations: [.unterminatedQuotedString], offsets: [12]),
    ParserCase(
        name: "obs-fold between params", input: "Digest realm=\"a\",\r\n\tqop=auth",
        challenges: ["Digest realm=⟨a⟩ qop=⟨auth⟩"],
        deviations: [.obsoleteLineFolding], offsets: [17]),
    ParserCase(
        name: "obs-fold inside a quoted string becomes the space", input: "Basic realm=\"a\r\n b\"",
        challenges: ["Basic realm=⟨a b⟩"], deviations: [.obsoleteLineFolding], offsets: [14]),
    ParserCase(
        name: "unquoted value with slash", input: "Bearer resource_metadata=https://x/y",
        challenges: ["Bearer resource_metadata=⟨https://x/y⟩"], deviations: [.unexpectedCharacter], offsets: [30]),
    ParserCase(
        name: "unquoted base64 value keeps padding", input: "Digest nonce=abc==, qop=auth",
        challenges: ["Digest nonce=⟨abc==⟩ qop=⟨auth⟩"], deviations: [.unexpectedCharacter], offsets: [16]),
    ParserCase(
        name: "invalid token68 character", input: "Bearer ab@c", challenges: ["Bearer ~ab@c"],
        deviations: [.invalidToken68], offsets: [9]),
    ParserCase(
        name: "invalid scheme character", input: "Bas:ic realm=x", challenges: ["Bas:ic realm=⟨x⟩"],
        deviations: [.invalidSchemeCharacter], offsets: [3]),
    ParserCase(
        name: "quote right after scheme", input: #"Basic"realm""#, challenges: ["Basic"],
        deviations: [.unexpectedCharacter], offsets: [5]),
    ParserCase(
        name: "two token68 words: missing comma", input: "Basic abc Bearer", challenges: ["Basic ~abc", "Bearer"],
        deviations: [.missingComma], offsets: [10]),
    ParserCase(
        name: "control byte treated as space", input: "Basic\u{0}realm=x", challenges: ["Basic realm=⟨x⟩"],
        deviations: [.controlCharacter], offsets: [5]),
    ParserCase(name: "empty field", input: "", challenges: [], deviations: [.emptyField], offsets: [0]),
    ParserCase(name: "only separators", input: " , , ", challenges: [], deviations: [.emptyField], offsets: [0]),
    ParserCase(
        name: "offsets count UTF-8 bytes", input: #"Basic realm="ä", x='y'"#, challenges: ["Basic realm=⟨ä⟩ x=⟨y⟩"],
        deviations: [.singleQuotedValue], offsets: [20]),
]

@Suite struct ChallengeParserTests {
    @Test(arguments: grammarCases)
    func lenient(_ testCase: ParserCase) {
        let result = ChallengeParser.parse(testCase.input)
        #expect(result.challenges.map(render) == testCase.challenges)
        #expect(kinds(result.deviations) == testCase.deviations, "\(result.deviations)")
        if let offsets = testCase.offsets { #expect(result.deviations.map(\.offset) == offsets) }
        // Strict accepts exactly what lenient parses without a deviation.
        let strict = Result { try ChallengeParser.parseStrict(testCase.input) }
        switch strict {
        case .success(let challenges):
            #expect(testCase.deviations.isEmpty)
            #expect(challenges == result.challenges)
        case .failure(let error as ChallengeSyntaxError):
            #expect(error.deviation == result.deviations.first)
        case .failure(let error):
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func strictRejectsGatewayBearerAtFirstMissingComma() {
        #expect {
            try ChallengeParser.parseStrict(#"Bearer scope="" error="invalid_token""#)
        } throws: { error in
            (error as? ChallengeSyntaxError)?.deviation.kind == .missingComma
                && (error as? ChallengeSyntaxError)?.deviation.offset == 16
        }
    }

    @Test func strictAcceptsEmptyElementsAndBWS() throws {
        let challenges = try ChallengeParser.parseStrict(#",Basic realm = "a" , , Bearer error=invalid_token,"#)
        #expect(challenges.map(render) == ["Basic realm=⟨a⟩", "Bearer error=⟨invalid_token⟩"])
    }

    @Test func byteRanges() {
        let value = #"Basic realm="a", Bearer abc=="#
        let result = ChallengeParser.parse(value)
        #expect(result.challenges.map(\.byteRange) == [0..<15, 17..<29])
        let utf8 = Array(value.utf8)
        #expect(String(decoding: utf8[result.challenges[1].byteRange], as: UTF8.self) == "Bearer abc==")
    }

    @Test func caseInsensitiveLookups() throws {
        let challenge = try #require(ChallengeParser.parse(#"DIGEST REALM="r", Qop=auth"#).challenges.first)
        #expect(challenge.isScheme("digest"))
        #expect(challenge.realm == "r")
        #expect(challenge[parameter: "qop"] == "auth")
        #expect(challenge.parameters[0].wasQuoted && !challenge.parameters[1].wasQuoted)
    }

    @Test func severalFieldsKeepOrderAndNameTheirField() {
        let result = ChallengeParser.parse(fields: [#"Basic realm="a""#, "Bearer realm='b'", "Negotiate"])
        #expect(result.challenges.map(render) == ["Basic realm=⟨a⟩", "Bearer realm=⟨b⟩", "Negotiate"])
        #expect(result.challenges.map(\.fieldIndex) == [0, 1, 2])
        #expect(result.challenges.map(\.byteRange) == [0..<15, 0..<16, 0..<9])
        #expect(result.deviations.map(\.kind) == [.singleQuotedValue])
        #expect(result.deviations.map(\.fieldIndex) == [1])
        #expect(result.deviations.map(\.offset) == [13])
        #expect(result.deviations[0].description.hasPrefix("field 1, byte 13: "))
    }

    @Test func parametersContinueOnTheNextFieldLine() {
        // RFC 9110 §5.3: several lines mean the same as one comma-joined line.
        let result = ChallengeParser.parse(fields: [#"Digest realm="a""#, #"nonce="n""#])
        #expect(result.challenges.map(render) == ["Digest realm=⟨a⟩ nonce=⟨n⟩"])
        #expect(result.deviations.isEmpty)
    }

    @Test func quotedStringStopsAtTheEndOfItsLine() {
        let result = ChallengeParser.parse(fields: [#"Basic realm="a"#, "Bearer"])
        #expect(result.challenges.map(render) == ["Basic realm=⟨a⟩", "Bearer"])
        #expect(kinds(result.deviations) == [.unterminatedQuotedString])
        #expect(result.deviations.map(\.fieldIndex) == [0])
    }

    @Test func emptyLineAmongFields() {
        #expect(ChallengeParser.parse(fields: ["", "Basic"]).deviations.isEmpty)
        #expect(kinds(ChallengeParser.parse(fields: ["", " "]).deviations) == [.emptyField])
        #expect(ChallengeParser.parse(fields: []) == ChallengeParseResult(challenges: [], deviations: []))
    }

    @Test func invalidUTF8AndControlBytes() {
        let bytes: [UInt8] = Array("Basic realm=\"".utf8) + [0xFF, 0xC3] + Array("\", x=\u{1}".utf8) + [0x00]
        let result = ChallengeParser.parse(bytes: bytes)
        // Read as ISO-8859-1: 0xFF is ÿ, 0xC3 is Ã.
        #expect(result.challenges.map(render) == ["Basic realm=⟨ÿÃ⟩ x=⟨⟩"])
        #expect(
            kinds(result.deviations) == [.invalidUTF8, .invalidUTF8, .controlCharacter, .controlCharacter, .emptyValue])
        // The controls after `x=` count as whitespace (BWS), so the missing value is at the end.
        #expect(result.deviations.map(\.offset) == [13, 14, 20, 21, 22])
    }

    /// Issue 11: a value that is not UTF-8 is read as ISO-8859-1 (what browsers do for realms), for
    /// every high byte, never as U+FFFD; each such byte is an `invalidUTF8` deviation at its offset.
    @Test(arguments: [UInt8](0x80...0xFF))
    func nonUTF8ByteIsReadAsLatin1(byte: UInt8) throws {
        let bytes = Array(#"Basic realm="foo-"#.utf8) + [byte] + Array(#"", charset="x""#.utf8)
        let result = ChallengeParser.parse(bytes: bytes)
        let challenge = try #require(result.challenges.first)
        #expect(result.challenges.count == 1)
        #expect(challenge.realm == "foo-" + String(Character(Unicode.Scalar(byte))))
        #expect(challenge[parameter: "charset"] == "x")
        #expect(!render(challenge).contains("\u{FFFD}"))
        #expect(kinds(result.deviations) == [.invalidUTF8])
        #expect(result.deviations.first?.offset == 17)
        #expect(result.deviations.first?.message.contains("ISO-8859-1") == true)
    }

    /// Per value: a valid UTF-8 realm stays UTF-8 beside a Latin-1 one; a value mixing both is
    /// wholly ISO-8859-1 (as Firefox reads a realm that is not valid UTF-8).
    @Test func latin1IsDecidedPerValue() {
        let bytes = Array(#"Basic realm="ä", Newauth realm="ö-"#.utf8) + [0xF6] + Array(#"""#.utf8)
        let result = ChallengeParser.parse(bytes: bytes)
        #expect(result.challenges.map(render) == ["Basic realm=⟨ä⟩", "Newauth realm=⟨Ã¶-ö⟩"])
        #expect(result.deviations.map(\.offset) == [36])
        // Several field lines: offsets and the reading are per line.
        let lines = ChallengeParser.parse(fieldBytes: [
            Array(#"Basic realm="a""#.utf8), Array(#"Digest realm="b"#.utf8) + [0xE9, 0x22],
        ])
        #expect(lines.challenges.map(render) == ["Basic realm=⟨a⟩", "Digest realm=⟨bé⟩"])
        #expect(lines.deviations.map(\.fieldIndex) == [1])
        #expect(lines.deviations.map(\.offset) == [15])
        #expect(ChallengeParser.displayText([0x61, 0xE4]) == "aä")
        #expect(ChallengeParser.displayText(Array("ä".utf8)) == "ä")
    }

    /// Issue 11: an empty list element right after `scheme 1*SP` opens the auth-param list
    /// (RFC 9110 §5.6.1.2): strictly valid, for any number of commas, spaces or tabs, any scheme.
    @Test(arguments: [
        #"Basic , realm="foo""#, #"Basic ,realm="foo""#, #"Basic ,, realm="foo""#, #"Basic , , realm="foo""#,
        "Basic\t,\trealm=\"foo\"", #"Basic   ,,,   realm="foo""#, #"Basic , realm="foo","#, #"basic , REALM=foo"#,
    ])
    func emptyElementAfterSchemeAndSpace(value: String) throws {
        let challenges = try ChallengeParser.parseStrict(value)
        #expect(challenges.count == 1)
        #expect(challenges.first?.isScheme("Basic") == true)
        #expect(challenges.first?.realm == "foo")
        #expect(ChallengeParser.parse(value).isStrictlyValid)
    }

    @Test func emptyElementAfterSchemeKeepsTheChallengeBoundaries() throws {
        // The parameters after the commas belong to the scheme before them; a scheme after them
        // still starts a new challenge.
        #expect(
            try ChallengeParser.parseStrict(#"Digest , realm="r", nonce="n", Basic , realm="b""#).map(render)
                == ["Digest realm=⟨r⟩ nonce=⟨n⟩", "Basic realm=⟨b⟩"])
        #expect(
            try ChallengeParser.parseStrict(#"Basic , Bearer realm="x""#).map(render) == [
                "Basic", #"Bearer realm=⟨x⟩"#,
            ])
        #expect(try ChallengeParser.parseStrict("Basic ,").map(render) == ["Basic"])
        #expect(try ChallengeParser.parseStrict(#"Newauth ,, a=b"#).map(render) == ["Newauth a=⟨b⟩"])
        // Without the space the comma ends the challenge: `realm` has no scheme (still malformed).
        for value in [#"Basic, realm="foo""#, #"Basic,, realm="foo""#, #"Basic,realm="foo""#] {
            let result = ChallengeParser.parse(value)
            #expect(kinds(result.deviations) == [.missingScheme], "\(value)")
            #expect(result.challenges.map(render) == ["Basic realm=⟨foo⟩"])
        }
    }

    /// `realm=foo` (a token, not a quoted string) is valid RFC 9110.
    @Test func tokenRealmIsValid() throws {
        let challenge = try #require(try ChallengeParser.parseStrict("Basic realm=foo").first)
        #expect(challenge.realm == "foo")
        #expect(!challenge.parameters[0].wasQuoted)
    }

    @Test func validUTF8BytesMatchStringParse() {
        let value = #"Newauth realm="ünïcødé ✓ 🔐", Basic"#
        #expect(ChallengeParser.parse(bytes: Array(value.utf8)) == ChallengeParser.parse(value))
    }
}

@Suite struct CredentialsParserTests {
    @Test func basicToken68() {
        let (credentials, deviations) = CredentialsParser.parse("Basic dXNlcjpwYXNz")
        #expect(credentials.map(render) == "Basic ~dXNlcjpwYXNz")
        #expect(deviations.isEmpty)
    }

    @Test func digestParameters() {
        let value =
            #"Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", qop=auth, nc=00000001"#
        let (credentials, deviations) = CredentialsParser.parse(value)
        #expect(credentials?[parameter: "username"] == "Mufasa")
        #expect(credentials?[parameter: "nc"] == "00000001")
        #expect(credentials?.parameters.count == 5)
        #expect(deviations.isEmpty)
    }

    @Test func secondSchemeIsTrailingGarbage() {
        let (credentials, deviations) = CredentialsParser.parse("Bearer abc, Basic xyz")
        #expect(credentials.map(render) == "Bearer ~abc")
        #expect(kinds(deviations) == [.trailingGarbage])
        #expect(deviations.first?.offset == 12)
    }

    @Test func bearerBearer() {
        // "Bearer Bearer eyJ…": a token68 then a missing comma; the diagnosis names it.
        let (credentials, deviations) = CredentialsParser.parse("Bearer Bearer eyJhbGciOi.eyJzdWIi.sig")
        #expect(credentials.map(render) == "Bearer ~Bearer")
        #expect(kinds(deviations) == [.missingComma, .trailingGarbage])
    }

    @Test func empty() {
        let (credentials, deviations) = CredentialsParser.parse("")
        #expect(credentials == nil)
        #expect(kinds(deviations) == [.emptyField])
    }
}

@Suite struct AuthenticationInfoParserTests {
    @Test func digestAuthenticationInfo() {
        let (parameters, deviations) = AuthenticationInfoParser.parse(
            #"nextnonce="abc", qop=auth, rspauth="6629fae49393a05397450978507c4ef1", cc=00000001, nc=00000001"#)
        #expect(parameters.map(\.name) == ["nextnonce", "qop", "rspauth", "cc", "nc"])
        #expect(parameters.first?.value == "abc")
        #expect(deviations.isEmpty)
    }

    @Test func bareNameIsParameterWithoutValue() {
        let (parameters, deviations) = AuthenticationInfoParser.parse("stale, qop=auth, , qop=auth-int")
        #expect(parameters.map { $0.value ?? "nil" } == ["nil", "auth", "auth-int"])
        #expect(kinds(deviations) == [.parameterWithoutValue, .duplicateParameter])
    }

    @Test func empty() {
        let (parameters, deviations) = AuthenticationInfoParser.parse(" ")
        #expect(parameters.isEmpty)
        #expect(kinds(deviations) == [.emptyField])
    }
}
