import MCP
import Report
import Why401Kit

/// `inspect_jwt`: `why401 jwt` — decode and judge a token, through `UseCase.inspectToken`.
public enum InspectJWTTool: Why401Tool {
    /// The tool\'s name, as clients call it.
    public static let name = "inspect_jwt"

    static let argumentNames = ["token", "secret", "key", "jwks", "audience", "issuer"]

    /// The description and the input schema `tools/list` gives.
    public static var definition: Tool {
        Tool(
            name: name, title: "Inspect a JWT",
            description: """
                Decode a JWT (JSON Web Token, e.g. an OAuth access token or ID token) and say what is wrong with \
                it: expired, not yet valid, issued in the future (clock skew), wrong audience or issuer, alg none, \
                a signature that does not verify, an HS* token signed with a well-known weak secret. Call it when \
                a Bearer token is rejected or before trusting what a token claims. Offline unless `jwks` is a URL \
                (fetched without credentials). Give at most one key: `secret` (HMAC), `key` (PEM) or `jwks`. \
                Returns a one-line verdict and the report as JSON (schema 1) with the header, the claims (times in \
                UTC) and `findings`; the token is masked and its signature never shown.
                """,
            inputSchema: Schema.object(
                [
                    "token": Schema.string("The JWT (header.payload.signature); a leading \"Bearer \" is ignored."),
                    "secret": Schema.string("The HMAC secret (HS256/384/512) to verify the signature with."),
                    "key": Schema.string(
                        "A PEM public key, private key or certificate (RS*, PS*, ES*, EdDSA), or the path of one."),
                    "jwks": Schema.string("A JWK Set: its JSON, an https:// URL, or the path of a file."),
                    "audience": Schema.string("The audience (aud) the API expects."),
                    "issuer": Schema.string("The issuer (iss) the API expects."),
                ], required: ["token"]),
            // Offline, except for a `jwks` URL.
            annotations: .init(readOnlyHint: true, openWorldHint: true))
    }

    /// The entry point's request; a JWKS URL is fetched within the server's request timeout. Pure.
    public static func request(_ arguments: ToolArguments, settings: MCPSettings) throws -> TokenInspectionRequest {
        try arguments.expectOnly(argumentNames)
        let token = try arguments.requiredString("token").withoutBearerPrefix
        if token.isEmpty { throw ToolInputError("token is empty") }
        let keys = try ["secret", "key", "jwks"].compactMap { name in try arguments.string(name).map { (name, $0) } }
        if keys.count > 1 { throw ToolInputError("give at most one of secret, key, jwks") }
        var source: TokenKeySource?
        if let (name, value) = keys.first {
            if value.isEmpty { throw ToolInputError("\(name) is empty") }
            source = keySource(name: name, value: value)
        }
        return TokenInspectionRequest(
            token: token, key: source, audience: try arguments.string("audience"),
            issuer: try arguments.string("issuer"), timeout: settings.requestTimeout)
    }

    /// A key argument as the library's key source. The secret is always text (a leading `@` is part
    /// of it); a PEM or a JWK Set is text when it looks like one, else a path.
    static func keySource(name: String, value: String) -> TokenKeySource {
        let trimmed = value.trimmingWhitespace
        switch name {
        case "secret":
            return .secret(value)
        case "key":
            return trimmed.hasPrefix("-----BEGIN") ? .pem(value) : .pemFile(trimmed)
        default:
            let lower = trimmed.lowercased()
            if trimmed.hasPrefix("{") { return .jwks(value) }
            if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return .jwksURL(trimmed) }
            return .jwksFile(trimmed)
        }
    }

    /// Maps the arguments (`request`), calls `UseCase.inspectToken`, and returns `JWTReport`.
    public static func call(_ arguments: ToolArguments, settings: MCPSettings) async throws -> ToolOutput {
        ToolOutput(report: JWTReport.report(try await UseCase.inspectToken(try request(arguments, settings: settings))))
    }
}
