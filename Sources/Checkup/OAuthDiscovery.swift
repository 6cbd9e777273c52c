import CredentialModel
import Credentials
import Evidence
import HTTPAuth
import Probe

/// OAuth discovery and token verification, the last steps of the plan:
/// RFC 9728 protected resource metadata (the challenge's `resource_metadata`, or the origin's
/// `/.well-known/oauth-protected-resource`) → RFC 8414 authorization server metadata (OIDC
/// `openid-configuration` as fallback) → `jwks_uri`, which verifies the token when the user gave no key.
///
/// These are public documents: every request goes without the user's Authorization, cookies, `-H`
/// credentials or body, and each is a counted plan step bounded by the same timeouts.
extension PlanRunner {
    /// A fetched JSON document: the object and its text (a JWKS is handed to the verifier as text).
    struct Document {
        var object: [String: JSONScalarTree]
        var text: String
    }

    static let protectedResourceStep = "protected resource metadata"
    static let authorizationServerStep = "authorization server metadata"
    static let jwksStep = "jwks_uri"

    mutating func problem(_ step: String, _ message: String) {
        state.evidence.discoveryProblems.append(CheckEvidence.DiscoveryProblem(step: step, message: message))
    }

    /// Is a token there that a JWKS from discovery should verify (no key given, a JWS, not HS*)?
    var wantsDiscoveredJWKS: Bool {
        guard request.tokenKey == nil, request.jwksURL == nil, case .success(let jwt)? = state.evidence.token else {
            return false
        }
        return !(jwt.algorithm ?? "").uppercased().hasPrefix("HS") && (jwt.algorithm ?? "").lowercased() != "none"
    }

    mutating func discoverOAuth() async -> PlanState.DiscoveredJWKS? {
        guard timeLeft else { return nil }
        // The final answer's challenge, or the anonymous one (a token that works still shows where it came from).
        let responses = [state.evidence.final, state.evidence.first(.anonymous)].compactMap { $0?.exchange.response }
        let bearers = responses.flatMap { ChallengeEvidence(response: $0).challenges.compactMap(BearerChallenge.init) }
        guard !bearers.isEmpty else { return nil }
        let named = bearers.compactMap(\.resourceMetadata).first
        let metadataURL = named ?? state.parts.origin + "/.well-known/oauth-protected-resource"
        guard case .success = URLParts.parse(metadataURL) else {
            problem(
                Self.protectedResourceStep,
                "resource_metadata \(SecretMasking.maskURL(metadataURL)) is not an absolute http(s) URL")
            return nil
        }

        // 1. RFC 9728 protected resource metadata.
        guard let fetched = await fetchDocument(.resourceMetadata(wellKnown: named == nil), url: metadataURL) else {
            return nil
        }
        let metadata: Document
        switch fetched {
        case .failure(let failure):
            // Only a URL the challenge names must work; the well-known guess may be absent or, on a
            // site that protects every path (a proxy with its own auth), answered 401/403.
            if named == nil, let status = failure.status, [401, 403, 404, 410].contains(status) {
                state.notes.append(
                    "no RFC 9728 metadata at \(SecretMasking.maskURL(metadataURL)) (\(failure.message)); "
                        + "the server does not publish any"
                )
            } else {
                problem(Self.protectedResourceStep, failure.message)
            }
            return nil
        case .success(let document): metadata = document
        }
        if let resource = metadata.object["resource"]?.string {
            if !resourceMatches(resource) {
                problem(
                    Self.protectedResourceStep,
                    "resource \(resource) is neither the requested URL \(SecretMasking.maskURL(state.target)) "
                        + "nor its origin (RFC 9728 §3.3)"
                )
            }
        } else {
            problem(Self.protectedResourceStep, "no \"resource\" member (RFC 9728 §2 requires it)")
        }
        guard let servers = metadata.object["authorization_servers"] else {
            state.notes.append("the protected resource metadata names no authorization_servers: discovery ends there")
            return nil
        }
        guard case .array(let items) = servers, let issuer = items.first?.string, case .success = URLParts.parse(issuer)
        else {
            problem(Self.protectedResourceStep, "authorization_servers is not a list of http(s) issuer URLs")
            return nil
        }

        // 2. RFC 8414 §3 (path insertion), then OpenID Connect Discovery 1.0 §4 (appended).
        var failures: [String] = []
        var server: Document?
        for url in Self.authorizationServerMetadataURLs(issuer: issuer) {
            guard let fetched = await fetchDocument(.authorizationServerMetadata, url: url) else { return nil }
            switch fetched {
            case .success(let document): server = document
            case .failure(let failure): failures.append("\(failure.message) at \(SecretMasking.maskURL(url))")
            }
            if server != nil { break }
        }
        guard let server else {
            problem(Self.authorizationServerStep, failures.joined(separator: "; "))
            return nil
        }
        // RFC 8414 §3.3: the issuer in the document is identical to the one it was fetched for.
        let published = server.object["issuer"]?.string
        if let published {
            if published != issuer {
                problem(
                    Self.authorizationServerStep,
                    "issuer mismatch: metadata says \(published), authorization_servers says \(issuer)")
            }
        } else {
            problem(Self.authorizationServerStep, "no \"issuer\" member (RFC 8414 §2 requires it)")
        }
        if case .success(let jwt)? = state.evidence.token, let iss = jwt.issuer, let published, iss != published {
            problem(Self.authorizationServerStep, "issuer mismatch: metadata says \(published), token says \(iss)")
        }

        // 3. jwks_uri, only to verify a token the user has no key for.
        guard wantsDiscoveredJWKS else {
            if case .success(let jwt)? = state.evidence.token, request.tokenKey == nil, request.jwksURL == nil,
                (jwt.algorithm ?? "").uppercased().hasPrefix("HS")
            {
                state.notes.append(
                    "jwks_uri not fetched: an \(jwt.algorithm ?? "HS") token is signed with a shared secret, "
                        + "which no JWKS holds (give --secret)"
                )
            }
            return nil
        }
        guard let jwksURI = server.object["jwks_uri"]?.string else {
            state.notes.append(
                "the authorization server metadata has no jwks_uri: the token's signature is not checked")
            return nil
        }
        guard case .success = URLParts.parse(jwksURI) else {
            problem(Self.jwksStep, "\(SecretMasking.maskURL(jwksURI)) is not an absolute http(s) URL")
            return nil
        }
        guard let jwks = await fetchDocument(.jwks(.discovered), url: jwksURI) else { return nil }
        switch jwks {
        case .failure(let failure):
            problem(Self.jwksStep, failure.message)
            return nil
        case .success(let document):
            return PlanState.DiscoveredJWKS(text: document.text, url: jwksURI)
        }
    }

