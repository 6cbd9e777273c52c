import Crypto
import HTTPAuth
import TextEscaping

// The lab's JWTs: HS256 with the published demo key `LabScenarios.jwtSecret`, so that
// `why401 jwt TOKEN --secret why401-lab-secret` can verify them. HMAC is built on HTTPAuth's
// SHA-256 (RFC 2104), so Lab needs no crypto dependency of its own.
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

enum LabJWT {
    static let issuer = "why401-lab"
    static let audience = "why401-lab"

    struct Claims: Decodable, Sendable {
        var sub: String?
        var scope: String?
        var iat: Int?
        var nbf: Int?
        var exp: Int?
        var iss: String?
        var aud: String?
    }

    struct Header: Decodable {
        var alg: String?
        var typ: String?
    }

    enum Verdict: Sendable, Equatable {
        case valid(scopes: [String])
        /// Not three base64url parts, or the header/payload are not JSON.
        case malformed(String)
        case wrongAlgorithm(String)
        case badSignature
        case expired(secondsAgo: Int)
        case notYetValid(secondsAhead: Int)
    }

    /// A compact HS256 JWT. Claim order is fixed so tokens are reproducible.
    static func mint(
        subject: String, scope: String, issuedAt: Int, notBefore: Int, expires: Int,
        issuer: String = LabJWT.issuer, secret: String = LabScenarios.jwtSecret
    ) -> String {
        let header = #"{"alg":"HS256","typ":"JWT"}"#
        let payload = #"""
            {"iss":\#(JSONString.literal(issuer)),"sub":"\#(subject)","aud":"\#(audience)","scope":"\#(scope)",\#
            "iat":\#(issuedAt),"nbf":\#(notBefore),"exp":\#(expires)}
            """#
        let signingInput =
            Base64.encode(Array(header.utf8), url: true, padding: false) + "."
            + Base64.encode(Array(payload.utf8), url: true, padding: false)
        let signature = hmacSHA256(key: Array(secret.utf8), message: Array(signingInput.utf8))
        return signingInput + "." + Base64.encode(signature, url: true, padding: false)
    }

    /// The lab's ES256 signing key, published in `/.well-known/jwks.json` under `es256KeyID`. Fixed
    /// bytes: a demo key, public on purpose, so scenario tokens are reproducible.
    static let es256KeyID = "lab-es256"
    static let es256Key = try! P256.Signing.PrivateKey(rawRepresentation: Array(repeating: 0x2A, count: 31) + [0x01])
    /// A key the lab does NOT publish: tokens it signs carry the lab's kid but fail verification.
    static let rogueES256Key = try! P256.Signing.PrivateKey(
        rawRepresentation: Array(repeating: 0x5C, count: 31) + [0x02])

    /// A compact ES256 JWT with the lab's kid, signed by `key` (JWS: r‖s, RFC 7518 §3.4).
    static func mintES256(
        subject: String, scope: String, issuedAt: Int, notBefore: Int, expires: Int, issuer: String,
        key: P256.Signing.PrivateKey = es256Key
    ) -> String {
        let header = #"{"alg":"ES256","typ":"JWT","kid":"\#(es256KeyID)"}"#
        let payload = #"""
            {"iss":\#(JSONString.literal(issuer)),"sub":"\#(subject)","aud":"\#(audience)","scope":"\#(scope)",\#
            "iat":\#(issuedAt),"nbf":\#(notBefore),"exp":\#(expires)}
            """#
        let signingInput =
            Base64.encode(Array(header.utf8), url: true, padding: false) + "."
            + Base64.encode(Array(payload.utf8), url: true, padding: false)
        let signature = (try? key.signature(for: Array(signingInput.utf8)).rawRepresentation).map(Array.init) ?? []
        return signingInput + "." + Base64.encode(signature, url: true, padding: false)
    }

    /// The published JWKS: the ES256 public key as an RFC 7518 §6.2 EC JWK.
    static var jwksJSON: String {
        let point = Array(es256Key.publicKey.x963Representation)  // 0x04 ‖ x ‖ y
        let x = Base64.encode(point[1...32], url: true, padding: false)
        let y = Base64.encode(point[33...64], url: true, padding: false)
        return #"""
            {"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)",\#
            "kid":"\#(es256KeyID)","alg":"ES256","use":"sig"}]}
            """#
    }

    /// Checks signature, `nbf` and `exp` against `now` (seconds since 1970) like a resource server.
    static func verify(_ token: String, now: Int, secret: String = LabScenarios.jwtSecret, leeway: Int = 30) -> Verdict
    {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .malformed("not a JWT (expected three dot-separated parts)") }
        guard case .success(let headerBytes) = Base64.decodeReportingError(String(parts[0]), url: true),
            case .success(let payloadBytes) = Base64.decodeReportingError(String(parts[1]), url: true),
            case .success(let signature) = Base64.decodeReportingError(String(parts[2]), url: true)
        else { return .malformed("a JWT part is not base64url") }
        let decoder = JSONDecoder()
        guard let header = try? decoder.decode(Header.self, from: Data(headerBytes)),
            let claims = try? decoder.decode(Claims.self, from: Data(payloadBytes))
        else { return .malformed("the JWT header or payload is not a JSON object") }
        let signingInput = Array("\(parts[0]).\(parts[1])".utf8)
        switch header.alg {
        case "HS256":
            let expected = hmacSHA256(key: Array(secret.utf8), message: signingInput)
            guard constantTimeEqual(expected, signature) else { return .badSignature }
        case "ES256":
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
                es256Key.publicKey.isValidSignature(ecdsa, for: signingInput)
            else { return .badSignature }
        default:
            return .wrongAlgorithm(header.alg ?? "(none)")
        }
        if let nbf = claims.nbf, nbf > now + leeway { return .notYetValid(secondsAhead: nbf - now) }
        if let exp = claims.exp, exp + leeway <= now { return .expired(secondsAgo: now - exp) }
        let scopes = (claims.scope ?? "").split(separator: " ").map(String.init)
        return .valid(scopes: scopes)
    }

    /// HMAC-SHA-256, from swift-crypto (no hand-written cryptography).
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
