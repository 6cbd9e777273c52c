import CredentialModel
import Testing

@testable import Credentials

@Suite struct JWTDecodeTests {
    /// The well-known example token from RFC 7519 tooling (HS256, sub 1234567890, iat 1516239022).
    static let example = [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ].joined(separator: ".")

    @Test func decodesHeaderAndClaims() throws {
        let jwt = try JWT.decode(Self.example).get()
        #expect(jwt.algorithm == "HS256")
        #expect(jwt.subject == "1234567890")
        #expect(jwt.issuedAt == 1_516_239_022)
        #expect(jwt.expiresAt == nil)
        #expect(jwt.claims["name"]?.string == "John Doe")
    }

    @Test func trailingNewlineIsTolerated() throws {
        #expect(try JWT.decode(Self.example + "\n").get().subject == "1234567890")
    }

    @Test(arguments: [
        ("opaque-token-value", JWTDecodeFailure.opaque),
        // A JWE is five parts whose protected header has `enc`; five parts alone are not one.
        ("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", JWTDecodeFailure.encrypted),
        ("a.b.c.d.e", JWTDecodeFailure.notJWT(parts: 5)),
        ("....", JWTDecodeFailure.notJWT(parts: 5)),
        ("eyJhbGciOiJIUzI1NiJ9.e30.x.y.z", JWTDecodeFailure.wrongPartCount(5)),  // a JWS header, no enc
        ("a.b", JWTDecodeFailure.notJWT(parts: 2)),
        ("..", JWTDecodeFailure.notJWT(parts: 3)),
        ("abc.def.ghi", JWTDecodeFailure.notJWT(parts: 3)),
        ("e30.e30", JWTDecodeFailure.wrongPartCount(2)),
        ("e$$.e30.x", JWTDecodeFailure.badBase64(part: "header", offset: 1)),
        ("bm90anNvbg.e30.x", JWTDecodeFailure.badJSON(part: "header")),
        ("e30.WzFd.x", JWTDecodeFailure.badJSON(part: "claims")),
    ])
    func failures(token: String, expected: JWTDecodeFailure) {
        guard case .failure(let failure) = JWT.decode(token) else {
            Issue.record("\(token) decoded")
            return
        }
        #expect(failure == expected)
    }

    @Test func audienceStringOrArray() throws {
        // {"alg":"none"} . {"aud":["a","b"],"exp":1.5}
        let jwt = try JWT.decode("eyJhbGciOiJub25lIn0.eyJhdWQiOlsiYSIsImIiXSwiZXhwIjoxLjV9.").get()
        #expect(jwt.audience == ["a", "b"])
        #expect(jwt.expiresAt == 1.5)
    }

    @Test func hostileInputs() {
        #expect(JWT.decode(String(repeating: "a", count: 1_000_000)) == .failure(.tooLarge(1_000_000)))
        let nested = String(repeating: "[", count: 5000)
        let part = Array(nested.utf8)
        // 5000 nested arrays where the claims object should be: not an object, said so.
        #expect(JWT.decode("e30." + base64url(part) + ".x") == .failure(.badJSON(part: "claims")))
        // Invalid UTF-8 and a NUL have no dots: opaque; two dots and nothing else: not a JWT.
        #expect(JWT.decode(String(decoding: [0xFF, 0xFE], as: UTF8.self)) == .failure(.opaque))
        #expect(JWT.decode(String(decoding: [0x00], as: UTF8.self)) == .failure(.opaque))
        #expect(JWT.decode("..") == .failure(.notJWT(parts: 3)))
    }

    private func base64url(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i])
            let b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(table[b0 >> 2])
            out.append(table[(b0 & 3) << 4 | b1 >> 4])
            if i + 1 < bytes.count { out.append(table[(b1 & 15) << 2 | b2 >> 6]) }
            if i + 2 < bytes.count { out.append(table[b2 & 63]) }
            i += 3
        }
        return out
    }
}
