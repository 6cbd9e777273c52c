import Crypto
import _CryptoExtras

/// Digest access authentication, client side (RFC 7616, with RFC 2617 / RFC 2069 compatibility).
///
/// Why why401 computes Digest itself: to tell "wrong password" from "right password, wrong
/// computation" (wrong algorithm, qop, nc, uri, userhash…), it has to be able to produce the exact
/// value a conforming client would send, and to expose the intermediate HA1/HA2/response.
/// All hashes come from swift-crypto; SHA-512-256 is the real SHA-512/256 (FIPS 180-4, own IV),
/// not SHA-512 truncated — RFC 7616 §3.9.2 printed values made with the latter (erratum 4897).

/// The `algorithm` parameter values of RFC 7616 §3.3 (IANA "HTTP Digest Hash Algorithms").
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case md5 = "MD5"
    case md5Sess = "MD5-sess"
    case sha256 = "SHA-256"
    case sha256Sess = "SHA-256-sess"
    case sha512_256 = "SHA-512-256"
    case sha512_256Sess = "SHA-512-256-sess"

    /// Parses an `algorithm` value; names are case-insensitive. A missing parameter means MD5
    /// (RFC 7616 §3.3), so pass nil for "absent".
    public init(name: String?) throws(DigestError) {
        guard let name else {
            self = .md5
            return
        }
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
            throw .unknownAlgorithm(name)
        }
        self = match
    }

    /// The name as RFC 7616 spells it.
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// `-sess` variants hash HA1 again with nonce and cnonce (RFC 7616 §3.4.2).
    public var isSession: Bool {
        switch self {
        case .md5Sess, .sha256Sess, .sha512_256Sess: true
        default: false
        }
    }

    /// Preference order when a server offers several (RFC 7616 §3.7: clients SHOULD use the
    /// strongest they support). A `-sess` variant ranks with its hash.
    public var strength: Int {
        switch self {
        case .md5, .md5Sess: 1
        case .sha256, .sha256Sess: 2
        case .sha512_256, .sha512_256Sess: 3
        }
    }

    /// Lower-case hex of H(bytes).
    public func hash<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let data = Array(bytes)
        switch self {
        case .md5, .md5Sess: return DigestAuth.hex(Insecure.MD5.hash(data: data))
        case .sha256, .sha256Sess: return DigestAuth.hex(SHA256.hash(data: data))
        case .sha512_256, .sha512_256Sess: return DigestAuth.hex(SHA512256.hash(data: data))
        }
    }

    /// H(text) over its UTF-8 octets.
    public func hash(_ text: String) -> String { hash(Array(text.utf8)) }
}

/// Quality of protection (RFC 7616 §3.3). `auth-int` also covers the entity body.
public enum DigestQop: String, Sendable, Hashable, CaseIterable {
    case auth = "auth"
    case authInt = "auth-int"
}

/// Why a Digest challenge cannot be answered. Never carries a password.
public enum DigestError: Error, Sendable, Hashable, CustomStringConvertible {
    case notDigest(scheme: String)
    case unknownAlgorithm(String)
    case missingParameter(String)
    /// The server's `qop` list has neither `auth` nor `auth-int`.
    case unsupportedQop([String])
    /// `-sess` needs a cnonce, which only exists with a qop (RFC 7616 §3.4.2).
    case sessionAlgorithmWithoutQop(DigestAlgorithm)
    case unwritable(AuthHeaderWriter.WriteError)

    public var description: String {
        switch self {
        case let .notDigest(scheme): "the challenge uses scheme \"\(scheme)\", not Digest"
        case let .unknownAlgorithm(name):
            "unknown Digest algorithm \"\(name)\" (supported: \(DigestAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .missingParameter(name): "the Digest challenge has no \"\(name)\" parameter, which RFC 7616 §3.3 requires"
        case let .unsupportedQop(values): "the Digest challenge offers qop \"\(values.joined(separator: ", "))\" but only auth and auth-int exist"
        case let .sessionAlgorithmWithoutQop(algorithm): "algorithm \(algorithm.rawValue) needs a cnonce, but the challenge offers no qop"
        case let .unwritable(error): error.description
        }
    }
}

