import Foundation
import HTTPDigest
import TestSupport
import Testing

@testable import HTTPAuth

/// Every parser and inspector in HTTPAuth gets random bytes, 1 MB values and invalid UTF-8 and
/// must return a result or an error — never trap. (The parser's own suites cover its grammar.)
@Suite struct HostileInputTests {
    static func inputs() -> [String] {
        var generator = SplitMix64(state: 401)
        var result: [String] = [
            "", " ", "\u{0}", "Basic", "Basic ", "Digest ,,,", "Bearer \u{FFFD}\u{0}\r\n ",
            String(decoding: [0xC3, 0x28, 0xFF, 0xFE, 0x80], as: UTF8.self),
            "Basic " + String(repeating: "A", count: 1_000_000),
            "Digest realm=\"" + String(repeating: "\\", count: 1_000_000),
            String(repeating: "a=b,", count: 250_000),
            "Bearer " + String(repeating: "Bearer ", count: 100_000),
        ]
        for length in [1, 7, 64, 1000, 10_000] {
            for _ in 0..<8 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                result.append(String(decoding: bytes, as: UTF8.self))
                let printable = (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &generator) }
                result.append(String(decoding: printable, as: UTF8.self))
            }
        }
        return result
    }

    /// Every entry point returns, and what it returns keeps its documented contract on any input:
    /// offsets and ranges inside the value, strict == lenient without deviations, a decoded value
    /// only from input that could encode it, no masked secret left in place.
    @Test func everyEntryPointSurvivesHostileInput() {
        let base64Alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".utf8)
        let base64urlAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=".utf8)
        for input in Self.inputs() {
            let length = input.utf8.count
            let shown = String(input.prefix(40).debugDescription)
            for (url, alphabet) in [(false, base64Alphabet), (true, base64urlAlphabet)] {
                switch Base64.decodeReportingError(input, url: url) {
                case .success(let bytes):
                    #expect(input.utf8.allSatisfy(alphabet.contains), "decoded non-base64 input \(shown)")
                    #expect(bytes.count <= length * 3 / 4, "\(shown): more bytes than the input can hold")
                case .failure(let error):
                    #expect((0...length).contains(error.offset), "\(shown): error offset \(error.offset) of \(length)")
                }
            }
            if case .success = BasicAuth.decode(authorization: input) {
                let trimmed = input.drop { $0 == " " || $0 == "\t" }
                #expect(trimmed.lowercased().hasPrefix("basic "), "\(shown) is not Basic")
            }
            if case .success(let credentials) = BasicAuth.decode(token68: input) {
                #expect(Base64.decode(input) != nil && credentials.user.utf8.count < length, "\(shown)")
            }
            _ = BasicAuth.inspect(user: input, password: input, challenge: nil)
            _ = BearerAuth.inspect(token: input)
            _ = BearerAuth.inspect(authorization: input)

            let parsed = ChallengeParser.parse(input)
            for deviation in parsed.deviations {
                #expect(
                    (0...length).contains(deviation.offset), "\(shown): deviation at \(deviation.offset) of \(length)")
                #expect(!deviation.message.isEmpty)
            }
            for challenge in parsed.challenges {
                #expect(!challenge.scheme.isEmpty, "\(shown): a challenge without a scheme")
                #expect(
                    challenge.byteRange.lowerBound >= 0 && challenge.byteRange.upperBound <= length,
                    "\(shown): challenge range \(challenge.byteRange) outside \(length) bytes")
                if (try? DigestChallenge(challenge)) != nil { #expect(challenge.normalizedScheme == "digest") }
                if BearerChallenge(challenge) != nil { #expect(challenge.normalizedScheme == "bearer") }
            }
            // The documented contract: strict parsing fails exactly when the lenient parse saw a deviation.
            #expect(
                (try? ChallengeParser.parseStrict(input)) == (parsed.isStrictlyValid ? parsed.challenges : nil),
                "\(shown): strict and lenient disagree")
            if let preferred = DigestAuth.preferredChallenge(parsed.challenges) {
                #expect(parsed.challenges.contains(preferred) && preferred.normalizedScheme == "digest")
            }
            let credentials = CredentialsParser.parse(input)
            #expect(credentials.credentials == parsed.challenges.first)
            #expect(credentials.deviations.count >= parsed.deviations.count)
            for deviation in AuthenticationInfoParser.parse(input).deviations {
                #expect((0...length).contains(deviation.offset), "\(shown): Authentication-Info deviation out of range")
            }
            _ = SecretMasking.maskURL(input)
            _ = SecretMasking.maskCookieHeader(input)
        }
        // The megabyte-long credentials are masked, not passed through.
        let run = String(repeating: "A", count: 64)
        #expect(!SecretMasking.maskCredentials("Basic " + String(repeating: "A", count: 1_000_000)).contains(run))
        #expect(!SecretMasking.maskCookieHeader("sid=" + String(repeating: "A", count: 1_000_000)).contains(run))
        let tokenURL = "https://h.test/?access_token=" + String(repeating: "A", count: 1_000_000)
        #expect(!SecretMasking.maskURL(tokenURL).contains(run))
    }

    @Test func invalidUTF8BytesGiveADeviationNotACrash() {
        let result = ChallengeParser.parse(bytes: [
            0x42, 0x61, 0x73, 0x69, 0x63, 0x20, 0x72, 0x65, 0x61, 0x6C, 0x6D, 0x3D, 0xFF, 0xFE,
        ])
        #expect(!result.deviations.isEmpty)
    }

    @Test func maskingNeverReturnsTheSecret() {
        let secret = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
        for value in [
            "Bearer \(secret)", "Token \(secret)", secret, "Digest username=\"a\", response=\"\(secret)\"",
            "Basic \(secret)",
            // a token68 with padding and a trailing empty list element is no `name=` parameter (found by fuzzing)
            "Negotiate \(secret)==,", "Digest \(secret)=, ",
        ] {
            #expect(!SecretMasking.maskCredentials(value).contains(secret), "\(value)")
        }
        #expect(!SecretMasking.maskURL("https://u:\(secret)@h/p?access_token=\(secret)").contains(secret))
        #expect(!SecretMasking.maskCookieHeader("a=\(secret); b=\(secret)").contains(secret))
        #expect(!SecretMasking.maskSetCookie("a=\(secret); Path=/").contains(secret))
        #expect(SecretMasking.maskCredentials("Basic " + Base64.encode(Array("alice:pw".utf8))) == "Basic alice:****")
        #expect(
            SecretMasking.maskHeaderValue(name: "Location", value: "https://app.test/cb?code=\(secret)&state=1")
                == "https://app.test/cb?code=****&state=1")
        // Bypasses a reviewer found: tabs, spaces around '=', bare tokens, fragments, ';', userinfo tokens.
        let leaks = [
            SecretMasking.maskCredentials("Bearer\t\(secret)"),
            SecretMasking.maskCredentials("Digest username=\"a\",\tresponse=\"\(secret)\""),
            SecretMasking.maskCredentials("Digest username=\"a\", response = \"\(secret)\""),
            SecretMasking.maskCredentials("OAuth oauth_token=\"\(secret)\", oauth_signature=\"\(secret)\""),
            SecretMasking.maskCredentials("Basic " + Base64.encode(Array("\(secret):".utf8))),
            SecretMasking.maskURL("https://app.test/cb#access_token=\(secret)&id_token=\(secret)"),
            SecretMasking.maskURL("https://app.test/x?a=1;token=\(secret)"),
            SecretMasking.maskURL("https://\(secret)@github.com/org/repo"),
            SecretMasking.maskURL("https://app.test/x?X-Amz-Signature=\(secret)"),
            SecretMasking.maskCookieHeader(secret),
            SecretMasking.maskHeaderValue(name: "X-Functions-Key", value: secret),
            SecretMasking.maskHeaderValue(name: "x-session-token", value: secret),
        ]
        for masked in leaks { #expect(!masked.contains(secret), "leak: \(masked)") }
        #expect(SecretMasking.isCredentialHeader("X-API-Key") && SecretMasking.isCredentialHeader("Cookie"))
        #expect(!SecretMasking.isCredentialHeader("Accept") && !SecretMasking.isCredentialHeader("User-Agent"))
    }
}

