import Checkup
import MCP
import Report
import Why401Kit

/// `diagnose_url`: `why401 URL` — the live client-side check, through `UseCase.check`.
public enum DiagnoseURLTool: Why401Tool {
    /// The tool\'s name, as clients call it.
    public static let name = "diagnose_url"

    static let argumentNames = ["url", "user", "password", "bearer", "headers", "method", "digest"]

    /// The description and the input schema `tools/list` gives.
    public static var definition: Tool {
        Tool(
            name: name, title: "Diagnose a URL that answers 401",
            description: """
                Find out why an HTTP(S) URL answers 401 Unauthorized (or 407, or an authentication 403) and \
                what to change. Call it when a request to an API or site is refused for authentication and you \
                have the URL and the credentials (user + password, or a Bearer token, or the Authorization / \
                Cookie headers). It sends the request as given, then a short plan (without credentials, a \
                correct answer to each challenge, repeats, each address, URL variants, OAuth discovery) and \
                ranks the causes. At most 4 requests carry the credentials, never to another origin and never \
                from https to http; an unsafe method (POST, PUT…) is sent once. Returns a one-line verdict and \
                the report as JSON (schema 1): `cause` is the most likely finding id, `findings` has evidence \
                and fix steps; secrets are masked. Use diagnose_curl instead when you have a whole curl command.
                """,
            inputSchema: Schema.object(
                [
                    "url": Schema.string("The absolute http:// or https:// URL that answers 401."),
                    "user": Schema.string("User name for Basic or Digest (or USER:PASS, curl's -u form)."),
                    "password": Schema.string("The password for user. Masked in every result."),
                    "bearer": Schema.string(
                        "A Bearer token (OAuth access token, JWT) to send. Masked in every result."),
                    "headers": Schema.strings(
                        "Extra request headers, each \"Name: value\" (e.g. \"Cookie: session=…\", \"X-API-Key: …\")."),
                    "method": Schema.string("The request method; default GET."),
                    "digest": Schema.boolean(
                        "Answer a Digest challenge instead of sending Basic preemptively (curl --digest)."),
                ], required: ["url"]),
            annotations: .init(readOnlyHint: false, destructiveHint: false, openWorldHint: true))
    }

    /// The tool's arguments as the check request `why401 URL` would build from the same flags, on
    /// the server's plan settings. Pure. Throws `ToolInputError` (or `AuditFailure.usage`) for
    /// arguments that cannot make a request.
    public static func request(_ arguments: ToolArguments, settings: MCPSettings) throws -> CheckRequest {
        try arguments.expectOnly(argumentNames)
        let url = try arguments.requiredString("url").trimmingWhitespace
        // Not echoed: a URL can hold a password or a token.
        guard url.contains("://") else { throw ToolInputError("url must be an absolute http(s) URL (https://…)") }
        var request = settings.planSettings(url: url)
        if let method = try arguments.string("method") {
            guard !method.isEmpty, method.utf8.allSatisfy(isTokenByte) else {
                throw ToolInputError("method must be an HTTP method name such as GET or POST")
            }
            request.method = method
        }
        for line in try arguments.headerLines("headers") {
            do { try request.addHeader(line: line) } catch {
                throw ToolInputError("headers: each must be \"Name: value\"")
            }
        }
        let user = try arguments.string("user")
        let password = try arguments.string("password")
        switch (user, password) {
        case (let user?, let password?):
            request.user = user
            request.password = password
        case (let user?, nil):
            guard let colon = user.firstIndex(of: ":") else {
                throw ToolInputError("user needs password (or give user as USER:PASS)")
            }
            request.user = String(user[..<colon])
            request.password = String(user[user.index(after: colon)...])
        case (nil, _?):
            throw ToolInputError("password needs user")
        case (nil, nil):
            break
        }
        if let token = try arguments.string("bearer")?.withoutBearerPrefix {
            if token.isEmpty { throw ToolInputError("bearer is empty") }
            request.bearer = token
        }
        request.passwordMode = try arguments.bool("digest") == true ? .digest : .basic
        return request
    }

    /// Maps the arguments (`request`), calls `UseCase.check`, and returns `CheckReport`.
    public static func call(_ arguments: ToolArguments, settings: MCPSettings) async throws -> ToolOutput {
        ToolOutput(check: try await UseCase.check(try request(arguments, settings: settings)))
    }

    /// RFC 9110 `tchar`: what a method name may consist of.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

extension String {
    /// Without leading and trailing whitespace (a pasted value often ends in a newline).
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// A token without surrounding whitespace and without a leading `Bearer ` (an assistant often
    /// passes the whole header value).
    var withoutBearerPrefix: String {
        let trimmed = trimmingWhitespace
        let lower = trimmed.lowercased()
        guard lower == "bearer" || lower.hasPrefix("bearer ") || lower.hasPrefix("bearer\t") else { return trimmed }
        return String(trimmed.dropFirst(6)).trimmingWhitespace
    }
}
