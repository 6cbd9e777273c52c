import HTTPAuth
import HTTPDigest
import TextEscaping

// What each path of the lab answers. Plain code over `LabRequest` → `LabResponse`; the NIO side
// (LabServer.swift) adds Date, Server, Content-Length and Connection.
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Mutable lab state. Confined to the lab's single event loop thread (every listener and every
/// connection of one `LabServer` runs on it), hence `@unchecked Sendable` without locks.
final class LabState: @unchecked Sendable {
    let host: String
    let clock: @Sendable () -> Date
    var mainPort = 0
    var secondPort = 0
    var nonces: [String: NonceRecord] = [:]
    var nonceOrder: [String] = []
    /// Per-path request counters (flapping).
    var counters: [String: Int] = [:]
    /// When each counter last moved (lab clock, seconds).
    var lastSeen: [String: Int] = [:]

    init(host: String, clock: @escaping @Sendable () -> Date) {
        self.host = host
        self.clock = clock
    }

    /// The lab's clock in whole seconds since 1970.
    func now() -> Int { Int(clock().timeIntervalSince1970.rounded(.down)) }

    var hostForURL: String { host.contains(":") ? "[\(host)]" : host }
    var baseURL: String { "http://\(hostForURL):\(mainPort)" }
    var secondBaseURL: String { "http://\(hostForURL):\(secondPort)" }
    var resourceMetadataURL: String { baseURL + "/.well-known/oauth-protected-resource" }
    var brokenResourceMetadataURL: String { resourceMetadataURL + "/broken" }
}

/// A Bearer protection space.
struct BearerArea: Sendable {
    var requiredScope: String? = nil
    /// Whether invalid_token answers carry an error_description.
    var describeErrors = true
    /// Every token is refused (revoked at the authorization server, as far as the lab knows).
    var rejectEveryToken = false
    /// A layer in front strips Authorization: the app never sees it.
    var ignoreAuthorization = false
    /// The area's clock runs this many seconds ahead (Date header and token checks).
    var clockOffset = 0
    var resourceMetadata: String? = nil
}

enum BasicVerdict: Equatable {
    case accepted
    case missing
    case wrongScheme
    case malformed
    case rejected
}

enum LabRouter {
    static let realm = "lab"
    static let secondRealm = "lab second origin"
    static let proxyRealm = "lab proxy"
    static let maxBody = 1 << 20
    static let maxHeaderSection = 64 * 1024
    /// A flapping series restarts (401 first) after this many idle seconds.
    static let flapResetSeconds = 10

    /// The scenarios, longest path first: each carries its own answer, so what the list says and
    /// what the router serves cannot drift apart. (Tokens are minted for 1970; routing needs none.)
    static let routes: [LabScenario] = LabScenarios.all(now: Date(timeIntervalSince1970: 0))
        .sorted { $0.path.count > $1.path.count }

    static func basicChallenge(_ realm: String) -> String { "Basic realm=\"\(realm)\", charset=\"UTF-8\"" }

    static func checkBasic(_ value: String?) -> BasicVerdict {
        guard let value else { return .missing }
        let scheme = value.drop(while: { $0 == " " }).prefix(while: { $0 != " " })
        guard scheme.lowercased() == "basic" else { return .wrongScheme }
        switch BasicAuth.decode(authorization: value) {
        case .failure: return .malformed
        case .success(let credentials):
            return credentials.user == LabScenarios.user && credentials.password == LabScenarios.password
                ? .accepted : .rejected
        }
    }

    static func respond(to request: LabRequest, state: LabState) -> LabResponse {
        if request.listener == .second { return secondOrigin(request, state: state) }
        let path = request.path
        if path == "/" { return LabIndexPage.response(request: request, state: state) }
        if path.hasPrefix("/.well-known/") { return wellKnown(path, state: state) }
        if let route = routes.first(where: { path.hasPrefix($0.path) }) {
            return route.answer.respond(request, state, route.path)
        }
        if let route = routes.first(where: { $0.path == path + "/" }) {
            return .text(301, "Moved to \(route.path)\n", headers: [("Location", route.path)])
        }
        return .text(404, "Not Found: no lab scenario at this path; see / for the list.\n")
    }

    // MARK: - scenarios

    /// Where the discovery scenarios' resource metadata lives: the RFC 9728 well-known URL of their path.
    static func discoveryMetadataURL(_ path: String, state: LabState) -> String { state.resourceMetadataURL + path }