/// A `WWW-Authenticate: Digest …` challenge, validated and typed.
public struct DigestChallenge: Sendable, Hashable {
    /// The challenge as received.
    public var challenge: Challenge
    public var realm: String
    public var nonce: String
    public var opaque: String?
    public var algorithm: DigestAlgorithm
    /// Whether the server wrote `algorithm=` at all; if not, we do not send it either (RFC 2069 servers).
    public var algorithmWasSent: Bool
    /// The offered `qop` values, lower-cased, in server order; empty = no qop (RFC 2069 mode).
    public var qopOptions: [String]
    /// `stale=true`: the password was right, only the nonce expired — retry with the new nonce.
    public var isStale: Bool
    /// `userhash=true` (RFC 7616 §3.4.4): send H(user:realm) instead of the user name.
    public var userhash: Bool
    /// `charset=UTF-8` announced (RFC 7616 §3.3).
    public var charsetUTF8: Bool

    public init(_ challenge: Challenge) throws(DigestError) {
        guard challenge.isScheme("Digest") else { throw .notDigest(scheme: challenge.scheme) }
        guard let realm = challenge.realm else { throw .missingParameter("realm") }
        guard let nonce = challenge[parameter: "nonce"] else { throw .missingParameter("nonce") }
        self.challenge = challenge
        self.realm = realm
        self.nonce = nonce
        self.opaque = challenge[parameter: "opaque"]
        let algorithmName = challenge[parameter: "algorithm"]
        self.algorithm = try DigestAlgorithm(name: algorithmName)
        self.algorithmWasSent = algorithmName != nil
        self.qopOptions = (challenge[parameter: "qop"] ?? "")
            .split(separator: ",")
            .map { $0.trimmingOWS.lowercased() }
            .filter { !$0.isEmpty }
        self.isStale = challenge[parameter: "stale"]?.lowercased() == "true"
        self.userhash = challenge[parameter: "userhash"]?.lowercased() == "true"
        self.charsetUTF8 = challenge[parameter: "charset"]?.lowercased() == "utf-8"
    }

    /// The qop to use: `auth` when offered, unless body integrity is asked for and `auth-int` is
    /// offered; nil when the server offered no qop (RFC 2069 compatibility).
    public func selectQop(bodyIntegrity: Bool = false) throws(DigestError) -> DigestQop? {
        if qopOptions.isEmpty { return nil }
        let offersAuth = qopOptions.contains("auth")
        let offersAuthInt = qopOptions.contains("auth-int")
        if bodyIntegrity && offersAuthInt { return .authInt }
        if offersAuth { return .auth }
        if offersAuthInt { return .authInt }
        throw .unsupportedQop(qopOptions)
    }
}

/// The result of answering one Digest challenge: the header value and its ingredients.
/// `description` masks the response (it is a password-equivalent for replay within the nonce).
public struct DigestAuthorization: Sendable, Hashable, CustomStringConvertible {
    /// The full `Authorization` field value, `Digest username="…", …`.
    public var headerValue: String
    public var algorithm: DigestAlgorithm
    public var qop: DigestQop?
    /// Eight lower-case hex digits, nil without qop.
    public var nc: String?
    public var cnonce: String?
    public var ha1: String
    public var ha2: String
    public var response: String
    /// H(user:realm) when userhash is in use.
    public var usernameHash: String?

    public var description: String {
        "DigestAuthorization(algorithm: \(algorithm), qop: \(qop?.rawValue ?? "none"), nc: \(nc ?? "none"), response: ****)"
    }
}

public enum DigestAuth {
    /// HA1 = H(user:realm:password); for `-sess`, H(H(user:realm:password):nonce:cnonce).
    /// Always the plain user name, even with userhash (RFC 7616 §3.4.4).
    public static func ha1(algorithm: DigestAlgorithm, username: String, realm: String, password: String,
                           nonce: String, cnonce: String?) -> String {
        let base = algorithm.hash("\(username):\(realm):\(password)")
        guard algorithm.isSession else { return base }
        return algorithm.hash("\(base):\(nonce):\(cnonce ?? "")")
    }

    /// HA2 = H(method:uri), or H(method:uri:H(body)) for auth-int.
    public static func ha2(algorithm: DigestAlgorithm, method: String, uri: String, qop: DigestQop?, body: [UInt8] = []) -> String {
        if qop == .authInt {
            return algorithm.hash("\(method):\(uri):\(algorithm.hash(body))")
        }
        return algorithm.hash("\(method):\(uri)")
    }

