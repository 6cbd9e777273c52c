import Crypto
import HTTPAuth
import _CryptoExtras

// Digest computation (RFC 7616): the hashes and the `Authorization` value a conforming client sends,
// with the intermediate HA1/HA2/response exposed — why401 computes Digest itself to tell "wrong
// password" from "right password, wrong computation". Apart from the grammar in `HTTPAuth` because
// it is the one part that needs cryptography. All hashes come from swift-crypto; SHA-512-256 is the
// real SHA-512/256 (FIPS 180-4, own IV), not SHA-512 truncated — RFC 7616 §3.9.2 printed values
// made with the latter (erratum 4897).

extension DigestAlgorithm {
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

extension DigestAuth {
    /// HA1 = H(user:realm:password); for `-sess`, H(H(user:realm:password):nonce:cnonce).
    /// Always the plain user name, even with userhash (RFC 7616 §3.4.4).
    public static func ha1(
        algorithm: DigestAlgorithm, username: String, realm: String, password: String,
        nonce: String, cnonce: String?
    ) -> String {
        let base = algorithm.hash("\(username):\(realm):\(password)")
        guard algorithm.isSession else { return base }
        return algorithm.hash("\(base):\(nonce):\(cnonce ?? "")")
    }

    /// HA2 = H(method:uri), or H(method:uri:H(body)) for auth-int.
    public static func ha2(algorithm: DigestAlgorithm, method: String, uri: String, qop: DigestQop?, body: [UInt8] = [])
        -> String
    {
        if qop == .authInt {
            return algorithm.hash("\(method):\(uri):\(algorithm.hash(body))")
        }
        return algorithm.hash("\(method):\(uri)")
    }

    /// response = H(HA1:nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2) without qop (RFC 2069).
    public static func response(
        algorithm: DigestAlgorithm, ha1: String, nonce: String, nc: String?,
        cnonce: String?, qop: DigestQop?, ha2: String
    ) -> String {
        guard let qop else { return algorithm.hash("\(ha1):\(nonce):\(ha2)") }
        return algorithm.hash("\(ha1):\(nonce):\(nc ?? ""):\(cnonce ?? ""):\(qop.rawValue):\(ha2)")
    }

    /// The `username` value under userhash: H(user:realm) (RFC 7616 §3.4.4).
    public static func userhash(algorithm: DigestAlgorithm, username: String, realm: String) -> String {
        algorithm.hash("\(username):\(realm)")
    }

    /// Answers one challenge. `nc` is the request count for this nonce (1 for the first).
    /// `bodyIntegrity` asks for auth-int when offered; `body` is hashed only for auth-int.
    public static func authorize(
        challenge: DigestChallenge, username: String, password: String,
        method: String, uri: String, body: [UInt8] = [], bodyIntegrity: Bool = false,
        nonceCount: UInt32 = 1, cnonce: String? = nil
    ) throws(DigestError) -> DigestAuthorization {
        let algorithm = challenge.algorithm
        let qop = try challenge.selectQop(bodyIntegrity: bodyIntegrity)
        if qop == nil && algorithm.isSession { throw .sessionAlgorithmWithoutQop(algorithm) }
        let nc = qop == nil ? nil : formatNonceCount(nonceCount)
        let cnonce = qop == nil ? nil : (cnonce ?? makeCnonce())

        let ha1 = ha1(
            algorithm: algorithm, username: username, realm: challenge.realm, password: password,
            nonce: challenge.nonce, cnonce: cnonce)
        let ha2 = ha2(algorithm: algorithm, method: method, uri: uri, qop: qop, body: body)
        let response = response(
            algorithm: algorithm, ha1: ha1, nonce: challenge.nonce, nc: nc, cnonce: cnonce, qop: qop, ha2: ha2)
        let usernameHash =
            challenge.userhash ? userhash(algorithm: algorithm, username: username, realm: challenge.realm) : nil

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
        return DigestAuthorization(
            headerValue: "Digest " + parts.joined(separator: ", "), algorithm: algorithm,
            qop: qop, nc: nc, cnonce: cnonce, ha1: ha1, ha2: ha2, response: response,
            usernameHash: usernameHash)
    }
}

/// A Digest client for one protection space: keeps the nonce and counts requests made with it.
///
/// Why a stateful value: servers that check `nc` reject a repeated count as a replay, so every
/// request with the same nonce must send the next count; a new nonce (e.g. after `stale=true`)
/// starts again at 00000001. `description` never shows the password.
public struct DigestSession: Sendable, CustomStringConvertible {
    /// The user name every response is computed for (sent as `username*` or hashed when the challenge asks).
    public var username: String
    private var password: String
    /// The challenge currently answered; replaced through `update(challenge:)` or `update(nextNonce:)`.
    public private(set) var challenge: DigestChallenge
    /// Requests already answered with the current nonce.
    public private(set) var nonceCount: UInt32 = 0
    /// Ask for auth-int when the server offers it.
    public var bodyIntegrity: Bool

    /// Starts a session on an already validated challenge, with the nonce count at zero.
    public init(username: String, password: String, challenge: DigestChallenge, bodyIntegrity: Bool = false) {
        self.username = username
        self.password = password
        self.challenge = challenge
        self.bodyIntegrity = bodyIntegrity
    }

    /// Starts a session on a parsed challenge, validating it first; throws the `DigestError` that makes it
    /// unanswerable.
    public init(username: String, password: String, challenge: Challenge, bodyIntegrity: Bool = false)
        throws(DigestError)
    {
        self.init(
            username: username, password: password, challenge: try DigestChallenge(challenge),
            bodyIntegrity: bodyIntegrity)
    }

    /// Takes a new challenge (a 401 or `stale=true`). The count restarts only if the nonce changed.
    public mutating func update(challenge newChallenge: DigestChallenge) {
        if newChallenge.nonce != challenge.nonce { nonceCount = 0 }
        challenge = newChallenge
    }

    /// Takes a new parsed challenge, validating it first; the count restarts only if the nonce changed.
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
    public mutating func authorize(method: String, uri: String, body: [UInt8] = [], cnonce: String? = nil)
        throws(DigestError) -> DigestAuthorization
    {
        let result = try DigestAuth.authorize(
            challenge: challenge, username: username, password: password,
            method: method, uri: uri, body: body, bodyIntegrity: bodyIntegrity,
            nonceCount: nonceCount + 1, cnonce: cnonce)
        nonceCount += 1
        return result
    }

    /// User, realm, algorithm and nonce count, with the password masked.
    public var description: String {
        """
        DigestSession(user: \(username), password: ****, realm: \(challenge.realm), algorithm: \
        \(challenge.algorithm), nc: \(nonceCount))
        """
    }
}