/// The fixture's own `WWW-Authenticate` strings, read by our parser, yield the RFC responses.
@Suite struct DigestVectorsThroughParserTests {
    @Test(arguments: AuthVectors.digestIDs)
    func parsedChallengeGivesTheExpectedResponse(id: String) throws {
        let vector = try AuthVectors.digest(id)
        guard let header = vector["www_authenticate"] as? String else { return }  // vectors without a header
        let inputs = try #require(vector["inputs"] as? [String: Any])
        // The SHA-512-256 vector keeps its corrected values under a longer key (the RFC prints wrong ones).
        let expected = try #require(
            (vector["expected"] ?? vector["expected_correct_FIPS180-4_SHA-512/256"]) as? [String: Any])
        let parsed = ChallengeParser.parse(header)
        #expect(parsed.isStrictlyValid, "\(parsed.deviations)")
        let wanted = inputs["algorithm"] as? String
        let challenge = try #require(
            parsed.challenges.first { c in
                guard c.isScheme("Digest") else { return false }
                return header.contains("algorithm=")
                    ? c[parameter: "algorithm"]?.lowercased() == wanted?.lowercased() : true
            })
        let digest = try DigestChallenge(challenge)
        let authorization = try DigestAuth.authorize(
            challenge: digest, username: try #require(inputs["username"] as? String),
            password: try #require(inputs["password"] as? String), method: try #require(inputs["method"] as? String),
            uri: try #require(inputs["uri"] as? String), cnonce: inputs["cnonce"] as? String)
        #expect(authorization.response == expected["response"] as? String)
    }
}