    static func unauthorizedBasic(_ realm: String, _ text: String, extra: [(name: String, value: String)] = [])
        -> LabResponse
    {
        .text(401, text, headers: [("WWW-Authenticate", basicChallenge(realm))] + extra)
    }

    static func basicArea(_ request: LabRequest, realm: String, greeting: String) -> LabResponse {
        switch checkBasic(request.header("Authorization")) {
        case .accepted: return .text(200, greeting + "\n")
        case .missing: return unauthorizedBasic(realm, "401 Unauthorized: this area needs Basic credentials.\n")
        case .wrongScheme: return unauthorizedBasic(realm, "401 Unauthorized: this area uses Basic.\n")
        case .malformed: return unauthorizedBasic(realm, "401 Unauthorized: the Basic credentials do not decode.\n")
        case .rejected: return unauthorizedBasic(realm, "401 Unauthorized: user name or password not accepted.\n")
        }
    }

    static func digestArea(_ request: LabRequest, state: LabState, area: DigestArea) -> LabResponse {
        let verdict = state.verifyDigest(
            request.header("Authorization"), method: request.method, target: request.target, area: area)
        switch verdict {
        case .accepted(let info):
            return .text(
                200, "Hello, \(LabScenarios.user): Digest \(area.algorithm.rawValue) accepted.\n",
                headers: [("Authentication-Info", info)])
        case .badRequest(let reason):
            return .text(400, "400 Bad Request: \(reason).\n")
        case .stale:
            return .text(
                401, "401 Unauthorized: the nonce is stale; retry with the new one.\n",
                headers: [("WWW-Authenticate", state.digestChallenge(area: area, stale: true))])
        case .missing, .wrongScheme, .rejected:
            let text: String
            switch verdict {
            case .missing: text = "401 Unauthorized: this area needs Digest credentials.\n"
            case .wrongScheme: text = "401 Unauthorized: this area accepts only Digest.\n"
            default: text = "401 Unauthorized: the Digest answer was not accepted.\n"
            }
            return .text(401, text, headers: [("WWW-Authenticate", state.digestChallenge(area: area, stale: false))])
        }
    }

