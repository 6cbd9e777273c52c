import Hummingbird
import Logging
import NIOCore
import Report
import Why401Kit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 serve`: one local page and the JSON API of the front-end contract on Hummingbird, each
/// route a thin caller of the `UseCase` entry points (see `Diagnose`). Runs until SIGINT or SIGTERM.
///
/// Routes (docs/serve.md):
/// - `GET /` the page; `POST /check`, `/curl`, `/har`, `/jwt`, `/challenge` its forms (the page with
///   the report, or only the report with `X-Why401-Fragment: 1`); `GET /explain/ID`;
/// - `POST /api/v1/check`, `/api/v1/curl`, `/api/v1/har`, `/api/v1/jwt`, `/api/v1/challenge` and
///   `GET /api/v1/explain[/ID]`: schema-1 JSON, exactly what `why401 … --json` prints;
/// - `GET /healthz`.
public enum ServeServer {
    /// Binds, calls `announce` with each start-up line (the URL first), logs one line per request
    /// through `log` (method, route, status, time — nothing else), and serves until SIGINT/SIGTERM.
    /// Throws `ServeFailure` when the address cannot be bound.
    public static func run(
        _ configuration: ServeConfiguration, announce: @escaping @Sendable (String) -> Void,
        log: @escaping @Sendable (String) -> Void
    ) async throws {
        let bound = BoundPort(configuration.port)
        let policy = AccessPolicy(configuration: configuration, bound: bound)
        let router = Router()
        router.add(middleware: AccessGuard(policy: policy, log: log))
        Routes(configuration: configuration, policy: policy).register(on: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                bound.set(port)
                for line in startLines(configuration, port: port) { announce(line) }
            },
            logger: Logger(label: "why401-serve", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await app.runService()
        } catch let error as IOError {
            throw ServeFailure(
                "cannot listen on \(configuration.authority(port: configuration.port)): "
                    + String(cString: strerror(error.errnoCode)))
        } catch {
            // An address that does not resolve, and the like: NIO's description names the host.
            throw ServeFailure(
                "cannot listen on \(configuration.authority(port: configuration.port)): "
                    + String(describing: error).oneLine)
        }
    }

    /// What the server says when it is up: where, and how it is locked down.
    static func startLines(_ configuration: ServeConfiguration, port: Int) -> [String] {
        let authority = configuration.authority(port: port)
        var lines = ["why401 serve: listening on http://\(authority)/"]
        if configuration.isLoopback {
            lines.append(
                "loopback only; Host must be \(authority) or localhost:\(port); posts from this page only")
        } else {
            lines.append(
                "NOT loopback: every request needs the token (Authorization: Bearer TOKEN; the page asks for it once)"
                    + "; Host must name this machine; posts from this page only")
        }
        if configuration.isLoopback, configuration.token != nil {
            lines.append("a token is set: every request needs it (Authorization: Bearer TOKEN)")
        }
        lines.append(
            "live checks end within \(Int(configuration.maxTime)) s; bodies up to 1 MiB (HAR 32 MiB); "
                + "nothing is stored; secrets are never logged. Ctrl-C stops.")
        return lines
    }
}

/// The routes, each: read the body (capped) → input → `Diagnose` → JSON or HTML.
struct Routes: Sendable {
    let configuration: ServeConfiguration
    let policy: AccessPolicy

    static let fragmentHeader = "X-Why401-Fragment"

    func register(on router: Router<BasicRequestContext>) {
        let version = configuration.version
        router.get("/") { _, _ in Reply.html(Page.page(result: nil, version: version)) }
        router.get("/app.js") { _, _ in
            Reply.response(Page.script, type: "text/javascript; charset=utf-8", status: .ok)
        }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/healthz") { _, _ in
            Reply.json(
                JSONValue.object([
                    ("status", .string("ok")), ("tool", .string("why401")), ("version", .string(version)),
                ])
                .serialized(pretty: false) + "\n")
        }
        router.post("/session") { request, _ in try await session(request) }

        // The JSON API.
        router.post("/api/v1/check") { request, _ in
            let body = try Inputs.json(CheckBody.self, from: try await Inputs.body(of: request, limit: bodyLimit))
            return json(try await Diagnose.check(body.input, maxTime: configuration.maxTime))
        }
        router.post("/api/v1/curl") { request, _ in
            let body = try Inputs.json(CurlBody.self, from: try await Inputs.body(of: request, limit: bodyLimit))
            return json(try await Diagnose.curl(body.command, maxTime: configuration.maxTime))
        }
        router.post("/api/v1/har") { request, _ in
            let bytes = try await Inputs.body(of: request, limit: configuration.harLimit)
            return json(try await Diagnose.har(bytes, name: "upload.har"))
        }
        router.post("/api/v1/jwt") { request, _ in
            let body = try Inputs.json(TokenBody.self, from: try await Inputs.body(of: request, limit: bodyLimit))
            return json(try await Diagnose.jwt(body.input, maxTime: configuration.maxTime))
        }
        router.post("/api/v1/challenge") { request, _ in
            let body = try Inputs.json(ChallengeBody.self, from: try await Inputs.body(of: request, limit: bodyLimit))
            return json(try Diagnose.challenge(body.input))
        }
        router.get("/api/v1/explain") { _, _ in Reply.json(JSONRenderer.render(Diagnose.catalog())) }
        router.get("/api/v1/explain/{id}") { _, context in
            Reply.json(JSONRenderer.render(try Diagnose.explain(context.parameters.get("id") ?? "")))
        }

        // The page's forms (no script needed); with `X-Why401-Fragment: 1` only the report.
        router.post("/check") { request, _ in
            let form = try await form(request)
            var input = CheckInput(url: form["url"] ?? "")
            input.user = form["user"]
            input.password = form["password"]
            input.bearer = form["bearer"]
            input.method = form["method"]
            input.digest = form["digest"] != nil
            for line in (form["headers"] ?? "").split(whereSeparator: \.isNewline) {
                guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                    throw Refusal.badRequest("headers: one 'Name: value' per line")
                }
                input.headers.append(
                    (String(line[..<colon]).trimmed, String(line[line.index(after: colon)...]).trimmed))
            }
            return html(request, try await Diagnose.check(input, maxTime: configuration.maxTime))
        }
        router.post("/curl") { request, _ in
            let form = try await form(request)
            return html(request, try await Diagnose.curl(form["command"] ?? "", maxTime: configuration.maxTime))
        }
        router.post("/har") { request, _ in
            let bytes = try await Inputs.body(of: request, limit: configuration.harLimit)
            let type = request.headers[.contentType] ?? ""
            if type.lowercased().hasPrefix("multipart/form-data") {
                let parts = try Inputs.multipart(bytes, contentType: type)
                guard let part = parts.first(where: { $0.name == "har" }), !part.content.isEmpty else {
                    throw Refusal.badRequest("har: choose a HAR file (or drop one on the page)")
                }
                let name = part.filename.map { String($0.oneLine.prefix(120)) }?.nonEmpty ?? "upload.har"
                return html(request, try await Diagnose.har(Array(part.content), name: name))
            }
            let form = try Inputs.form(bytes)
            return html(request, try await Diagnose.har(Array((form["har"] ?? "").utf8), name: "pasted.har"))
        }
        router.post("/jwt") { request, _ in
            let form = try await form(request)
            let input = TokenInput(
                token: form["token"] ?? "", secret: form["secret"], jwks: form["jwks"], audience: form["audience"],
                issuer: form["issuer"])
            return html(request, try await Diagnose.jwt(input, maxTime: configuration.maxTime))
        }
        router.post("/challenge") { request, _ in
            let form = try await form(request)
            var status: Int?
            if let text = form["status"]?.trimmed.nonEmpty {
                guard let value = Int(text) else { throw Refusal.badRequest("status: a three-digit HTTP status") }
                status = value
            }
            let input = ChallengeInput(
                headers: ChallengeReadRequest.headerLines(Array((form["headers"] ?? "").utf8)),
                proxy: form["proxy"] != nil, status: status)
            return html(request, try Diagnose.challenge(input))
        }
        router.get("/explain/{id}") { request, context in
            let report = try Diagnose.explain(context.parameters.get("id") ?? "")
            return html(request, Diagnosed(report: report))
        }
    }

    var bodyLimit: Int { configuration.bodyLimit }

    func form(_ request: Request) async throws -> [String: String] {
        try Inputs.form(try await Inputs.body(of: request, limit: bodyLimit))
    }

    /// 200 with the schema-1 report; 502 with it when the target gave no HTTP answer (its `plan`
    /// ends with the reason, as the CLI's JSON does before it exits 3).
    func json(_ diagnosed: Diagnosed) -> Response {
        Reply.json(JSONRenderer.render(diagnosed.report), status: diagnosed.incomplete == nil ? .ok : .badGateway)
    }

    /// The report in the page, or alone for the page's script.
    func html(_ request: Request, _ diagnosed: Diagnosed) -> Response {
        let status: HTTPResponse.Status = diagnosed.incomplete == nil ? .ok : .badGateway
        let result = Page.result(diagnosed)
        if request.headers[.init(Self.fragmentHeader)!] != nil { return Reply.html(result, status: status) }
        return Reply.html(Page.page(result: result, version: configuration.version), status: status)
    }

    /// The page's token form: the right token gets the session cookie (never the token itself).
    func session(_ request: Request) async throws -> Response {
        guard configuration.token != nil, let session = policy.session else {
            return Reply.html(Page.page(result: nil, version: configuration.version))
        }
        let form = try await form(request)
        guard policy.accepts(token: form["token"] ?? "") else {
            throw Refusal(.unauthorized, "wrong token: give the --token this server was started with")
        }
        var response = Response(status: .seeOther)
        response.headers[.location] = "/"
        response.headers[.setCookie] = "\(AccessPolicy.cookieName)=\(session); Path=/; HttpOnly; SameSite=Strict"
        return response
    }
}
