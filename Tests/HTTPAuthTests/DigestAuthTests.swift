import Crypto
import Foundation
import HTTPDigest
import Testing

@testable import HTTPAuth

/// Loads Fixtures/rfc-auth-vectors.json (shared by the Basic/Digest/Bearer suites).
enum AuthVectors {
    static func root() throws -> [String: Any] {
        let url = try #require(
            Bundle.module.url(forResource: "rfc-auth-vectors", withExtension: "json", subdirectory: "Fixtures"))
        let data = try Data(contentsOf: url)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func section(_ name: String) throws -> [[String: Any]] {
        try #require(try root()[name] as? [[String: Any]])
    }

    /// Ids of the Digest vectors, for parameterized tests (a new vector becomes a new case).
    static var digestIDs: [String] {
        ((try? section("digest")) ?? []).compactMap { $0["id"] as? String }
    }

    static func digest(_ id: String) throws -> [String: Any] {
        try #require(try section("digest").first(where: { $0["id"] as? String == id }))
    }
}

@Suite struct DigestAuthTests {
    /// A Digest challenge built directly (the parser is someone else's; these tests must not depend on it).
    static func challenge(
        realm: String?, nonce: String?, qop: String? = nil, algorithm: String? = nil,
        opaque: String? = nil, userhash: Bool = false, stale: Bool = false, charset: String? = nil
    ) -> Challenge {
        var parameters: [AuthParameter] = []
        if let realm { parameters.append(AuthParameter(name: "realm", value: realm, wasQuoted: true)) }
        if let qop { parameters.append(AuthParameter(name: "qop", value: qop, wasQuoted: true)) }
        if let algorithm { parameters.append(AuthParameter(name: "algorithm", value: algorithm)) }
        if let nonce { parameters.append(AuthParameter(name: "nonce", value: nonce, wasQuoted: true)) }
        if let opaque { parameters.append(AuthParameter(name: "opaque", value: opaque, wasQuoted: true)) }
        if let charset { parameters.append(AuthParameter(name: "charset", value: charset)) }
        if userhash { parameters.append(AuthParameter(name: "userhash", value: "true")) }
        if stale { parameters.append(AuthParameter(name: "stale", value: "true")) }
        return Challenge(scheme: "Digest", parameters: parameters)
    }

    static let rfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
    static let rfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
    static let rfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    static func rfc7616(_ algorithm: String) -> Challenge {
        challenge(
            realm: "http-auth@example.org", nonce: rfc7616Nonce, qop: "auth, auth-int", algorithm: algorithm,
            opaque: rfc7616Opaque)
    }

    // MARK: every fixture vector