    /// Verifies the Bearer token's signature: the user's key, `--jwks URL`, the discovered JWKS, or —
    /// with none of them — the short list of well-known weak HMAC secrets.
    mutating func verifyToken(discovered: PlanState.DiscoveredJWKS?) async {
        guard let token = state.bearerToken, case .success(let jwt)? = state.evidence.token else {
            if state.bearerToken == nil && (request.tokenKey != nil || request.jwksURL != nil) {
                state.notes.append("a token key was given but no Bearer token was sent: nothing to verify")
            }
            return
        }
        if let key = request.tokenKey {
            state.evidence.tokenVerification = await JWTVerifier.verify(token, header: jwt.header, key: key)
            state.evidence.tokenKeySource = request.tokenKeySource
            return
        }
        if let url = request.jwksURL {
            let source = "--jwks \(SecretMasking.maskURL(url))"
            guard timeLeft, let fetched = await fetchDocument(.jwks(.given), url: url) else { return }
            switch fetched {
            case .failure(let failure):
                state.notes.append("\(source): \(failure.message); the token's signature is not checked")
            case .success(let document):
                state.evidence.tokenVerification = await JWTVerifier.verify(
                    token, header: jwt.header, key: .jwks(document.text))
                state.evidence.tokenKeySource = source
            }
            return
        }
        if let discovered {
            let verification = await JWTVerifier.verify(token, header: jwt.header, key: .jwks(discovered.text))
            switch verification {
            case .failed(.noKeyForKid(let kid, _)):
                problem(Self.jwksStep, "no key with kid \(kid)")
            case .failed(.unusableKey(let why)):
                problem(Self.jwksStep, why)
                return
            default: break
            }
            state.evidence.tokenVerification = verification
            state.evidence.tokenKeySource = "jwks_uri \(SecretMasking.maskURL(discovered.url)) (discovered)"
            return
        }
        state.evidence.tokenWeakSecretGuessed = await JWTVerifier.weakSecretVerifies(token, header: jwt.header)
    }

    struct FetchFailure: Error {
        var status: Int?
        var message: String
    }

    /// GETs a public JSON document as a plan step without any of the user's credentials. nil when
    /// the run's time is up; otherwise the object or why it is unusable.
    mutating func fetchDocument(_ step: CheckEvidence.PlanStep, url: String) async -> Result<Document, FetchFailure>? {
        let headers =
            [HeaderField("Accept", "application/json")]
            + request.headers.filter { $0.name.lowercased() == "user-agent" }
        let planned = PlannedRequest(step: step, method: "GET", url: url, headers: headers, credentialed: false)
        guard let result = await send(planned) else { return nil }
        guard let response = result.exchange.response else {
            return .failure(
                FetchFailure(status: nil, message: "unreachable (\(result.exchange.failure ?? "no response"))"))
        }
        guard response.status == 200 else {
            return .failure(FetchFailure(status: response.status, message: "\(response.status)"))
        }
        let type = response.headers.first("Content-Type") ?? "(none)"
        guard type.lowercased().contains("json") else {
            return .failure(FetchFailure(status: 200, message: "Content-Type \(type), not application/json"))
        }
        guard let object = try? JSONObjectReader.read(result.body) else {
            return .failure(FetchFailure(status: 200, message: "not a JSON object"))
        }
        return .success(Document(object: object, text: String(decoding: result.body, as: UTF8.self)))
    }

    /// RFC 9728 §3.3: `resource` names the resource the client asked for — here the URL itself, its
    /// origin, or a path prefix of it that ends at a segment boundary.
    func resourceMatches(_ resource: String) -> Bool {
        let origin = state.parts.origin
        if resource == state.target || resource == origin || resource == origin + "/" { return true }
        guard state.target.hasPrefix(resource), resource.hasPrefix(origin + "/") else { return false }
        if resource.hasSuffix("/") { return true }
        let next = state.target[state.target.index(state.target.startIndex, offsetBy: resource.count)...].first
        return next == "/" || next == "?"
    }

    /// Where an issuer's metadata lives: RFC 8414 §3.1 inserts the well-known segment between host
    /// and path; OpenID Connect Discovery appends it to the issuer.
    static func authorizationServerMetadataURLs(issuer: String) -> [String] {
        guard case .success(let p) = URLParts.parse(issuer) else { return [] }
        var path = p.pathAndQuery
        if let q = path.firstIndex(of: "?") { path = String(path[..<q]) }
        if path == "/" { path = "" }
        let trimmedIssuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        return [
            p.origin + "/.well-known/oauth-authorization-server" + path,
            trimmedIssuer + "/.well-known/openid-configuration",
        ]
    }
}
