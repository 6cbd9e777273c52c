import Evidence

/// An application server or framework recognised in an answer, with where its authentication is
/// configured. Data, not code: adding a framework is one entry. Every condition given must hold
/// (a `Server` prefix, a header present, an `X-Powered-By` prefix, a body substring, a cookie the
/// response sets), so a generic shape such as `{"detail": …}` only counts together with its server.
public struct ApplicationFingerprint: Sendable {
    /// The application server or framework as people call it (`Django REST framework`, `Spring Security`).
    public let name: String
    let serverContains: String?
    let header: String?
    let poweredBy: String?
    let bodyContains: String?
    let setsCookie: String?
    /// Where this framework decides about credentials, and how to see why it refused.
    public let fix: String

    init(
        _ name: String, server: String? = nil, header: String? = nil, poweredBy: String? = nil, body: String? = nil,
        cookie: String? = nil, fix: String
    ) {
        self.name = name
        self.serverContains = server
        self.header = header
        self.poweredBy = poweredBy
        self.bodyContains = body
        self.setsCookie = cookie
        self.fix = fix
    }

    /// Most specific first: a framework before the server it runs on.
    public static let table: [ApplicationFingerprint] = [
        .init(
            "Django REST framework", header: "allow", body: "\"detail\":",
            fix:
                """
                Django REST framework decides in the view's `authentication_classes` (or \
                `DEFAULT_AUTHENTICATION_CLASSES`): TokenAuthentication reads `Authorization: Token KEY`, \
                BasicAuthentication a Django user's password (check it with `python manage.py changepassword \
                USER`), SessionAuthentication a logged-in session plus CSRF.
                """
        ),
        .init(
            "FastAPI (Starlette)", server: "uvicorn", body: "\"detail\":",
            fix:
                """
                FastAPI decides in the route's security dependency (`HTTPBearer`, `OAuth2PasswordBearer`, \
                `APIKeyHeader(name=…)`, `HTTPBasic`): send what that dependency reads; its `detail` names the \
                check that failed.
                """
        ),
        .init(
            "Flask-HTTPAuth", server: "werkzeug", body: "unauthorized access",
            fix:
                """
                Flask-HTTPAuth: the `@auth.verify_password` / `@auth.verify_token` callback returned nothing for \
                these credentials; log what it receives to see whether the header arrives and what it compares.
                """
        ),
        .init(
            "Laravel", cookie: "laravel_session",
            fix:
                """
                Laravel decides in the route's `auth:` middleware: Sanctum and Passport read `Authorization: \
                Bearer TOKEN`; behind Apache the stock `public/.htaccess` must keep `RewriteRule .* - \
                [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]`.
                """
        ),
        .init(
            "Express", poweredBy: "express",
            fix:
                """
                Express decides in its auth middleware (passport strategy, express-jwt, a custom check): log \
                `req.headers.authorization` in it; `app.use` order matters — the middleware must run before the \
                route.
                """
        ),
        .init(
            "ASP.NET Core (Kestrel)", server: "kestrel",
            fix:
                """
                ASP.NET Core decides with `[Authorize]` and the schemes of `AddAuthentication(…)`: for JWT check \
                `JwtBearerOptions` (Authority, Audience); set \
                `Logging:LogLevel:Microsoft.AspNetCore.Authentication` to Debug to log why.
                """
        ),
        .init(
            "Java servlet container", server: "jetty",
            fix:
                """
                The servlet application decides (Spring Security's `SecurityFilterChain`, a \
                `<security-constraint>` in web.xml): `logging.level.org.springframework.security=DEBUG` logs why a \
                request was refused.
                """
        ),
        .init(
            "Java servlet container", cookie: "jsessionid",
            fix:
                """
                The servlet application decides (Spring Security's `SecurityFilterChain`, a \
                `<security-constraint>` in web.xml): `logging.level.org.springframework.security=DEBUG` logs why a \
                request was refused.
                """
        ),
        .init(
            "Django", cookie: "csrftoken",
            fix:
                """
                Django decides in the view's decorators or middleware (`@login_required`, a REST framework's \
                classes): check the user with `python manage.py changepassword USER` and the authentication \
                backends in `AUTHENTICATION_BACKENDS`.
                """
        ),
        .init(
            "a Python WSGI/ASGI application (gunicorn, uvicorn, Werkzeug, aiohttp)", server: "gunicorn",
            fix:
                """
                The Python application behind gunicorn decides: its framework's authentication settings and its \
                log say why; the server itself does no authentication.
                """
        ),
        .init(
            "a Python WSGI/ASGI application (gunicorn, uvicorn, Werkzeug, aiohttp)", server: "uvicorn",
            fix:
                """
                The Python application behind uvicorn decides: its framework's authentication settings and its log \
                say why; the server itself does no authentication.
                """
        ),
        .init(
            "a Python WSGI/ASGI application (gunicorn, uvicorn, Werkzeug, aiohttp)", server: "werkzeug",
            fix:
                "The Flask/Werkzeug application decides: its authentication decorator or extension and its log say why."
        ),
        .init(
            "a Python WSGI/ASGI application (gunicorn, uvicorn, Werkzeug, aiohttp)", server: "aiohttp",
            fix:
                """
                The aiohttp application decides in its handler or middleware: log what \
                `request.headers.get('Authorization')` holds there.
                """
        ),
        .init(
            "a Python WSGI/ASGI application (gunicorn, uvicorn, Werkzeug, aiohttp)", server: "wsgiserver",
            fix:
                """
                The Python application decides (Django's or another framework's authentication settings); the \
                development server itself does no authentication.
                """
        ),
    ]

    func matches(_ response: RecordedResponse) -> Bool {
        let headers = response.headers
        if let server = serverContains, !(headers.first("Server")?.lowercased().contains(server) ?? false) {
            return false
        }
        if let header, headers.first(header) == nil { return false }
        if let poweredBy, !(headers.first("X-Powered-By")?.lowercased().hasPrefix(poweredBy) ?? false) { return false }
        if let bodyContains,
            !String(decoding: response.bodyPrefix.prefix(4096), as: UTF8.self).lowercased().contains(bodyContains)
        {
            return false
        }
        if let setsCookie,
            !headers.values("Set-Cookie").contains(where: { $0.lowercased().hasPrefix(setsCookie + "=") })
        {
            return false
        }
        return true
    }

    /// The most specific fingerprint an answer matches, if any.
    public static func identify(_ response: RecordedResponse) -> ApplicationFingerprint? {
        table.first { $0.matches(response) }
    }
}

extension String {
    /// The fix text with the placeholder `USER` replaced by the user name the request carried.
    func replacingUSER(with user: String) -> String {
        split(separator: "USER", omittingEmptySubsequences: false).joined(separator: user)
    }
}
