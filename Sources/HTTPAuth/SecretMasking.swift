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
        "passwd", "pass", "secret", "client_secret", "code", "sig", "signature", "auth", "auth_token",
        "private_token", "jwt", "session", "sessionid", "assertion", "client_assertion", "x-amz-signature",
        "x-amz-security-token", "x-amz-credential", "oauth_token", "oauth_signature",
    ]

    /// Words that make a header name a secret's carrier (`X-Session-Token`, `X-Functions-Key`).
    static let secretNameWords = ["token", "key", "secret", "session", "signature", "password", "auth"]

    /// Whether a header carries a credential: `Authorization`, `Proxy-Authorization`, `Cookie`,
    /// the known API-key headers, and any name containing token/key/secret/session/signature/
    /// password/auth. The plan keeps such headers to the user's origin.
    public static func isCredentialHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        if ["authorization", "proxy-authorization", "cookie"].contains(lower) || secretHeaderNames.contains(lower) {
            return true
        }
        // Response-describing names that merely contain a word (`Accept`…) are not request credentials;
        // the words are specific enough for request headers.
        return secretNameWords.contains { lower.contains($0) } && lower != "www-authenticate"
            && lower != "authentication-info"
    }

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
        case "www-authenticate", "proxy-authenticate", "authentication-info", "proxy-authentication-info":
            return value
        case let lower
        where secretHeaderNames.contains(lower) || secretNameWords.contains(where: { lower.contains($0) }):
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
        guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }),
            trimmed[..<space].allSatisfy({
                $0.isASCII && ($0.isLetter || $0.isNumber || "-._~+!#$%&'*^`|".contains($0))
            })
        else {
            // A bare value with no scheme: the whole thing may be the secret.
            return maskOpaque(String(trimmed))
        }
        let scheme = String(trimmed[..<space])
        let rest = String(trimmed[space...].drop(while: { $0 == " " || $0 == "\t" }))
        // A token68 is one secret, whatever the scheme: `Negotiate YII…==,` (a trailing empty list element)
        // must not be read as a parameter named by the token with an empty value, shown in full.
        if scheme.lowercased() != "basic", CredentialsParser.parse(String(trimmed)).credentials?.token68 != nil {
            return "\(scheme) \(maskOpaque(rest))"
        }
        switch scheme.lowercased() {
        case "basic":
            if let decoded = Base64.decode(rest), let text = String(validating: decoded, as: UTF8.self),
                let colon = text.firstIndex(of: ":")
            {
                let user = String(text[..<colon])
                return "\(scheme) \(displayUser(user, passwordIsEmpty: text[text.index(after: colon)...].isEmpty)):****"
            }
            return "\(scheme) \(maskOpaque(rest))"
        case "digest":
            return "\(scheme) \(maskParameters(rest, secretNames: ["response", "cnonce", "password", "username*"]))"
        default:
            if rest.contains("=") && rest.contains(",") || rest.contains("=\"") {
                // Parameter form (e.g. AWS4-HMAC-SHA256 Credential=…, Signature=…).
                let secretNames: Set<String> = [
                    "signature", "sig", "response", "token", "password", "credential", "oauth_token", "oauth_signature",
                    "mac", "key",
                ]
                return "\(scheme) \(maskParameters(rest, secretNames: secretNames))"
            }
            return "\(scheme) \(maskOpaque(rest))"
        }
    }

    /// A Basic user name as shown. User names are not secrets — except where the API key *is* the
    /// user name (`sk_live_…:` with an empty password, `apikey:KEY`-style long random names).
    public static func displayUser(_ user: String, passwordIsEmpty: Bool) -> String {
        let printable = user.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
        if !printable { return "<user>" }
        let looksLikeKey =
            user.count >= 20 && user.contains(where: \.isNumber) && user.contains(where: \.isLetter)
            && !user.contains(" ")
            && !user.contains("@")
        return passwordIsEmpty || looksLikeKey ? maskOpaque(user) : user
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
            // The name is the last word before `=`, spaces and tabs around it allowed (`response = "…"`).
            let beforeEq = list[index..<eq]
            let nameEnd = beforeEq.lastIndex(where: { $0 != " " && $0 != "\t" }).map { list.index(after: $0) } ?? index
            let nameStart =
                list[index..<nameEnd].lastIndex(where: { $0 == "," || $0 == " " || $0 == "\t" }).map {
                    list.index(after: $0)
                } ?? index
            let name = list[nameStart..<nameEnd].lowercased()
            out += list[index...eq]
            var valueEnd = list.index(after: eq)
            while valueEnd < list.endIndex, list[valueEnd] == " " || list[valueEnd] == "\t" {
                out.append(list[valueEnd])
                valueEnd = list.index(after: valueEnd)
            }
            let valueStart = valueEnd
            if valueEnd < list.endIndex, list[valueEnd] == "\"" {
                valueEnd = list.index(after: valueEnd)
                while valueEnd < list.endIndex, list[valueEnd] != "\"" {
                    if list[valueEnd] == "\\" {
                        valueEnd = list.index(valueEnd, offsetBy: 1, limitedBy: list.endIndex) ?? list.endIndex
                    }
                    if valueEnd < list.endIndex { valueEnd = list.index(after: valueEnd) }
                }
                if valueEnd < list.endIndex { valueEnd = list.index(after: valueEnd) }
            } else {
                while valueEnd < list.endIndex, list[valueEnd] != "," { valueEnd = list.index(after: valueEnd) }
            }
            let value = list[valueStart..<valueEnd]
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
            guard let eq = pair.firstIndex(of: "=") else {
                // A bare value (`Cookie: abc123`) is all secret.
                return pair.allSatisfy({ $0 == " " }) ? String(pair) : " ****"
            }
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
            if let at = authority.lastIndex(of: "@") {
                if let colon = authority[..<at].firstIndex(of: ":") {
                    result.replaceSubrange(authority.index(after: colon)..<at, with: "****")
                } else {
                    // `https://ghp_TOKEN@github.com`: a token alone in the userinfo.
                    result.replaceSubrange(authority.startIndex..<at, with: "****")
                }
            }
        }
        // Query and fragment (OAuth implicit flow puts `#access_token=…` there).
        for separator in ["?", "#"] as [Character] {
            guard let start = result.firstIndex(of: separator) else { continue }
            let partStart = result.index(after: start)
            let partEnd =
                separator == "?" ? (result[partStart...].firstIndex(of: "#") ?? result.endIndex) : result.endIndex
            let masked = maskParameterList(result[partStart..<partEnd])
            result.replaceSubrange(partStart..<partEnd, with: masked)
        }
        return result
    }

    /// `a=1&token=X;sig=Y` with secret names' values masked (`&` and `;` both separate).
    static func maskParameterList(_ list: Substring) -> String {
        var out = ""
        var item = ""
        func flush() {
            if let eq = item.firstIndex(of: "="), secretQueryNames.contains(item[..<eq].lowercased()) {
                out += item[...eq] + "****"
            } else {
                out += item
            }
            item = ""
        }
        for ch in list {
            if ch == "&" || ch == ";" {
                flush()
                out.append(ch)
            } else {
                item.append(ch)
            }
        }
        flush()
        return out
    }
}
