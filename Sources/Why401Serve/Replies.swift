import Hummingbird
import Report

/// A request `why401 serve` declines, with its status and a one-line reason that never holds a
/// secret (the API's `{"error": …}` body, the page's alert).
struct Refusal: Error, Sendable {
    var status: HTTPResponse.Status
    var reason: String

    init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    /// 400: the request is wrong (a missing field, a usage error from the library).
    static func badRequest(_ reason: String) -> Refusal { Refusal(.badRequest, reason) }
    /// 413: a body over its cap.
    static func tooLarge(limit: Int) -> Refusal {
        Refusal(.contentTooLarge, "the body is larger than \(limit >> 20) MiB, the limit for this endpoint")
    }
}

/// Response builders: every response carries the same protective headers, and nothing is cached.
enum Reply {
    /// Schema-1 JSON or an error object.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        response(text, type: "application/json; charset=utf-8", status: status)
    }

    /// `{"error": "…"}` with the refusal's status.
    static func jsonError(_ refusal: Refusal) -> Response {
        json(
            JSONValue.object([("error", .string(refusal.reason))]).serialized(pretty: true) + "\n",
            status: refusal.status)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        response(text, type: "text/html; charset=utf-8", status: status)
    }

    static func response(_ text: String, type: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Added to every response: no caching (reports hold what the user typed, masked or not), no
    /// sniffing, no framing, no referrer to another origin (to this one it must stay: a browser that
    /// sends no referrer sends `Origin: null` with a form post, which the origin check refuses), and
    /// on HTML a policy that allows only this server's script.
    static func secure(_ response: inout Response) {
        response.headers[.cacheControl] = "no-store"
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Cross-Origin-Resource-Policy")!] = "same-origin"
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] =
                "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
                + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        }
    }
}
