/// Digest access authentication, client side (RFC 7616, with RFC 2617 / RFC 2069 compatibility).
///
/// Why why401 computes Digest itself: to tell "wrong password" from "right password, wrong
/// computation" (wrong algorithm, qop, nc, uri, userhash…), it has to be able to produce the exact
/// value a conforming client would send, and to expose the intermediate HA1/HA2/response.
/// This module holds the grammar and the choices (algorithm, qop, which challenge to answer); the
/// hashing — HA1, HA2, response, `authorize`, `DigestSession` — is in `HTTPDigest`, so that code which
/// only reads challenges (the shared evidence model) does not link a cryptography library.

/// The `algorithm` parameter values of RFC 7616 §3.3 (IANA "HTTP Digest Hash Algorithms").
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// MD5, the RFC 2617 default when `algorithm` is absent; still what most servers offer.
    case md5 = "MD5"
    /// MD5 with the session variant of HA1 (hashed again with nonce and cnonce).
    case md5Sess = "MD5-sess"
    /// SHA-256 (RFC 7616), the algorithm modern servers should offer first.
    case sha256 = "SHA-256"
    /// SHA-256 with the session variant of HA1.
    case sha256Sess = "SHA-256-sess"
    /// SHA-512/256 (RFC 7616), the strongest registered algorithm.
    case sha512_256 = "SHA-512-256"
    /// SHA-512/256 with the session variant of HA1.
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
    /// The RFC spelling (`SHA-256`), as in `name`.
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
}

/// Quality of protection (RFC 7616 §3.3). `auth-int` also covers the entity body.
public enum DigestQop: String, Sendable, Hashable, CaseIterable {
    /// Authentication only: the request line and credentials are covered, the body is not.
    case auth = "auth"
    /// Authentication with integrity: HA2 also hashes the entity body.
    case authInt = "auth-int"
}

/// Why a Digest challenge cannot be answered. Never carries a password.
public enum DigestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The challenge is another scheme (`scheme` as the server wrote it).
    case notDigest(scheme: String)
    /// The `algorithm` value is not one RFC 7616 registers (the value as the server wrote it).
    case unknownAlgorithm(String)
    /// A parameter RFC 7616 §3.3 requires (`realm`, `nonce`) is absent; the associated value names it.
    case missingParameter(String)
    /// The server's `qop` list has neither `auth` nor `auth-int`.
    case unsupportedQop([String])
    /// `-sess` needs a cnonce, which only exists with a qop (RFC 7616 §3.4.2).
    case sessionAlgorithmWithoutQop(DigestAlgorithm)
    /// A value (user name, realm, uri) cannot be written into the `Authorization` header at all.
    case unwritable(AuthHeaderWriter.WriteError)

    /// One sentence naming what the server offered and what is missing; never a password.
    public var description: String {
        switch self {
        case .notDigest(let scheme): "the challenge uses scheme \"\(scheme)\", not Digest"
        case .unknownAlgorithm(let name):
            """
            unknown Digest algorithm \"\(name)\" (supported: \
            \(DigestAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))
            """
        case .missingParameter(let name):
            "the Digest challenge has no \"\(name)\" parameter, which RFC 7616 §3.3 requires"
        case .unsupportedQop(let values):
            "the Digest challenge offers qop \"\(values.joined(separator: ", "))\" but only auth and auth-int exist"
        case .sessionAlgorithmWithoutQop(let algorithm):
            "algorithm \(algorithm.rawValue) needs a cnonce, but the challenge offers no qop"
        case .unwritable(let error): error.description
        }
    }
}

/// A `WWW-Authenticate: Digest …` challenge, validated and typed.
public struct DigestChallenge: Sendable, Hashable {
    /// The challenge as received.
    public var challenge: Challenge
    /// The protection space the password belongs to; also part of HA1, so a wrong realm is a wrong response.
    public var realm: String
    /// The server's nonce, hashed into every response; a new one after `stale=true`.
    public var nonce: String
    /// Data the server wants echoed back unchanged; a client that drops it fails on some servers.
    public var opaque: String?
    /// The hash to use, MD5 when the server did not say (`algorithmWasSent` tells which).
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

    /// Validates a parsed challenge: it must be Digest, carry `realm` and `nonce`, and name a known algorithm; throws
    /// `DigestError` saying which requirement failed.
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
    /// The algorithm the response was computed with.
    public var algorithm: DigestAlgorithm
    /// The qop chosen, nil when the server offered none (RFC 2069 mode, no `nc`/`cnonce`).
    public var qop: DigestQop?
    /// Eight lower-case hex digits, nil without qop.
    public var nc: String?
    /// The client nonce sent, nil without qop.
    public var cnonce: String?
    /// HA1 in hex. Password-equivalent for this realm: exposed so a diagnosis can compare computations, never to be
    /// shown.
    public var ha1: String
    /// HA2 in hex: the hash of the method and uri (and body with `auth-int`).
    public var ha2: String
    /// The `response` value in hex; replayable within the nonce's life, so `description` masks it.
    public var response: String
    /// H(user:realm) when userhash is in use.
    public var usernameHash: String?

    /// Made by `DigestAuth.authorize` (module HTTPDigest), which computes every field.
    package init(
        headerValue: String, algorithm: DigestAlgorithm, qop: DigestQop?, nc: String?, cnonce: String?, ha1: String,
        ha2: String, response: String, usernameHash: String?
    ) {
        self.headerValue = headerValue
        self.algorithm = algorithm
        self.qop = qop
        self.nc = nc
        self.cnonce = cnonce
        self.ha1 = ha1
        self.ha2 = ha2
        self.response = response
        self.usernameHash = usernameHash
    }

    /// Algorithm, qop and nc, with the response masked: safe for logs and reports.
    public var description: String {
        """
        DigestAuthorization(algorithm: \(algorithm), qop: \(qop?.rawValue ?? "none"), nc: \(nc ?? "none"), \
        response: ****)
        """
    }
}

/// The Digest choices that need no hashing: nonce counts, client nonces, stale retries, which challenge to answer and
/// when a user name needs `username*`. The hashing itself is in `HTTPDigest`.
public enum DigestAuth {
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

    /// Whether a user name must go as `username*`: non-ASCII (a quoted-string has no charset)
    /// or a control character (a quoted-string cannot hold it at all).
    public static func needsExtendedUsername(_ username: String) -> Bool {
        username.utf8.contains(where: { $0 >= 0x80 || ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F })
    }

    package static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