    @Test(arguments: AuthVectors.digestIDs)
    func fixtureVector(id: String) throws {
        let vector = try AuthVectors.digest(id)
        let inputs = try #require(vector["inputs"] as? [String: Any])
        let username = try #require(inputs["username"] as? String)
        let password = try #require(inputs["password"] as? String)
        let realm = try #require(inputs["realm"] as? String)
        let nonce = try #require(inputs["nonce"] as? String)
        let qop = inputs["qop"] as? String  // JSON null → no qop (RFC 2069)
        let userhash = inputs["userhash"] as? Bool ?? false
        if let hex = inputs["username_utf8_hex"] as? String {
            #expect(DigestAuth.hex(Array(username.utf8)) == hex)
        }

        // rfc2617-3.5 lists algorithm MD5 in its inputs but the header has no algorithm=: build
        // what the server actually sent (absent means MD5 anyway, and then we must not echo it).
        let header = vector["www_authenticate"] as? String
        let algorithm = (header.map { $0.contains("algorithm=") } ?? true) ? inputs["algorithm"] as? String : nil
        let challenge = Self.challenge(
            realm: realm, nonce: nonce, qop: qop, algorithm: algorithm,
            opaque: inputs["opaque"] as? String, userhash: userhash)
        // The fixture's own header text must describe the same challenge we built.
        if let header {
            #expect(header.contains("realm=\"\(realm)\""))
            #expect(header.contains("nonce=\"\(nonce)\""))
            if let algorithm { #expect(header.contains("algorithm=\(algorithm)")) }
            if let opaque = inputs["opaque"] as? String { #expect(header.contains("opaque=\"\(opaque)\"")) }
        }

        let nc = try #require(UInt32((inputs["nc"] as? String) ?? "1", radix: 16))
        let result = try DigestAuth.authorize(
            challenge: DigestChallenge(challenge), username: username, password: password,
            method: try #require(inputs["method"] as? String),
            uri: try #require(inputs["uri"] as? String),
            nonceCount: nc, cnonce: inputs["cnonce"] as? String)

        let expected = try #require(
            (vector["expected"] ?? vector["expected_correct_FIPS180-4_SHA-512/256"]) as? [String: String])
        #expect(result.response == expected["response"])
        if let ha1 = expected["HA1"] ?? expected["HA1(sess)"] { #expect(result.ha1 == ha1) }
        if let ha2 = expected["HA2"] { #expect(result.ha2 == ha2) }
        if let hash = expected["userhash=H(username:realm)"] { #expect(result.usernameHash == hash) }
        #expect(result.headerValue.contains("response=\"\(result.response)\""))

        if qop == nil {
            #expect(result.nc == nil && result.cnonce == nil)
            #expect(!result.headerValue.contains("nc=") && !result.headerValue.contains("cnonce="))
        } else {
            #expect(result.headerValue.contains("nc=\(inputs["nc"] as? String ?? "")"))
        }

        // RFC 7616 §3.9.2 printed values computed with truncated SHA-512: we must NOT reproduce them.
        if let wrong = vector["values_printed_in_RFC_text_WRONG"] as? [String: String] {
            #expect(result.response != wrong["response"])
            #expect(result.usernameHash != wrong["userhash"])
            let truncated = String(SHA512Truncated.hex("\(username):\(realm)").prefix(64))
            #expect(truncated == wrong["userhash"], "the fixture's explanation of the wrong value holds")
        }
        if let star = vector["username_star_when_userhash_false"] as? String {
            var plain = challenge
            plain.parameters.removeAll(where: { $0.matches("userhash") })
            let noHash = try DigestAuth.authorize(
                challenge: DigestChallenge(plain), username: username, password: password,
                method: "GET", uri: "/doe.json", cnonce: "x")
            #expect(noHash.headerValue.hasPrefix("Digest \(star), "))
            #expect(noHash.usernameHash == nil)
            #expect(!noHash.headerValue.contains("userhash"))
        }
    }

    @Test func fixtureHasTheVectorsThisSuiteExpects() {
        let ids = Set(AuthVectors.digestIDs)
        #expect(
            ids.isSuperset(of: [
                "rfc7616-3.9.1-SHA-256", "rfc7616-3.9.1-MD5", "md5-sess-made-up",
                "rfc7616-3.9.2-SHA-512-256-userhash", "rfc2617-3.5", "rfc2069-no-qop",
            ]))
    }

    // MARK: header serialization

    @Test func rfc7616Sha256HeaderIsByteExact() throws {
        let result = try DigestAuth.authorize(
            challenge: DigestChallenge(Self.rfc7616("SHA-256")), username: "Mufasa",
            password: "Circle of Life", method: "GET", uri: "/dir/index.html",
            cnonce: Self.rfc7616Cnonce)
        #expect(
            result.headerValue == """
                Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, \
                nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, \
                cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, \
                response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", \
                opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
                """)
        #expect(!String(describing: result).contains(result.response))
    }

    @Test func userhashHeader() throws {
        let challenge = Self.challenge(
            realm: "api@example.org", nonce: "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
            qop: "auth", algorithm: "SHA-512-256", opaque: "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS",
            userhash: true, charset: "UTF-8")
        let digest = try DigestChallenge(challenge)
        #expect(digest.userhash && digest.charsetUTF8)
        let result = try DigestAuth.authorize(
            challenge: digest, username: "Jäsøn Doe", password: "Secret, or not?",
            method: "GET", uri: "/doe.json", cnonce: "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v")
        #expect(
            result.headerValue.hasPrefix(
                "Digest username=\"793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b\", "))
        #expect(result.headerValue.hasSuffix(", userhash=true"))
        #expect(!result.headerValue.contains("Jäsøn"))
        #expect(result.response == "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5")
    }

    @Test func quotingEscapesRealmAndUsername() throws {
        let challenge = Self.challenge(realm: #"a "quoted" \ realm"#, nonce: "n")
        let result = try DigestAuth.authorize(
            challenge: DigestChallenge(challenge), username: #"bob"x"#, password: "p",
            method: "GET", uri: "/")
        #expect(
            result.headerValue.hasPrefix(
                #"Digest username="bob\"x", realm="a \"quoted\" \\ realm", uri="/", nonce="n", response=""#))
        #expect(!result.headerValue.contains("algorithm="), "not sent when the server did not send it")
    }

    @Test func controlCharacterInURIIsAnErrorNotAHeaderSplit() throws {
        let challenge = try DigestChallenge(Self.challenge(realm: "r", nonce: "n", qop: "auth"))
        #expect(throws: DigestError.self) {
            try DigestAuth.authorize(
                challenge: challenge, username: "u", password: "p", method: "GET", uri: "/a\r\nX: y", cnonce: "c")
        }
    }

    @Test func nonASCIIUserNameGoesAsUsernameStar() throws {
        let challenge = try DigestChallenge(Self.challenge(realm: "r", nonce: "n", qop: "auth"))
        let result = try DigestAuth.authorize(
            challenge: challenge, username: "José", password: "p", method: "GET", uri: "/", cnonce: "c")
        #expect(result.headerValue.hasPrefix("Digest username*=UTF-8''Jos%C3%A9, realm=\"r\""))
        #expect(AuthHeaderWriter.extValue("Jäsøn Doe") == "UTF-8''J%C3%A4s%C3%B8n%20Doe")
    }

    @Test func headerWriterQuotesTokensAndRejectsControls() throws {
        #expect(try AuthHeaderWriter.quotedString(#"a"b\c"#) == #""a\"b\\c""#)
        #expect(try AuthHeaderWriter.quotedString("tab\there") == "\"tab\there\"")
        #expect(throws: AuthHeaderWriter.WriteError.controlCharacter(parameter: "realm", offset: 1)) {
            try AuthHeaderWriter.parameter("realm", "a\nb", quoted: true)
        }
        #expect(throws: AuthHeaderWriter.WriteError.notAToken(parameter: "qop")) {
            try AuthHeaderWriter.parameter("qop", "auth int", quoted: false)
        }
        #expect(
            try AuthHeaderWriter.credentials(
                scheme: "Digest",
                parameters: [
                    AuthParameter(name: "username", value: "a b", wasQuoted: true),
                    AuthParameter(name: "nc", value: "00000001"),
                    AuthParameter(name: "bare", value: nil),
                ]) == #"Digest username="a b", nc=00000001"#)
        #expect(
            AuthHeaderWriter.isToken("SHA-256") && !AuthHeaderWriter.isToken("") && !AuthHeaderWriter.isToken("a=b"))
    }

    // MARK: algorithms, qop

    @Test func algorithmNamesAreCaseInsensitive() throws {
        #expect(try DigestAlgorithm(name: "sha-512-256-SESS") == .sha512_256Sess)
        #expect(try DigestAlgorithm(name: "md5") == .md5)
        #expect(try DigestAlgorithm(name: nil) == .md5, "absent algorithm means MD5")
        for algorithm in DigestAlgorithm.allCases { #expect(try DigestAlgorithm(name: algorithm.name) == algorithm) }
    }

    @Test func unknownAlgorithmIsAClearError() {
        #expect(throws: DigestError.unknownAlgorithm("SHA-1")) { try DigestAlgorithm(name: "SHA-1") }
        #expect(throws: DigestError.unknownAlgorithm("SHA-512")) {
            try DigestChallenge(Self.challenge(realm: "r", nonce: "n", algorithm: "SHA-512"))
        }
        #expect(String(describing: DigestError.unknownAlgorithm("SHA-1")).contains("SHA-1"))
    }

    @Test func missingNonceOrRealmAndWrongScheme() {
        #expect(throws: DigestError.missingParameter("nonce")) {
            try DigestChallenge(Self.challenge(realm: "r", nonce: nil))
        }
        #expect(throws: DigestError.missingParameter("realm")) {
            try DigestChallenge(Self.challenge(realm: nil, nonce: "n"))
        }
        #expect(throws: DigestError.notDigest(scheme: "Basic")) { try DigestChallenge(Challenge(scheme: "Basic")) }
    }

    @Test func sha512_256IsNotTruncatedSha512() {
        // FIPS 180-4 test vector for SHA-512/256("abc").
        #expect(
            DigestAlgorithm.sha512_256.hash("abc") == "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
        )
        #expect(
            DigestAlgorithm.sha256.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(DigestAlgorithm.md5.hash("abc") == "900150983cd24fb0d6963f7d28e17f72")
    }

    @Test func sessionVariantsHashHA1WithNonceAndCnonce() throws {
        for algorithm in [DigestAlgorithm.md5Sess, .sha256Sess, .sha512_256Sess] {
            let base = algorithm.hash("u:r:p")
            #expect(
                DigestAuth.ha1(algorithm: algorithm, username: "u", realm: "r", password: "p", nonce: "n", cnonce: "c")
                    == algorithm.hash("\(base):n:c"))
            #expect(algorithm.isSession)
        }
        let noQop = try DigestChallenge(Self.challenge(realm: "r", nonce: "n", algorithm: "MD5-sess"))
        #expect(throws: DigestError.sessionAlgorithmWithoutQop(.md5Sess)) {
            try DigestAuth.authorize(challenge: noQop, username: "u", password: "p", method: "GET", uri: "/")
        }
    }

    @Test func qopPrefersAuthUnlessBodyIntegrityAsked() throws {
        let both = try DigestChallenge(Self.challenge(realm: "r", nonce: "n", qop: "auth-int, auth"))
        #expect(try both.selectQop() == .auth)
        #expect(try both.selectQop(bodyIntegrity: true) == .authInt)
        let onlyAuth = try DigestChallenge(Self.challenge(realm: "r", nonce: "n", qop: "auth"))
        #expect(try onlyAuth.selectQop(bodyIntegrity: true) == .auth)
        let onlyInt = try DigestChallenge(Self.challenge(realm: "r", nonce: "n", qop: "AUTH-INT"))
        #expect(try onlyInt.selectQop() == .authInt)
        let none = try DigestChallenge(Self.challenge(realm: "r", nonce: "n"))
        #expect(try none.selectQop() == nil)
        let bogus = try DigestChallenge(Self.challenge(realm: "r", nonce: "n", qop: "auth-conf"))
        #expect(throws: DigestError.unsupportedQop(["auth-conf"])) { try bogus.selectQop() }
    }

    @Test func authIntHashesTheBody() throws {
        let challenge = try DigestChallenge(Self.rfc7616("SHA-256"))
        let body = Array(#"{"name":"Simba"}"#.utf8)
        let result = try DigestAuth.authorize(
            challenge: challenge, username: "Mufasa", password: "Circle of Life",
            method: "POST", uri: "/dir/index.html", body: body, bodyIntegrity: true,
            cnonce: Self.rfc7616Cnonce)
        #expect(result.qop == .authInt)
        #expect(result.headerValue.contains(", qop=auth-int, "))
        let bodyHash = DigestAlgorithm.sha256.hash(body)
        #expect(result.ha2 == DigestAlgorithm.sha256.hash("POST:/dir/index.html:\(bodyHash)"))
        let ha1 = DigestAlgorithm.sha256.hash("Mufasa:http-auth@example.org:Circle of Life")
        #expect(result.ha1 == ha1)
        #expect(
            result.response
                == DigestAlgorithm.sha256.hash(
                    "\(ha1):\(Self.rfc7616Nonce):00000001:\(Self.rfc7616Cnonce):auth-int:\(result.ha2)"))
        // A different body gives a different response; with qop=auth the body is ignored.
        let other = try DigestAuth.authorize(
            challenge: challenge, username: "Mufasa", password: "Circle of Life",
            method: "POST", uri: "/dir/index.html", body: Array("x".utf8), bodyIntegrity: true,
            cnonce: Self.rfc7616Cnonce)
        #expect(other.response != result.response)
        // Empty body with auth-int: H("") — MD5("") known value.
        #expect(
            DigestAuth.ha2(algorithm: .md5, method: "GET", uri: "/", qop: .authInt)
                == DigestAlgorithm.md5.hash("GET:/:d41d8cd98f00b204e9800998ecf8427e"))
    }

    @Test func noQopIsRFC2069() throws {
        let challenge = try DigestChallenge(
            Self.challenge(realm: "testrealm@host.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093"))
        let result = try DigestAuth.authorize(
            challenge: challenge, username: "Mufasa", password: "CircleOfLife",
            method: "GET", uri: "/dir/index.html", cnonce: "ignored")
        #expect(result.response == "1949323746fe6a43ef61f9606e7febea")
        #expect(
            result.headerValue
                == #"""
                Digest username="Mufasa", realm="testrealm@host.com", uri="/dir/index.html", \#
                nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", response="1949323746fe6a43ef61f9606e7febea"
                """#
        )
    }

    // MARK: choosing, stale, sessions

    @Test func prefersStrongestAlgorithm() {
        let md5 = Self.rfc7616("MD5")
        let sha256 = Self.rfc7616("SHA-256")
        let sha512 = Self.rfc7616("SHA-512-256")
        let basic = Challenge(scheme: "Basic", parameters: [AuthParameter(name: "realm", value: "x", wasQuoted: true)])
        let unknown = Self.rfc7616("SHA-3")
        #expect(DigestAuth.preferredChallenge([sha256, md5]) == sha256, "the RFC 7616 §3.9.1 pair")
        #expect(DigestAuth.preferredChallenge([md5, sha256]) == sha256)
        #expect(DigestAuth.preferredChallenge([basic, md5, unknown, sha512, sha256]) == sha512)
        #expect(DigestAuth.preferredChallenge([basic, unknown]) == nil)
        #expect(
            DigestAuth.preferredChallenge([Self.challenge(realm: "r", nonce: "n"), md5])
                == Self.challenge(realm: "r", nonce: "n"),
            "absent algorithm is MD5; first wins a tie")
    }

    @Test func staleDetection() {
        #expect(DigestAuth.isStaleRetry(Self.challenge(realm: "r", nonce: "n", stale: true)))
        #expect(!DigestAuth.isStaleRetry(Self.challenge(realm: "r", nonce: "n")))
        var upper = Self.challenge(realm: "r", nonce: "n")
        upper.parameters.append(AuthParameter(name: "STALE", value: "TRUE"))
        #expect(DigestAuth.isStaleRetry(upper))
        #expect(
            !DigestAuth.isStaleRetry(
                Challenge(scheme: "Basic", parameters: [AuthParameter(name: "stale", value: "true")])))
        #expect((try? DigestChallenge(Self.challenge(realm: "r", nonce: "n", stale: true)))?.isStale == true)
    }

    @Test func nonceCountIncrementsAndResetsOnNewNonce() throws {
        var session = try DigestSession(
            username: "Mufasa", password: "Circle of Life", challenge: Self.rfc7616("SHA-256"))
        let first = try session.authorize(method: "GET", uri: "/dir/index.html", cnonce: Self.rfc7616Cnonce)
        let second = try session.authorize(method: "GET", uri: "/dir/index.html", cnonce: Self.rfc7616Cnonce)
        let third = try session.authorize(method: "GET", uri: "/dir/index.html", cnonce: Self.rfc7616Cnonce)
        #expect([first.nc, second.nc, third.nc] == ["00000001", "00000002", "00000003"])
        #expect(first.response == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        #expect(second.headerValue.contains(" nc=00000002,"))
        #expect(Set([first.response, second.response, third.response]).count == 3)
        #expect(session.nonceCount == 3)

        // The same nonce again (e.g. a repeated challenge) does not reset.
        try session.update(challenge: Self.rfc7616("SHA-256"))
        #expect(session.nonceCount == 3)

        // stale=true with a new nonce: restart at 1.
        var stale = Self.challenge(
            realm: "http-auth@example.org", nonce: "fresh", qop: "auth", algorithm: "SHA-256", stale: true)
        stale.parameters.append(AuthParameter(name: "opaque", value: Self.rfc7616Opaque, wasQuoted: true))
        try session.update(challenge: stale)
        #expect(session.challenge.isStale)
        let afterReset = try session.authorize(method: "GET", uri: "/", cnonce: "c")
        #expect(afterReset.nc == "00000001")
        #expect(afterReset.headerValue.contains("nonce=\"fresh\""))

        session.update(nextNonce: "next")
        #expect(session.nonceCount == 0)
        #expect(try session.authorize(method: "GET", uri: "/", cnonce: "c").nc == "00000001")
    }

    @Test func nonceCountFormatting() {
        #expect(DigestAuth.formatNonceCount(1) == "00000001")
        #expect(DigestAuth.formatNonceCount(255) == "000000ff")
        #expect(DigestAuth.formatNonceCount(UInt32.max) == "ffffffff")
    }

    @Test func randomCnonceIsHexAndFresh() throws {
        let a = DigestAuth.makeCnonce()
        let b = DigestAuth.makeCnonce()
        #expect(a.count == 32 && a.allSatisfy(\.isHexDigit))
        #expect(a != b)
        var session = try DigestSession(
            username: "u", password: "p", challenge: Self.challenge(realm: "r", nonce: "n", qop: "auth"))
        let result = try session.authorize(method: "GET", uri: "/")
        #expect(result.cnonce?.count == 32)
        var seeded = FixedGenerator()
        #expect(DigestAuth.makeCnonce(using: &seeded) == String(repeating: "2a", count: 16))
    }

    @Test func passwordNeverInDescriptions() throws {
        let password = "Circle of Life"
        var session = try DigestSession(username: "Mufasa", password: password, challenge: Self.rfc7616("SHA-256"))
        let result = try session.authorize(method: "GET", uri: "/", cnonce: "c")
        for text in [
            String(describing: session), String(reflecting: result), String(describing: result),
            result.headerValue,
            String(describing: DigestError.unwritable(.controlCharacter(parameter: "uri", offset: 2))),
        ] {
            #expect(!text.contains(password))
        }
    }
}

/// SHA-512 truncated, only to confirm the fixture's explanation of RFC 7616's wrong printed values.
enum SHA512Truncated {
    static func hex(_ text: String) -> String {
        DigestAuth.hex(Crypto.SHA512.hash(data: Array(text.utf8)))
    }
}

struct FixedGenerator: RandomNumberGenerator {
    mutating func next() -> UInt64 { 0x2a2a_2a2a_2a2a_2a2a }
}
