import Hummingbird
import Synchronization
import Why401Kit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The port actually bound (`--listen …:0` picks one), known once the server runs.
final class BoundPort: Sendable {
    private let value: Mutex<Int>
    init(_ port: Int) { value = Mutex(port) }
    var port: Int { value.withLock { $0 } }
    func set(_ port: Int) { value.withLock { $0 = port } }
}

/// Who may talk to the server. The page sends requests with the user's credentials on their behalf,
/// so a web page elsewhere must not be able to drive it:
/// - `Host` must name this server (the listen address or `localhost`, with its port): a DNS name an
///   attacker rebinds to 127.0.0.1 is refused (421);
/// - a POST must come from this origin: a cross-site `Origin` (or `Sec-Fetch-Site`) is refused (403);
/// - with a token, every request but `/healthz` carries it as `Authorization: Bearer` — or the
///   cookie the page sets once the token is typed in (401 otherwise). Both compared in constant time.
struct AccessPolicy: Sendable {
    let configuration: ServeConfiguration
    let bound: BoundPort
    /// The value of the session cookie the page gets for the right token: random per process, so the
    /// cookie never holds the token itself.
    let session: String?
    /// This machine's name, allowed as `Host` when listening on every interface.
    let machineName: String?

    static let cookieName = "why401_session"

    init(configuration: ServeConfiguration, bound: BoundPort) {
        self.configuration = configuration
        self.bound = bound
        if configuration.token != nil {
            var generator = SystemRandomNumberGenerator()
            session = (0..<4).map { _ in Self.hex(generator.next()) }.joined()
        } else {
            session = nil
        }
        var name = [CChar](repeating: 0, count: 256)
        machineName =
            gethostname(&name, name.count - 1) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
            : nil
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Whether `authority` (a `Host` value or an origin's host and port) names this server.
    func allows(authority raw: String) -> Bool {
        guard let (host, port) = Self.split(authority: raw.lowercased()) else { return false }
        guard port == bound.port else { return false }
        let listen = configuration.host.lowercased()
        if host == "localhost" || host == listen { return true }
        if listen == "localhost" { return host == "127.0.0.1" || host == "::1" }
        if configuration.isWildcard {
            // Every interface: any address literal, or this machine's name — never another DNS name,
            // which is what a rebinding attack needs.
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1 { return true }
            if let machineName, host == machineName || machineName.hasPrefix(host + ".") { return true }
        }
        return false
    }

    /// `host[:port]` → (host without brackets or a trailing dot, port — 80 when absent).
    static func split(authority: String) -> (String, Int)? {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                portText = rest.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            host = parts[0]
            if parts.count == 2 { portText = parts[1] }
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty else { return nil }
        guard let portText else { return (String(host), 80) }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText)
        else { return nil }
        return (String(host), port)
    }

    /// The refusal for this request, or nil when it may proceed.
    func refusal(for request: Request) -> Refusal? {
        let head = request.head
        // One Host, naming this server. (A second Host header stays among the fields.)
        guard let authority = head.authority, !head.headerFields.contains(where: { $0.name.canonicalName == "host" }),
            allows(authority: authority)
        else {
            let open = configuration.isLoopback ? "localhost:\(bound.port)" : configuration.authority(port: bound.port)
            return Refusal(
                .misdirectedRequest,
                "this is why401 serve on \(configuration.authority(port: bound.port)); the Host header names "
                    + "another server (refused against DNS rebinding: open http://\(open)/)")
        }
        if head.method == .post {
            if let site = head.headerFields[.init("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
                return Refusal(.forbidden, "cross-site request refused: post from this page only")
            }
            if let origin = head.headerFields[.origin] {
                let prefix = "http://"
                let lower = origin.lowercased()
                guard lower.hasPrefix(prefix), String(lower.dropFirst(prefix.count)) == authority.lowercased() else {
                    return Refusal(.forbidden, "cross-site request refused: the Origin is not this page's")
                }
            }
        }
        if configuration.token != nil, request.uri.path != "/healthz", request.uri.path != "/session" {
            if !authorized(head) {
                let given = head.headerFields[.authorization] != nil
                return Refusal(
                    .unauthorized,
                    given
                        ? "wrong token: send the --token this server was started with as Authorization: Bearer TOKEN"
                        : "this server needs its token: send Authorization: Bearer TOKEN (the page asks for it)")
            }
        }
        return nil
    }

    /// The Bearer token or the session cookie, compared in constant time.
    func authorized(_ head: HTTPRequest) -> Bool {
        guard let token = configuration.token else { return true }
        for value in head.headerFields[values: .authorization] {
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer",
                Self.constantTimeEqual(Array(parts[1].utf8), Array(token.utf8))
            {
                return true
            }
        }
        guard let session else { return false }
        for value in head.headerFields[values: .cookie] {
            for pair in value.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                let prefix = Self.cookieName + "="
                if trimmed.hasPrefix(prefix),
                    Self.constantTimeEqual(Array(trimmed.dropFirst(prefix.count).utf8), Array(session.utf8))
                {
                    return true
                }
            }
        }
        return false
    }

    static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        ConstantTime.equal(given, expected)
    }

