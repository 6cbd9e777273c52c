import FoundationEssentials
import HTTPAuth

/// A JSON value as decoded from a token part. Kept generic: claims are open-ended.
public indirect enum JSONScalarTree: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONScalarTree])
    case object([String: JSONScalarTree])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? container.decode(Double.self) {
            self = .number(n)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONScalarTree].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: JSONScalarTree].self))
        }
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var number: Double? { if case .number(let n) = self { n } else { nil } }
    /// `aud` may be a string or an array of strings (RFC 7519 §4.1.3).
    public var strings: [String] {
        switch self {
        case .string(let s): [s]
        case .array(let items): items.compactMap(\.string)
        default: []
        }
    }
}

/// A JWT decoded without verifying its signature: enough to tell expired from not-yet-valid from
/// wrong audience before anyone has a key. The signature bytes are never kept (they are a secret's
/// fingerprint and of no use without the key).
public struct DecodedJWT: Sendable, Hashable {
    public var header: [String: JSONScalarTree]
    public var claims: [String: JSONScalarTree]

    public var algorithm: String? { header["alg"]?.string }
    public var keyID: String? { header["kid"]?.string }
    /// Seconds since the epoch (RFC 7519 NumericDate; fractions allowed).
    public var expiresAt: Double? { claims["exp"]?.number }
    public var notBefore: Double? { claims["nbf"]?.number }
    public var issuedAt: Double? { claims["iat"]?.number }
    public var audience: [String] { claims["aud"]?.strings ?? [] }
    public var issuer: String? { claims["iss"]?.string }
    public var subject: String? { claims["sub"]?.string }
}

/// Why a token could not be decoded as a JWS compact serialization.
public enum JWTDecodeFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// No dots at all: an opaque token (reference token, API key); claims cannot be read.
    case opaque
    /// Five parts whose protected header is a JSON object with `enc`: an encrypted JWE (RFC 7516
    /// §9); only the recipient can read it.
    case encrypted
    /// Dots, but no part where a JWT has JSON (header, claims) is a base64url JSON object — `....`,
    /// `abc.def.ghi`, a dotted API key: not a JWT at all, rather than a broken one.
    case notJWT(parts: Int)
    /// Three parts expected; got this many.
    case wrongPartCount(Int)
    /// A part is not base64url.
    case badBase64(part: String, offset: Int)
    /// A part is not a JSON object.
    case badJSON(part: String)
    /// Larger than any sane token; refused before decoding.
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .opaque: "an opaque token (no dots): not a JWT"
        case .encrypted: "a JWE (5 parts): encrypted, claims cannot be read"
        case .notJWT(let n): "\(n) dot-separated parts, none of them a base64url JSON object: not a JWT"
        case .wrongPartCount(let n): "\(n) dot-separated parts; a JWT has 3"
        case .badBase64(let part, let offset): "the \(part) is not base64url (byte \(offset))"
        case .badJSON(let part): "the \(part) is not a JSON object"
        case .tooLarge(let n): "\(n) bytes: too large for a token"
        }
    }
}

public enum JWT {
    /// Tokens larger than this are refused (real ones are a few KB; 1 MB inputs must not cost much).
    public static let maximumLength = 256 * 1024

    /// Decodes header and claims without verification.
    public static func decode(_ token: String) -> Result<DecodedJWT, JWTDecodeFailure> {
        if token.utf8.count > maximumLength { return .failure(.tooLarge(token.utf8.count)) }
        // A token read from a file often ends in a newline; that is `credentials.whitespace`'s business.
        let trimmed = String(token.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 1 { return .failure(.opaque) }
        let header = object(parts[0], name: "header")
        // A JWE is recognised by its protected header (RFC 7516 §9: it has `enc`), not by counting
        // dots: `....` is five empty parts, not an encrypted token.
        if parts.count == 5, case .success(let fields) = header, fields["enc"]?.string != nil {
            return .failure(.encrypted)
        }
        let claims = object(parts[1], name: "claims")
        switch (header, claims) {
        case (.failure, .failure): return .failure(.notJWT(parts: parts.count))
        case (.success(let header), .success(let claims)) where parts.count == 3:
            return .success(DecodedJWT(header: header, claims: claims))
        case _ where parts.count != 3: return .failure(.wrongPartCount(parts.count))
        case (.failure(let error), _), (_, .failure(let error)): return .failure(error)
        default: return .failure(.wrongPartCount(parts.count))
        }
    }

    private static func object(_ part: String, name: String) -> Result<[String: JSONScalarTree], JWTDecodeFailure> {
        switch Base64.decodeReportingError(part, url: true) {
        case .failure(let error):
            return .failure(.badBase64(part: name, offset: error.offset))
        case .success(let bytes):
            guard let object = try? JSONDecoder().decode([String: JSONScalarTree].self, from: Data(bytes)) else {
                return .failure(.badJSON(part: name))
            }
            return .success(object)
        }
    }
}