    static func bearerArea(_ request: LabRequest, state: LabState, area: BearerArea) -> LabResponse {
        func challenge(_ error: String? = nil, description: String? = nil, scope: String? = nil) -> String {
            var value = "Bearer realm=\"\(realm)\""
            if let error { value += ", error=\"\(error)\"" }
            if let description, area.describeErrors || error != "invalid_token" {
                value += ", error_description=\"\(Escape.errorDescription(description))\""
            }
            if let scope { value += ", scope=\"\(scope)\"" }
            if let metadata = area.resourceMetadata { value += ", resource_metadata=\"\(metadata)\"" }
            return value
        }
        func unauthorized(_ value: String, _ text: String, status: Int = 401) -> LabResponse {
            var response = LabResponse.json(
                status, "{\"error\":\(JSONString.literal(text))}", headers: [("WWW-Authenticate", value)])
            response.dateOffset = area.clockOffset
            return response
        }

        let authorization = area.ignoreAuthorization ? nil : request.header("Authorization")
        guard let authorization,
            authorization.drop(while: { $0 == " " }).prefix(while: { $0 != " " }).lowercased() == "bearer"
        else {
            // RFC 6750 §3.1: a request without a token gets no error code.
            return unauthorized(challenge(scope: area.requiredScope), "authentication required")
        }
        let issues = BearerAuth.inspect(authorization: authorization)
        if let issue = issues.first {
            return unauthorized(
                challenge("invalid_request", description: "Malformed Authorization header: " + issueText(issue.kind)),
                "invalid_request")
        }
        let token = String(
            authorization.drop(while: { $0 == " " }).dropFirst("bearer".count).drop(while: { $0 == " " }))
        if area.rejectEveryToken {
            return unauthorized(challenge("invalid_token", description: "The access token expired"), "invalid_token")
        }
        let serverNow = state.now() + area.clockOffset
        switch LabJWT.verify(token, now: serverNow) {
        case .valid(let scopes):
            if let required = area.requiredScope, !scopes.contains(required) {
                // RFC 6750 §3.1: insufficient_scope is answered with 403.
                return unauthorized(
                    challenge(
                        "insufficient_scope",
                        description: "The request requires higher privileges than provided by the access token",
                        scope: required), "insufficient_scope", status: 403)
            }
            var response = LabResponse.json(200, #"{"ok":true,"user":"alice"}"#)
            response.dateOffset = area.clockOffset
            return response
        case .expired:
            return unauthorized(challenge("invalid_token", description: "The access token expired"), "invalid_token")
        case .notYetValid:
            return unauthorized(
                challenge("invalid_token", description: "The access token is not yet valid"), "invalid_token")
        case .malformed, .wrongAlgorithm, .badSignature:
            return unauthorized(challenge("invalid_token", description: "The access token is invalid"), "invalid_token")
        }
    }

    static func issueText(_ kind: BearerTokenIssue.Kind) -> String {
        switch kind {
        case .empty: "no token after Bearer"
        case .doubledScheme: "the token starts with the word Bearer again"
        case .quoted: "the token is wrapped in quotes"
        case .surroundingWhitespace: "whitespace around the token"
        case .innerWhitespace: "whitespace inside the token"
        case .lineBreak: "a line break in the token"
        case .invalidCharacter: "a character outside the b64token set"
        default: "the token is malformed"
        }
    }

    /// RFC 9728 resource metadata, RFC 8414 authorization server metadata and the JWKS. Good for
    /// the lab itself (issuer = base URL), broken on purpose for the discovery scenarios.
    static func wellKnown(_ path: String, state: LabState) -> LabResponse {
        let base = state.baseURL
        let resourcePrefix = "/.well-known/oauth-protected-resource"
        let serverPrefix = "/.well-known/oauth-authorization-server"
        switch path {
        case resourcePrefix:
            return resourceMetadata(resource: base, authorizationServer: base, state: state)
        case serverPrefix:
            return authorizationServerMetadata(issuer: base, state: state)
        case "/.well-known/jwks.json":
            // The ES256 key (HS256 secrets are shared secrets no JWKS may hold).
            return .json(200, LabJWT.jwksJSON)
        case serverPrefix + "/as/html":
            // A single-page app's catch-all answers every unknown path with its index page.
            return .html(
                200, "<!doctype html><html><head><title>App</title></head><body><div id=\"root\"></div></body></html>\n"
            )
        case serverPrefix + "/as/mismatch":
            return authorizationServerMetadata(issuer: "https://login.example.test", state: state)
        default:
            if path.hasPrefix(resourcePrefix + "/"),
                let route = routes.first(where: { resourcePrefix + $0.path == path }),
                let server = route.authorizationServer
            {
                return resourceMetadata(resource: base + route.path, authorizationServer: base + server, state: state)
            }
            return .text(404, "Not Found\n")
        }
    }

    static func resourceMetadata(resource: String, authorizationServer: String, state: LabState) -> LabResponse {
        // RFC 9728 §3.2; `resource` is the identifier this well-known URL is derived from (§3.3).
        let json = """
            {"resource":\(JSONString.literal(resource)),"resource_name":"why401 lab",\
            "authorization_servers":[\(JSONString.literal(authorizationServer))],"bearer_methods_supported":["header"],\
            "scopes_supported":["read","admin"],"resource_documentation":\(JSONString.literal(state.baseURL + "/"))}
            """
        return .json(200, json)
    }

    static func authorizationServerMetadata(issuer: String, state: LabState) -> LabResponse {
        // RFC 8414 §2. The lab issues no tokens itself; the endpoints are for show.
        let base = state.baseURL
        let authorize = JSONString.literal(base + "/oauth/authorize")
        let token = JSONString.literal(base + "/oauth/token")
        let jwks = JSONString.literal(base + "/.well-known/jwks.json")
        let json = """
            {"issuer":\(JSONString.literal(issuer)),"authorization_endpoint":\(authorize),\
            "token_endpoint":\(token),"jwks_uri":\(jwks),\
            "response_types_supported":["code"],"grant_types_supported":["authorization_code","client_credentials"],\
            "token_endpoint_auth_methods_supported":["client_secret_basic"]}
            """
        return .json(200, json)
    }

    static func secondOrigin(_ request: LabRequest, state: LabState) -> LabResponse {
        let path = request.path
        if path.hasPrefix("/redirect-target/") {
            return basicArea(
                request, realm: secondRealm,
                greeting: "Hello, \(LabScenarios.user): credentials sent again to this origin, so 200.")
        }
        if path == "/" {
            return .text(
                200,
                """
                why401 lab, second origin: /redirect-target/ (Basic realm \"\(secondRealm)\"). Main lab: \
                \(state.baseURL)/\n
                """
            )
        }
        return .text(404, "Not Found\n")
    }
}
