import Foundation
import Testing

@testable import HTTPAuth

@Suite struct BasicAuthTests {
    static let noCharset = Challenge(
        scheme: "Basic", parameters: [AuthParameter(name: "realm", value: "WallyWorld", wasQuoted: true)])
    static let utf8Charset = Challenge(
        scheme: "Basic",
        parameters: [
            AuthParameter(name: "realm", value: "foo", wasQuoted: true),
            AuthParameter(name: "charset", value: "UTF-8", wasQuoted: true),
        ])

    static var vectorIDs: [String] { ((try? AuthVectors.section("basic")) ?? []).compactMap { $0["id"] as? String } }

    /// Every Basic vector in the fixture: encode, decode back, and the Latin-1 alternative where given.
    @Test(arguments: vectorIDs)
    func fixtureVector(id: String) throws {
        let vector = try #require(try AuthVectors.section("basic").first(where: { $0["id"] as? String == id }))
        let user = try #require(vector["user"] as? String)
        let password = try #require(vector["password"] as? String)
        let authorization = try #require(vector["authorization"] as? String)
        let credentials = BasicCredentials(user: user, password: password)

        // The challenge in the vector, built by hand (parsing is another module's job).
        var challenge: Challenge? = nil
        if let header = vector["www_authenticate"] as? String {
            challenge = header.contains("charset=\"UTF-8\"") ? Self.utf8Charset : Self.noCharset
        }
        #expect(try credentials.authorizationValue(for: challenge ?? Self.noCharset) == authorization)
        #expect(try BasicAuth.decode(authorization: authorization).get() == credentials)
        if let latin1 = vector["if_encoded_latin1_instead"] as? String {
            #expect(try credentials.authorizationValue(charset: .latin1) == latin1)
            // Latin-1 octets are not UTF-8: decoding says so, and says it is the password.
            let token = String(latin1.dropFirst("Basic ".count))
            #expect(BasicAuth.decode(token68: token) == .failure(.invalidUTF8(field: .password, offset: 3)))
        }
        // None of the fixture's users has a problem a client could detect (a colon in the *password* is fine).
        #expect(BasicAuth.inspect(user: user, password: password, challenge: challenge ?? Self.utf8Charset).isEmpty)
    }

    @Test func rfc7617Examples() throws {
        #expect(
            try BasicCredentials(user: "Aladdin", password: "open sesame").authorizationValue()
                == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        let pound = BasicCredentials(user: "test", password: "123£")
        #expect(try pound.authorizationValue(for: Self.utf8Charset, fallback: .latin1) == "Basic dGVzdDoxMjPCow==")
        #expect(try pound.authorizationValue(for: Self.noCharset, fallback: .latin1) == "Basic dGVzdDoxMjOj")
        #expect(try pound.octets(charset: .latin1) == [0x74, 0x65, 0x73, 0x74, 0x3A, 0x31, 0x32, 0x33, 0xA3])
        #expect(try pound.token68(charset: .utf8) == "dGVzdDoxMjPCow==")
    }

    @Test func charsetParameterIsCaseInsensitive() {
        let lower = Challenge(scheme: "basic", parameters: [AuthParameter(name: "Charset", value: "utf-8")])
        #expect(BasicAuth.announcedCharset(lower) == .utf8)
        let other = Challenge(scheme: "Basic", parameters: [AuthParameter(name: "charset", value: "ISO-8859-1")])
        #expect(BasicAuth.announcedCharset(other) == nil, "RFC 7617 allows only UTF-8")
        #expect(BasicAuth.announcedCharset(nil) == nil)
    }

