// Server side of Digest (RFC 7616) for the lab: nonces issued and remembered by the lab, answers
// verified by recomputing the expected response with HTTPAuth's DigestAuth, nc checked for replays.
import HTTPAuth
import HTTPDigest

/// A Digest protection space of the lab.
struct DigestArea: Sendable {
    var realm: String
    var algorithm: DigestAlgorithm
    /// Nonces handed out by a plain 401 are stale on first use (the digest-stale scenario);
    /// nonces handed out with `stale=true` are good.
    var firstNonceStale: Bool
}

struct NonceRecord: Sendable {
    var issuedAt: Int
    var realm: String
    var algorithm: DigestAlgorithm
    var preExpired: Bool
    var lastNonceCount: UInt32 = 0
}

/// What the lab made of a Digest `Authorization`.
enum DigestVerdict: Sendable, Equatable {
    case accepted(authenticationInfo: String)
    case missing
    case wrongScheme(String)
    /// Required fields missing or the uri does not match the request (Apache answers 400).
    case badRequest(String)
    case rejected(String)
    /// Right password, nonce expired, unknown or stale on first use: `stale=true`.
    case stale
}

extension LabState {
    static let nonceLifetime = 300
    static let maxNonces = 4096

    func issueNonce(area: DigestArea, preExpired: Bool) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<16 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        let nonce = Base64.encode(bytes, url: true, padding: false)
        nonces[nonce] = NonceRecord(
            issuedAt: now(), realm: area.realm, algorithm: area.algorithm, preExpired: preExpired)
        nonceOrder.append(nonce)
        if nonceOrder.count > Self.maxNonces {
            let drop = nonceOrder.count - Self.maxNonces
            for old in nonceOrder.prefix(drop) { nonces[old] = nil }
            nonceOrder.removeFirst(drop)
        }
        return nonce
    }

    /// `Digest realm="lab", qop="auth", algorithm=SHA-256, nonce="…", opaque="…"[, stale=true]`.
    func digestChallenge(area: DigestArea, stale: Bool) -> String {
        let nonce = issueNonce(area: area, preExpired: area.firstNonceStale && !stale)
        var value =
            """
            Digest realm=\"\(area.realm)\", qop=\"auth\", algorithm=\(area.algorithm.rawValue), \
            nonce=\"\(nonce)\", opaque=\"\(Self.opaque)\"
            """
        if stale { value += ", stale=true" }
        return value
    }

    static let opaque = "d2h5NDAxLWxhYg"

    func verifyDigest(_ authorization: String?, method: String, target: String, area: DigestArea) -> DigestVerdict {
        guard let authorization else { return .missing }
        let parsed = CredentialsParser.parse(authorization)
        guard let credentials = parsed.credentials else { return .badRequest("the Authorization value does not parse") }
        guard credentials.isScheme("Digest") else { return .wrongScheme(credentials.scheme) }

        var username = credentials[parameter: "username"]
        if username == nil, let ext = credentials[parameter: "username*"] { username = Self.decodeExtValue(ext) }
        guard let username, let realm = credentials.realm, let nonce = credentials[parameter: "nonce"],
            let uri = credentials[parameter: "uri"], let response = credentials[parameter: "response"]
        else { return .badRequest("a Digest field (username, realm, nonce, uri, response) is missing") }
        guard uri == target else { return .badRequest("uri does not match the request-target") }

        guard realm == area.realm else { return .rejected("realm \"\(realm)\" is not \"\(area.realm)\"") }
        guard let algorithm = try? DigestAlgorithm(name: credentials[parameter: "algorithm"]),
            algorithm == area.algorithm
        else {
            return .rejected("algorithm is not \(area.algorithm.rawValue)")
        }
        if let opaque = credentials[parameter: "opaque"], opaque != Self.opaque {
            return .rejected("opaque does not match")
        }
        guard credentials[parameter: "qop"]?.lowercased() == "auth" else { return .rejected("qop must be auth") }
        guard let ncText = credentials[parameter: "nc"], let nc = UInt32(ncText, radix: 16),
            let cnonce = credentials[parameter: "cnonce"], !cnonce.isEmpty
        else { return .rejected("nc or cnonce missing") }

        let userhash = credentials[parameter: "userhash"]?.lowercased() == "true"
        let claimedUser =
            userhash
            ? (username == DigestAuth.userhash(algorithm: algorithm, username: LabScenarios.user, realm: area.realm)
                ? LabScenarios.user : nil)
            : username
        guard claimedUser == LabScenarios.user else { return .rejected("unknown user") }

        let ha1 = DigestAuth.ha1(
            algorithm: algorithm, username: LabScenarios.user, realm: area.realm,
            password: LabScenarios.password, nonce: nonce, cnonce: cnonce)
        let ha2 = DigestAuth.ha2(algorithm: algorithm, method: method, uri: uri, qop: .auth)
        let expected = DigestAuth.response(
            algorithm: algorithm, ha1: ha1, nonce: nonce, nc: ncText, cnonce: cnonce, qop: .auth, ha2: ha2)
        guard expected == response.lowercased() else { return .rejected("response does not match (wrong password)") }

        // The answer is right for this nonce: now judge the nonce itself.
        guard var record = nonces[nonce], record.realm == area.realm, record.algorithm == algorithm,
            !record.preExpired, now() - record.issuedAt <= Self.nonceLifetime
        else {
            nonces[nonce] = nil
            return .stale
        }
        guard nc > record.lastNonceCount else {
            return .rejected("nc \(ncText) was already used with this nonce (replay)")
        }
        record.lastNonceCount = nc
        nonces[nonce] = record

        // Authentication-Info rspauth: HA2 with an empty method (RFC 7616 §3.5).
        let rspHA2 = DigestAuth.ha2(algorithm: algorithm, method: "", uri: uri, qop: .auth)
        let rspauth = DigestAuth.response(
            algorithm: algorithm, ha1: ha1, nonce: nonce, nc: ncText, cnonce: cnonce, qop: .auth, ha2: rspHA2)
        return .accepted(authenticationInfo: "rspauth=\"\(rspauth)\", qop=auth, nc=\(ncText), cnonce=\"\(cnonce)\"")
    }

    /// RFC 8187 `UTF-8''al%C3%AFce` → `alïce`; nil when not UTF-8 ext-value.
    static func decodeExtValue(_ value: String) -> String? {
        guard let quote = value.range(of: "''") else { return nil }
        guard value[..<quote.lowerBound].lowercased() == "utf-8" else { return nil }
        var bytes: [UInt8] = []
        var rest = Array(value[quote.upperBound...].utf8)[...]
        while let byte = rest.first {
            rest = rest.dropFirst()
            if byte == UInt8(ascii: "%"), rest.count >= 2,
                let v = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(v)
                rest = rest.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate func range(of needle: String) -> Range<String.Index>? { firstRange(of: needle) }
}