    /// response = H(HA1:nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2) without qop (RFC 2069).
    public static func response(algorithm: DigestAlgorithm, ha1: String, nonce: String, nc: String?,
                                cnonce: String?, qop: DigestQop?, ha2: String) -> String {
        guard let qop else { return algorithm.hash("\(ha1):\(nonce):\(ha2)") }
        return algorithm.hash("\(ha1):\(nonce):\(nc ?? ""):\(cnonce ?? ""):\(qop.rawValue):\(ha2)")
    }

    /// The `username` value under userhash: H(user:realm) (RFC 7616 §3.4.4).
    public static func userhash(algorithm: DigestAlgorithm, username: String, realm: String) -> String {
        algorithm.hash("\(username):\(realm)")
    }

    /// nc as RFC 7616 §3.4 wants it: 8 hex digits (lower case, as in the RFC's examples).
    public static func formatNonceCount(_ count: UInt32) -> String {
        let digits = String(count, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// A fresh client nonce: 16 random bytes, hex. Injectable generator so tests are repeatable.
    public static func makeCnonce<R: RandomNumberGenerator>(using generator: inout R) -> String {
        var bytes: [UInt8] = []
        for _ in 0..<16 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        return hex(bytes)
    }

    /// A fresh client nonce from the system's CSPRNG.
    public static func makeCnonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return makeCnonce(using: &generator)
    }

    /// Whether this challenge asks for a retry with a new nonce only (`stale=true`): the previous
    /// credentials were right, so a 401 with stale=true is not a wrong password.
    public static func isStaleRetry(_ challenge: Challenge) -> Bool {
        challenge.isScheme("Digest") && challenge[parameter: "stale"]?.lowercased() == "true"
    }

    /// Among the Digest challenges (other schemes ignored), the one to answer: the strongest
    /// supported algorithm (SHA-512-256 > SHA-256 > MD5), the server's first on a tie. Challenges
    /// with an unknown algorithm or missing realm/nonce are skipped. Nil if none is usable.
    public static func preferredChallenge(_ challenges: [Challenge]) -> Challenge? {
        var best: (challenge: Challenge, strength: Int)? = nil
        for challenge in challenges {
            guard let digest = try? DigestChallenge(challenge) else { continue }
            if best == nil || digest.algorithm.strength > best!.strength {
                best = (challenge, digest.algorithm.strength)
            }
        }
        return best?.challenge
    }

    /// Answers one challenge. `nc` is the request count for this nonce (1 for the first).
    /// `bodyIntegrity` asks for auth-int when offered; `body` is hashed only for auth-int.
    public static func authorize(challenge: DigestChallenge, username: String, password: String,
                                 method: String, uri: String, body: [UInt8] = [], bodyIntegrity: Bool = false,
                                 nonceCount: UInt32 = 1, cnonce: String? = nil) throws(DigestError) -> DigestAuthorization {
        let algorithm = challenge.algorithm
        let qop = try challenge.selectQop(bodyIntegrity: bodyIntegrity)
        if qop == nil && algorithm.isSession { throw .sessionAlgorithmWithoutQop(algorithm) }
        let nc = qop == nil ? nil : formatNonceCount(nonceCount)
        let cnonce = qop == nil ? nil : (cnonce ?? makeCnonce())

        let ha1 = ha1(algorithm: algorithm, username: username, realm: challenge.realm, password: password,
                      nonce: challenge.nonce, cnonce: cnonce)
        let ha2 = ha2(algorithm: algorithm, method: method, uri: uri, qop: qop, body: body)
        let response = response(algorithm: algorithm, ha1: ha1, nonce: challenge.nonce, nc: nc, cnonce: cnonce, qop: qop, ha2: ha2)
        let usernameHash = challenge.userhash ? userhash(algorithm: algorithm, username: username, realm: challenge.realm) : nil

        // Order and quoting as in RFC 7616 §3.4 / the §3.9.1 example.
        var parts: [String] = []
        do {
            if let usernameHash {
                parts.append(try AuthHeaderWriter.parameter("username", usernameHash, quoted: true))
            } else if needsExtendedUsername(username) {
                // RFC 7616 §3.4: a name a quoted-string cannot carry goes as username* (RFC 8187).
                parts.append("username*=" + AuthHeaderWriter.extValue(username))
            } else {
                parts.append(try AuthHeaderWriter.parameter("username", username, quoted: true))
            }
            parts.append(try AuthHeaderWriter.parameter("realm", challenge.realm, quoted: true))
            parts.append(try AuthHeaderWriter.parameter("uri", uri, quoted: true))
            if challenge.algorithmWasSent { parts.append("algorithm=\(algorithm.rawValue)") }
            parts.append(try AuthHeaderWriter.parameter("nonce", challenge.nonce, quoted: true))
            if let qop, let nc, let cnonce {
                parts.append("nc=\(nc)")
                parts.append(try AuthHeaderWriter.parameter("cnonce", cnonce, quoted: true))
                parts.append("qop=\(qop.rawValue)")
            }
            parts.append(try AuthHeaderWriter.parameter("response", response, quoted: true))
            if let opaque = challenge.opaque {
                parts.append(try AuthHeaderWriter.parameter("opaque", opaque, quoted: true))
            }
            if usernameHash != nil { parts.append("userhash=true") }
        } catch {
            throw .unwritable(error)
        }
        return DigestAuthorization(headerValue: "Digest " + parts.joined(separator: ", "), algorithm: algorithm,
                                   qop: qop, nc: nc, cnonce: cnonce, ha1: ha1, ha2: ha2, response: response,
                                   usernameHash: usernameHash)
    }

    /// Whether a user name must go as `username*`: non-ASCII (a quoted-string has no charset)
    /// or a control character (a quoted-string cannot hold it at all).
    public static func needsExtendedUsername(_ username: String) -> Bool {
        username.utf8.contains(where: { $0 >= 0x80 || ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F })
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A Digest client for one protection space: keeps the nonce and counts requests made with it.
///
/// Why a stateful value: servers that check `nc` reject a repeated count as a replay, so every
/// request with the same nonce must send the next count; a new nonce (e.g. after `stale=true`)
/// starts again at 00000001. `description` never shows the password.
public struct DigestSession: Sendable, CustomStringConvertible {
    public var username: String
    private var password: String
    public private(set) var challenge: DigestChallenge
    /// Requests already answered with the current nonce.
    public private(set) var nonceCount: UInt32 = 0
    /// Ask for auth-int when the server offers it.
    public var bodyIntegrity: Bool

    public init(username: String, password: String, challenge: DigestChallenge, bodyIntegrity: Bool = false) {
        self.username = username
        self.password = password
        self.challenge = challenge
        self.bodyIntegrity = bodyIntegrity
    }

    public init(username: String, password: String, challenge: Challenge, bodyIntegrity: Bool = false) throws(DigestError) {
        self.init(username: username, password: password, challenge: try DigestChallenge(challenge), bodyIntegrity: bodyIntegrity)
    }

    /// Takes a new challenge (a 401 or `stale=true`). The count restarts only if the nonce changed.
    public mutating func update(challenge newChallenge: DigestChallenge) {
        if newChallenge.nonce != challenge.nonce { nonceCount = 0 }
        challenge = newChallenge
    }

    public mutating func update(challenge newChallenge: Challenge) throws(DigestError) {
        update(challenge: try DigestChallenge(newChallenge))
    }

    /// Takes a fresh nonce from `Authentication-Info: nextnonce=…` (RFC 7616 §3.5).
    public mutating func update(nextNonce: String) {
        var next = challenge
        next.nonce = nextNonce
        next.isStale = false
        update(challenge: next)
    }

    /// The `Authorization` for the next request; increments nc. `cnonce` nil = random.
    public mutating func authorize(method: String, uri: String, body: [UInt8] = [], cnonce: String? = nil) throws(DigestError) -> DigestAuthorization {
        let result = try DigestAuth.authorize(challenge: challenge, username: username, password: password,
                                              method: method, uri: uri, body: body, bodyIntegrity: bodyIntegrity,
                                              nonceCount: nonceCount + 1, cnonce: cnonce)
        nonceCount += 1
        return result
    }

    public var description: String {
        "DigestSession(user: \(username), password: ****, realm: \(challenge.realm), algorithm: \(challenge.algorithm), nc: \(nonceCount))"
    }
}