    /// The token typed into the page's form, checked like a Bearer token.
    func accepts(token given: String) -> Bool {
        guard let token = configuration.token else { return false }
        return Self.constantTimeEqual(Array(given.utf8), Array(token.utf8))
    }
}

/// Applies the access policy before any route, turns every error into the endpoint's error format
/// (JSON for `/api/…` and `/healthz`, HTML otherwise), adds the protective headers, and logs one
/// line per request: method, route, status and time — never a header, a query or a body.
struct AccessGuard: RouterMiddleware {
    typealias Context = BasicRequestContext
    let policy: AccessPolicy
    let log: @Sendable (String) -> Void

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        if let refusal = policy.refusal(for: request) {
            response = Self.reply(refusal, to: request, policy: policy)
        } else {
            do {
                response = try await next(request, context)
            } catch let refusal as Refusal {
                response = Self.reply(refusal, to: request, policy: policy)
            } catch let error as HTTPError where error.status == .notFound {
                response = Self.reply(Refusal(.notFound, "no such page or endpoint"), to: request, policy: policy)
            } catch let error as HTTPError where error.status == .contentTooLarge {
                response = Self.reply(Refusal(.contentTooLarge, "the body is too large"), to: request, policy: policy)
            } catch {
                // Never the error's text: it could quote input.
                response = Self.reply(Refusal(.internalServerError, "internal error"), to: request, policy: policy)
            }
        }
        Reply.secure(&response)
        let ms = (ContinuousClock.now - started).wholeMilliseconds
        let route = context.endpointPath.map { $0 == "NotFound" ? "(no route)" : $0 } ?? "(refused)"
        log("\(request.method.rawValue) \(route) → \(response.status.code) (\(ms) ms)")
        return response
    }

    /// JSON for the API, the page (or its fragment) for the HTML routes; a 401 carries a challenge,
    /// and on the page a form that asks for the token.
    static func reply(_ refusal: Refusal, to request: Request, policy: AccessPolicy) -> Response {
        let path = request.uri.path
        var response: Response
        if path.hasPrefix("/api/") || path == "/healthz" {
            response = Reply.jsonError(refusal)
        } else if refusal.status == .unauthorized {
            response = Reply.html(Page.tokenPage(refusal.reason), status: .unauthorized)
        } else if request.headers[.init("X-Why401-Fragment")!] != nil {
            response = Reply.html(Page.failure(refusal.reason, status: refusal.status.code), status: refusal.status)
        } else {
            response = Reply.html(
                Page.page(
                    result: Page.failure(refusal.reason, status: refusal.status.code),
                    version: policy.configuration.version),
                status: refusal.status)
        }
        if refusal.status == .unauthorized {
            let error = request.headers[.authorization] != nil ? ", error=\"invalid_token\"" : ""
            response.headers[.wwwAuthenticate] = "Bearer realm=\"why401 serve\"" + error
        }
        return response
    }
}
