import Hummingbird
import Logging
import NIOCore
import Why401Kit

#if canImport(Glibc)
    import Glibc
#endif

/// Where a metrics server listens and who may read it: the part `why401 exporter` and
/// `why401 logs --follow --metrics` share.
public struct MetricsListen: Sendable {
    public var address: ListenAddress
    /// Every request but `/healthz` must carry it as `Authorization: Bearer` (Prometheus:
    /// `authorization: {credentials_file: …}`). Required off loopback. Never printed.
    public var token: String?

    public static let minimumTokenLength = 16

    /// Throws `AuditFailure.usage` for a short token, or a non-loopback address without one.
    public init(address: ListenAddress, token: String?, command: String) throws {
        self.address = address
        self.token = token
        if let token {
            if token.utf8.count < Self.minimumTokenLength || token.contains(where: { $0.isWhitespace }) {
                throw AuditFailure.usage(
                    "--token must be at least \(Self.minimumTokenLength) characters without spaces "
                        + "(e.g. openssl rand -hex 16)")
            }
        } else if !address.isLoopback {
            throw AuditFailure.usage(
                "--listen \(address.authority(port: address.port)) is not a loopback address: anyone who can reach "
                    + "it could \(command); give --token TOKEN (Prometheus: authorization credentials_file) as well")
        }
    }

    /// Nil when the request may proceed, else the status and one-line reason.
    ///
    /// Without a token the server is on loopback, and the one risk left is a web page in a local
    /// browser reaching it through a DNS name rebound to 127.0.0.1: `Host` must then be a loopback
    /// address or `localhost`. With a token, the token is what protects it.
    func refusal(for request: Request) -> (HTTPResponse.Status, String)? {
        if let token {
            guard request.uri.path != "/healthz" else { return nil }
            for value in request.headers[values: .authorization] {
                let parts = value.split(separator: " ", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == "bearer",
                    ConstantTime.equal(Array(parts[1].utf8), Array(token.utf8))
                {
                    return nil
                }
            }
            return (.unauthorized, "this server needs its token: Authorization: Bearer TOKEN")
        }
        guard let authority = request.head.authority, let host = Self.host(of: authority),
            host == "localhost" || ListenAddress(host: host, port: 0).isLoopback
        else {
            return (.misdirectedRequest, "the Host header must name this machine (127.0.0.1, ::1 or localhost)")
        }
        return nil
    }

    static func host(of authority: String) -> String? {
        let lower = authority.lowercased()
        if lower.hasPrefix("[") {
            return lower.firstIndex(of: "]").map { String(lower[lower.index(after: lower.startIndex)..<$0]) }
        }
        return lower.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
    }
}

/// A route of a metrics server: a path and what answers it.
struct MetricsRoute: Sendable {
    var path: String
    var answer: @Sendable (Request) async -> Response
}

/// A small Hummingbird server for metrics: GET routes, the access rule of `MetricsListen`, one log
/// line per request (method, path, status, ms — never the query, which names targets).
enum MetricsServer {
    static func run(
        _ listen: MetricsListen, name: String, routes: [MetricsRoute], announce: @escaping @Sendable (Int) -> Void,
        log: @escaping @Sendable (String) -> Void
    ) async throws {
        let router = Router()
        router.add(middleware: MetricsGuard(listen: listen, log: log))
        for route in routes {
            router.get(RouterPath(route.path)) { request, _ in await route.answer(request) }
        }
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(listen.address.host, port: listen.address.port), serverName: nil),
            onServerRunning: { channel in announce(channel.localAddress?.port ?? listen.address.port) },
            logger: Logger(label: name, factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await app.runService()
        } catch let error as IOError {
            throw AuditFailure.incomplete(
                "cannot listen on \(listen.address.authority(port: listen.address.port)): "
                    + String(cString: strerror(error.errnoCode)))
        } catch {
            throw AuditFailure.incomplete(
                "cannot listen on \(listen.address.authority(port: listen.address.port)): "
                    + "\(type(of: error))")
        }
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=utf-8")
        -> Response
    {
        Response(
            status: status, headers: [.contentType: type],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

struct MetricsGuard: RouterMiddleware {
    typealias Context = BasicRequestContext
    let listen: MetricsListen
    let log: @Sendable (String) -> Void

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        if let (status, reason) = listen.refusal(for: request) {
            response = MetricsServer.text(reason + "\n", status: status)
            if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"why401\"" }
        } else {
            do {
                response = try await next(request, context)
            } catch let error as HTTPError where error.status == .notFound {
                response = MetricsServer.text("no such page; try /metrics\n", status: .notFound)
            } catch {
                response = MetricsServer.text("internal error\n", status: .internalServerError)
            }
        }
        let ms = (ContinuousClock.now - started).wholeMilliseconds
        log("\(request.method.rawValue) \(request.uri.path) → \(response.status.code) (\(ms) ms)")
        return response
    }
}
