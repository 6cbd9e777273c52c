/// Masks secrets for display. Every renderer prints only masked values; the masking lives here,
/// beside the grammar, because deciding what is secret in `Authorization: Digest …` needs it.
///
/// Forms: `Bearer eyJh…(812 chars)`, `Basic alice:****`, Digest with `response="****"`,
/// cookies `name=****`, URL passwords `user:****@`, secret-looking query parameters `token=****`.
public enum SecretMasking {
    /// Headers whose whole value is a secret (API keys and session tokens sent outside Authorization).
    static let secretHeaderNames: Set<String> = [
        "x-api-key", "api-key", "apikey", "x-auth-token", "x-access-token", "x-csrf-token",
        "x-xsrf-token", "private-token", "x-amz-security-token", "ocp-apim-subscription-key",
        "x-goog-api-key", "x-vault-token", "x-consul-token",
    ]
    /// Query parameter names whose values are secrets.
    static let secretQueryNames: Set<String> = [
        "access_token", "token", "id_token", "refresh_token", "api_key", "apikey", "key", "password",
        "passwd", "pass", "secret", "client_secret", "code", "sig", "signature", "auth",
    ]

    /// The display form of a header value.
    public static func maskHeaderValue(name: String, value: String) -> String {
        switch name.lowercased() {
        case "authorization", "proxy-authorization":
            return maskCredentials(value)
        case "cookie":
            return maskCookieHeader(value)
        case "set-cookie":
            return maskSetCookie(value)
        case "location", "content-location":
            // OAuth redirects carry `code=` / `access_token=` in the query.
            return maskURL(value)
        case let lower where secretHeaderNames.contains(lower):
            return maskOpaque(value)
        default:
            return value
        }
    }

    /// `abcdefgh…` → `abcd…(N chars)`; short secrets show nothing of themselves.
    public static func maskOpaque(_ secret: String) -> String {
        let count = secret.count
        if count == 0 { return "" }
        if count < 16 { return "****(\(count) chars)" }
        return "\(secret.prefix(4))…(\(count) chars)"
    }

    /// The display form of an `Authorization` value.
    public static func maskCredentials(_ value: String) -> String {
        let trimmed = value.drop(while: { $0 == " " || $0 == "\t" })
        guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            // A bare value with no scheme: the whole thing may be the secret.
            return maskOpaque(String(trimmed))
        }
        let scheme = String(trimmed[..<space])
        let rest = String(trimmed[space...].drop(while: { $0 == " " || $0 == "\t" }))
        switch scheme.lowercased() {
        case "basic":
            if let decoded = Base64.decode(rest), let text = String(validating: decoded, as: UTF8.self),
                let colon = text.firstIndex(of: ":")
            {
                let user = String(text[..<colon])
                // The user name is not a secret, but a control character in it could hide output.
                let printable = user.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
                return "\(scheme) \(printable ? user : "<user>"):****"
            }
            return "\(scheme) \(maskOpaque(rest))"
        case "digest":
            return "\(scheme) \(maskParameters(rest, secretNames: ["response", "cnonce", "password"]))"
        default:
            if rest.contains("=") && rest.contains(",") || rest.contains("=\"") {
                // Parameter form (e.g. AWS4-HMAC-SHA256 Credential=…, Signature=…).
                return "\(scheme) \(maskParameters(rest, secretNames: ["signature", "sig", "response", "token", "password", "credential"]))"
            }
            return "\(scheme) \(maskOpaque(rest))"
        }
    }

    /// Replaces the values of the named parameters in a `a=b, c="d"` list, keeping the rest.
    static func maskParameters(_ list: String, secretNames: Set<String>) -> String {
        var out = ""
        var index = list.startIndex
        while index < list.endIndex {
            // Copy up to the next `=`, remembering the name before it.
            guard let eq = list[index...].firstIndex(of: "=") else {
                out += list[index...]
                break
            }
            let nameStart = list[index..<eq].lastIndex(where: { $0 == "," || $0 == " " }).map { list.index(after: $0) } ?? index
            let name = list[nameStart..<eq].lowercased()
            out += list[index...eq]
            var valueEnd = list.index(after: eq)
            if valueEnd < list.endIndex, list[valueEnd] == "\"" {
                valueEnd = list.index(after: valueEnd)
                while valueEnd < list.endIndex, list[valueEnd] != "\"" {
                    if list[valueEnd] == "\\" { valueEnd = list.index(valueEnd, offsetBy: 1, limitedBy: list.endIndex) ?? list.endIndex }
                    if valueEnd < list.endIndex { valueEnd = list.index(after: valueEnd) }
                }
                if valueEnd < list.endIndex { valueEnd = list.index(after: valueEnd) }
            } else {
                while valueEnd < list.endIndex, list[valueEnd] != "," { valueEnd = list.index(after: valueEnd) }
            }
            let value = list[list.index(after: eq)..<valueEnd]
            if secretNames.contains(name) {
                out += value.hasPrefix("\"") ? "\"****\"" : "****"
            } else {
                out += value
            }
            index = valueEnd
        }
        return out
    }

    /// `a=1; b=2` → `a=****; b=****`.
    public static func maskCookieHeader(_ value: String) -> String {
        value.split(separator: ";", omittingEmptySubsequences: false).map { pair -> String in
            guard let eq = pair.firstIndex(of: "=") else { return String(pair) }
            return "\(pair[...eq])****"
        }.joined(separator: ";")
    }

    /// `sid=abc; Path=/; HttpOnly` → `sid=****; Path=/; HttpOnly` (attributes are not secret).
    public static func maskSetCookie(_ value: String) -> String {
        guard let semicolon = value.firstIndex(of: ";") else { return maskCookieHeader(value) }
        return maskCookieHeader(String(value[..<semicolon])) + value[semicolon...]
    }

    /// Masks a password in the userinfo and secret-looking query parameters.
    public static func maskURL(_ url: String) -> String {
        var result = url
        if let schemeEnd = result.firstRange(of: "://") {
            let authorityStart = schemeEnd.upperBound
            let authorityEnd = result[authorityStart...].firstIndex(where: { "/?#".contains($0) }) ?? result.endIndex
            let authority = result[authorityStart..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result.replaceSubrange(authority.index(after: colon)..<at, with: "****")
            }
        }
        guard let question = result.firstIndex(of: "?") else { return result }
        let fragmentStart = result[question...].firstIndex(of: "#") ?? result.endIndex
        let query = result[result.index(after: question)..<fragmentStart]
        let maskedQuery = query.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
            guard let eq = item.firstIndex(of: "=") else { return String(item) }
            return secretQueryNames.contains(item[..<eq].lowercased()) ? "\(item[...eq])****" : String(item)
        }.joined(separator: "&")
        result.replaceSubrange(result.index(after: question)..<fragmentStart, with: maskedQuery)
        return result
    }
}