    @Test func latin1FailsClearlyAboveU00FF() {
        let credentials = BasicCredentials(user: "zoë", password: "s€cret")
        #expect(throws: BasicEncodingError.notRepresentableInLatin1(field: .password, characterOffset: 1)) {
            try credentials.authorizationValue(charset: .latin1)
        }
        #expect(throws: BasicEncodingError.notRepresentableInLatin1(field: .user, characterOffset: 0)) {
            try BasicCredentials(user: "Ω", password: "x").token68(charset: .latin1)
        }
        let error = BasicEncodingError.notRepresentableInLatin1(field: .password, characterOffset: 1)
        #expect(!String(describing: error).contains("€"))
        #expect(String(describing: error).contains("password"))
    }

    // MARK: inspection

    static func kinds(_ user: String, _ password: String, _ challenge: Challenge? = noCharset) -> [BasicIssue.Kind] {
        BasicAuth.inspect(user: user, password: password, challenge: challenge).map(\.kind)
    }

    @Test func inspectionCleanCase() {
        #expect(Self.kinds("alice", "correct horse", nil).isEmpty)
    }

    @Test func colonInUserName() {
        let issues = BasicAuth.inspect(user: "dom:alice", password: "pw", challenge: Self.noCharset)
        #expect(issues.map(\.kind) == [.colonInUserName])
        #expect(issues.first?.field == .user)
        #expect(issues.first?.message.contains("RFC 7617") == true)
    }

    @Test func nonASCIIWithoutCharset() {
        #expect(Self.kinds("test", "123£") == [.nonASCIIWithoutCharset])
        #expect(BasicAuth.inspect(user: "test", password: "123£", challenge: Self.noCharset).first?.field == .password)
        #expect(Self.kinds("zoë", "x") == [.nonASCIIWithoutCharset])
        #expect(Self.kinds("zoë", "123£", Self.utf8Charset).isEmpty, "charset=UTF-8 makes non-ASCII well defined")
        #expect(Self.kinds("zoë", "x", nil) == [.nonASCIIWithoutCharset], "no challenge seen: no charset announced")
    }

    @Test func whitespaceAndLineBreaks() {
        #expect(Self.kinds(" alice", "pw") == [.leadingWhitespace])
        #expect(Self.kinds("alice", "pw\t") == [.trailingWhitespace])
        #expect(Self.kinds("alice", "pw\n") == [.lineBreak])
        #expect(Self.kinds("alice", "pw \r\n") == [.trailingWhitespace, .lineBreak])
        #expect(Self.kinds("al\nice", "pw") == [.lineBreak])
        #expect(Self.kinds("alice", "p\u{7}w") == [.controlCharacter])
        #expect(Self.kinds("", "pw") == [.emptyUserName])
        let issues = BasicAuth.inspect(user: "alice ", password: "pw\n", challenge: Self.noCharset)
        #expect(issues.map(\.field) == [.user, .password])
        #expect(issues[0].message.contains("user name"))
        #expect(issues[1].message.contains("password"))
    }

    @Test func everyIssueKindIsReachable() {
        let all = Set(Self.kinds(" a:b\u{1}é", " pw \n")).union(Self.kinds("", "x"))
        #expect(all == Set(BasicIssue.Kind.allCases))
    }

    // MARK: decoding received credentials

    @Test func decodeErrors() {
        #expect(
            BasicAuth.decode(token68: "QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
                == .success(BasicCredentials(user: "Aladdin", password: "open sesame")))
        #expect(BasicAuth.decode(token68: "") == .failure(.empty))
        guard case .failure(.invalidBase64(let error)) = BasicAuth.decode(token68: "QWxh!GRpbg==") else {
            Issue.record("expected a base64 error")
            return
        }
        #expect(error.offset == 4)
        // "QWxhZGRpbg==" = "Aladdin": no colon.
        #expect(BasicAuth.decode(token68: "QWxhZGRpbg==") == .failure(.missingColon(decodedLength: 7)))
        // user "\xFF" : password "x"
        #expect(
            BasicAuth.decode(token68: Base64.encode([0xFF, 0x3A, 0x78]))
                == .failure(.invalidUTF8(field: .user, offset: 0)))
        // Only the first colon splits: the password keeps its colon.
        #expect(
            BasicAuth.decode(token68: "YWxhZGRpbjpvcGVuOnNlc2FtZQ==")
                == .success(BasicCredentials(user: "aladdin", password: "open:sesame")))
        #expect(
            BasicAuth.decode(token68: Base64.encode(Array(":".utf8)))
                == .success(BasicCredentials(user: "", password: "")))
    }

    @Test func decodeAuthorizationValue() {
        #expect(
            BasicAuth.decode(authorization: "basic  QWxhZGRpbjpvcGVuIHNlc2FtZQ== ")
                == .success(BasicCredentials(user: "Aladdin", password: "open sesame")))
        #expect(BasicAuth.decode(authorization: "Bearer abc") == .failure(.notBasic))
        #expect(BasicAuth.decode(authorization: "Basic") == .failure(.empty))
        #expect(BasicAuth.decode(authorization: "Basicx") == .failure(.notBasic))
        #expect(BasicAuth.decode(authorization: "Basic   ") == .failure(.empty))
    }

    // MARK: secrets

    @Test func passwordNeverInDescriptions() throws {
        let password = "hunter2-sécret"
        let credentials = BasicCredentials(user: "alice", password: password)
        var texts = [String(describing: credentials), String(reflecting: credentials), "\(credentials)"]
        let badInputs = [(" alice:x\n", " \(password)\u{1}\n"), ("é", password + " ")]
        for (user, pass) in badInputs {
            for issue in BasicAuth.inspect(user: user, password: pass, challenge: Self.noCharset) {
                texts += [String(describing: issue), issue.message]
            }
        }
        // Decoding failures about a password field.
        let latin1 = try BasicCredentials(user: "alice", password: "pässword").token68(charset: .latin1)
        texts.append(String(describing: BasicAuth.decode(token68: latin1)))
        do {
            _ = try BasicCredentials(user: "alice", password: "€uro-\(password)").token68(charset: .latin1)
        } catch {
            texts.append(String(describing: error))
        }
        for text in texts {
            #expect(!text.contains(password))
            #expect(!text.contains("pässword") && !text.contains("p\u{E4}ssword"))
        }
        #expect(String(describing: credentials) == "alice:****")
    }
}
