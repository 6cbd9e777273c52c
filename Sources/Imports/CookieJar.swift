/// A Netscape/curl cookie jar (`curl -c jar.txt`, browser export extensions): one cookie per line,
/// seven tab-separated fields — domain, include-subdomains, path, secure, expiry, name, value.
/// `#HttpOnly_` prefixes the domain of HttpOnly cookies. Pure: the CLI reads the file.
public struct CookieJar: Sendable {
    public struct Cookie: Sendable, Hashable {
        public var domain: String
        public var includeSubdomains: Bool
        public var path: String
        public var secure: Bool
        /// Seconds since the epoch; 0 = a session cookie (no expiry).
        public var expires: Double
        public var name: String
        public var value: String
        public var httpOnly: Bool
    }

    /// Why a stored cookie is not sent to a URL (RFC 6265 §5.4), or that it has expired.
    public enum Exclusion: Sendable, Hashable, CustomStringConvertible {
        case expired(at: Double)
        case domain(String)
        case path(String)
        case secureOnly

        public var description: String {
            switch self {
            case .expired: "expired"
            case .domain(let domain): "its domain \(domain) does not match the host"
            case .path(let path): "its path \(path) does not match the request path"
            case .secureOnly: "it is Secure and the URL is plain http"
            }
        }
    }

    public var cookies: [Cookie]
    /// 1-based numbers of lines that did not parse.
    public var malformedLines: [Int]

    public init(text: String) {
        var cookies: [Cookie] = []
        var malformed: [Int] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            var httpOnly = false
            if line.hasPrefix("#HttpOnly_") {
                httpOnly = true
                line = line.dropFirst("#HttpOnly_".count)
            } else if line.hasPrefix("#") || line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                continue
            }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 7, let expires = Double(fields[4]) else {
                malformed.append(index + 1)
                continue
            }
            cookies.append(
                Cookie(
                    domain: fields[0].lowercased(), includeSubdomains: fields[1].uppercased() == "TRUE",
                    path: fields[2],
                    secure: fields[3].uppercased() == "TRUE", expires: expires, name: fields[5],
                    value: fields[6...].joined(separator: "\t"), httpOnly: httpOnly))
        }
        self.cookies = cookies
        self.malformedLines = malformed
    }

    /// Splits the jar for one request: cookies a browser would send, and the others with the reason.
    public func select(scheme: String, host: String, path: String, now: Double) -> (
        send: [Cookie], excluded: [(Cookie, Exclusion)]
    ) {
        var send: [Cookie] = []
        var excluded: [(Cookie, Exclusion)] = []
        let host = host.lowercased()
        for cookie in cookies {
            let bare = cookie.domain.hasPrefix(".") ? String(cookie.domain.dropFirst()) : cookie.domain
            let domainMatches =
                host == bare
                || ((cookie.includeSubdomains || cookie.domain.hasPrefix(".")) && host.hasSuffix("." + bare))
            guard domainMatches else {
                // Cookies for unrelated sites are not "not sent" in any interesting sense: skip them.
                if host.hasSuffix(bare) || bare.hasSuffix(host) { excluded.append((cookie, .domain(cookie.domain))) }
                continue
            }
            if cookie.expires > 0 && cookie.expires <= now {
                excluded.append((cookie, .expired(at: cookie.expires)))
            } else if !Self.pathMatches(requestPath: path, cookiePath: cookie.path) {
                excluded.append((cookie, .path(cookie.path)))
            } else if cookie.secure && scheme.lowercased() != "https" {
                excluded.append((cookie, .secureOnly))
            } else {
                send.append(cookie)
            }
        }
        return (send, excluded)
    }

    /// RFC 6265 §5.1.4 path-match.
    static func pathMatches(requestPath: String, cookiePath: String) -> Bool {
        let path = requestPath.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        if path == cookiePath { return true }
        guard path.hasPrefix(cookiePath) else { return false }
        return cookiePath.hasSuffix("/") || path.dropFirst(cookiePath.count).hasPrefix("/")
    }
}
